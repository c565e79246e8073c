#include <pthread.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"

struct arp_port {
	bool defined;
	uint16_t port_id;
	struct rte_ether_addr mac;
	rte_be32_t addr;
	uint32_t mask; /* host order */
};

/* Control-side bookkeeping of each entry of lb_neigh_hash. */
struct neigh_ctl {
	bool used;
	rte_be32_t addr;
	uint64_t updated_ms;   /* learnt or confirmed */
	uint64_t requested_ms; /* last request sent (0: never) */
	struct lb_neigh *dp;   /* NULL: asked, not answered yet */
};

static struct arp_port ports[LB_MAX_PORTS];
static struct neigh_ctl table[LB_NEIGH_MAX];
static struct rte_mempool *pool;
static struct rte_rcu_qsbr *qs;
static struct lb_arp_stats stats;
static const struct lb_config *config;
/* The slow-path thread writes the table, the telemetry thread reads it. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void
free_neigh(void *p, void *key_data)
{
	(void)p;
	rte_free(key_data);
}

int
lb_arp_init(const struct lb_config *cfg, const struct lb_port_info info[LB_MAX_PORTS],
	    struct rte_mempool *mp, struct rte_rcu_qsbr *q)
{
	struct rte_hash_parameters hp = {
		.name = "lb_neigh",
		.entries = LB_NEIGH_MAX,
		.key_len = sizeof(rte_be32_t),
		.hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
		/* lock-free readers (the workers), one writer (this file) */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rcu = {
		.v = q, .mode = RTE_HASH_QSBR_MODE_SYNC, .free_key_data_func = free_neigh,
	};

	config = cfg;
	pool = mp;
	qs = q;
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		ports[p] = (struct arp_port){
			.defined = info[p].defined && cfg->ports[p].addr,
			.port_id = info[p].port_id,
			.mac = info[p].mac,
			.addr = cfg->ports[p].addr,
			.mask = lb_prefix_mask(cfg->ports[p].prefix_len),
		};
	struct rte_hash *h = rte_hash_create(&hp);
	if (!h)
		return -1;
	if (q && rte_hash_rcu_qsbr_add(h, &rcu) < 0) {
		rte_hash_free(h);
		return -1;
	}
	__atomic_store_n(&lb_neigh_hash, h, __ATOMIC_RELEASE);
	return 0;
}

void
lb_arp_fini(void)
{
	struct rte_hash *h = lb_neigh_hash;
	for (unsigned i = 0; i < LB_NEIGH_MAX; i++)
		if (table[i].used)
			rte_free(table[i].dp);
	memset(table, 0, sizeof(table));
	lb_neigh_hash = NULL;
	rte_hash_free(h);
}

static struct arp_port *
port_by_id(uint16_t port_id)
{
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		if (ports[p].defined && ports[p].port_id == port_id)
			return &ports[p];
	return NULL;
}

static struct arp_port *
port_on_link(rte_be32_t addr)
{
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		if (ports[p].defined && lb_in_subnet(addr, ports[p].addr, ports[p].mask))
			return &ports[p];
	return NULL;
}

/* Do we answer ARP for addr? The ports' own addresses and the VIPs. */
static bool
is_local(rte_be32_t addr)
{
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		if (ports[p].defined && ports[p].addr == addr)
			return true;
	for (unsigned i = 0; i < config->nb_vips; i++)
		if (config->vips[i].addr == addr)
			return true;
	return false;
}

static struct neigh_ctl *
find(rte_be32_t addr)
{
	for (unsigned i = 0; i < LB_NEIGH_MAX; i++)
		if (table[i].used && table[i].addr == addr)
			return &table[i];
	return NULL;
}

static struct neigh_ctl *
add(rte_be32_t addr)
{
	for (unsigned i = 0; i < LB_NEIGH_MAX; i++)
		if (!table[i].used) {
			table[i] = (struct neigh_ctl){.used = true, .addr = addr};
			return &table[i];
		}
	stats.table_full++;
	return NULL;
}

/* Publish addr -> mac for the workers: a new entry, never one changed in place. */
static void
publish(struct neigh_ctl *n, const struct rte_ether_addr *mac, uint16_t port_id, uint64_t now_ms)
{
	struct lb_neigh *old = n->dp, *nd;

	n->updated_ms = now_ms;
	if (old && rte_is_same_ether_addr(&old->mac, mac) && old->port_id == port_id)
		return; /* confirmed, nothing new */
	nd = rte_zmalloc("lb_neigh", sizeof(*nd), 0);
	if (!nd)
		return;
	nd->mac = *mac;
	nd->port_id = port_id;
	if (rte_hash_add_key_data(lb_neigh_hash, &n->addr, nd) < 0) {
		rte_free(nd);
		stats.table_full++;
		return;
	}
	n->dp = nd;
	stats.generation++;
	if (old) {
		stats.changed++;
		if (qs)
			rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	} else {
		stats.learned++;
	}
	lb_control_neigh_changed(n->addr, mac);
}

static void
forget(struct neigh_ctl *n)
{
	if (n->dp) {
		/* SYNC mode: waits for the workers, then frees n->dp */
		rte_hash_del_key(lb_neigh_hash, &n->addr);
		stats.expired++;
		stats.generation++;
		lb_control_neigh_changed(n->addr, NULL);
	}
	n->used = false;
}

static void
send_frame(struct rte_mbuf *m)
{
	if (!lb_ctl_tx_ring || rte_ring_sp_enqueue(lb_ctl_tx_ring, m) < 0) {
		stats.tx_full++;
		rte_pktmbuf_free(m);
	}
}

static void
fill_arp(struct rte_mbuf *m, uint16_t op, const struct arp_port *p, const struct rte_ether_addr *dst_mac,
	 const struct rte_ether_addr *target_mac, rte_be32_t target_ip)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	if (m->next) { /* a chained request: the reply is one segment */
		rte_pktmbuf_free(m->next);
		m->next = NULL;
	}
	m->data_len = m->pkt_len = sizeof(*eth) + sizeof(*arp);
	m->nb_segs = 1;
	m->port = p->port_id;
	eth->dst_addr = *dst_mac;
	eth->src_addr = p->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = sizeof(rte_be32_t);
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = p->mac;
	arp->arp_data.arp_sip = p->addr;
	arp->arp_data.arp_tha = *target_mac;
	arp->arp_data.arp_tip = target_ip;
}

static void
request(struct neigh_ctl *n, uint64_t now_ms)
{
	static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	static const struct rte_ether_addr zero;
	struct arp_port *p = port_on_link(n->addr);
	struct rte_mbuf *m;

	if (!p || (n->requested_ms && now_ms - n->requested_ms < LB_NEIGH_RETRY_MS))
		return;
	n->requested_ms = now_ms;
	m = rte_pktmbuf_alloc(pool);
	if (!m) {
		stats.tx_full++;
		return;
	}
	fill_arp(m, RTE_ARP_OP_REQUEST, p, &bcast, &zero, n->addr);
	stats.requests_out++;
	send_frame(m);
}

static void
arp_input(struct rte_mbuf *m, uint64_t now_ms)
{
	struct arp_port *p = port_by_id(m->port);
	const size_t need = sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	/* Untagged Ethernet/IPv4 ARP on a port with an address, or nothing. */
	if (!p || rte_pktmbuf_data_len(m) < need || eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || arp->arp_hlen != RTE_ETHER_ADDR_LEN ||
	    arp->arp_plen != sizeof(rte_be32_t) || !lb_mac_is_host(&arp->arp_data.arp_sha)) {
		stats.ignored++;
		rte_pktmbuf_free(m);
		return;
	}
	const uint16_t op = rte_be_to_cpu_16(arp->arp_opcode);
	const rte_be32_t sip = arp->arp_data.arp_sip, tip = arp->arp_data.arp_tip;
	const bool for_us = is_local(tip);
	const bool sender_on_link = port_on_link(sip) == p && sip != p->addr;

	if (op == RTE_ARP_OP_REQUEST)
		stats.requests_in++;
	else if (op == RTE_ARP_OP_REPLY)
		stats.replies_in++;

	/* RFC 826: update a sender we know; add it when the frame is for us. */
	struct neigh_ctl *n = sender_on_link ? find(sip) : NULL;
	if (!n && sender_on_link && for_us)
		n = add(sip);
	if (n)
		publish(n, &arp->arp_data.arp_sha, p->port_id, now_ms);

	if (op == RTE_ARP_OP_REQUEST && for_us) {
		const struct rte_ether_addr sha = arp->arp_data.arp_sha;
		fill_arp(m, RTE_ARP_OP_REPLY, p, &sha, &sha, sip);
		arp->arp_data.arp_sip = tip; /* we answer as the asked address (a VIP or the port) */
		stats.replies_out++;
		send_frame(m);
		return;
	}
	rte_pktmbuf_free(m);
}

static void
want(rte_be32_t addr, uint64_t now_ms)
{
	struct neigh_ctl *n = find(addr);

	if (!port_on_link(addr))
		return;
	if (!n && !(n = add(addr)))
		return;
	if (!n->dp)
		request(n, now_ms);
}

struct wanted {
	rte_be32_t addr[LB_MAX_BACKEND_SLOTS + LB_MAX_PORTS];
	unsigned n;
};

static void
collect_wanted(const struct lb_config *cfg, uint64_t generation, void *arg)
{
	struct wanted *w = arg;
	w->n = 0;
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		if (cfg->ports[p].defined && cfg->ports[p].gateway)
			w->addr[w->n++] = cfg->ports[p].gateway;
	for (unsigned i = 0; i < cfg->nb_vips; i++)
		for (uint32_t b = 0; b < cfg->vips[i].nb_backends; b++)
			if (!cfg->vips[i].backends[b].has_mac)
				w->addr[w->n++] = lb_backend_next_hop(cfg, &cfg->vips[i], &cfg->vips[i].backends[b]);
}

void
lb_arp_input(struct rte_mbuf *m, uint64_t now_ms)
{
	pthread_mutex_lock(&lock);
	arp_input(m, now_ms);
	pthread_mutex_unlock(&lock);
}

void
lb_arp_want(rte_be32_t addr, uint64_t now_ms)
{
	pthread_mutex_lock(&lock);
	want(addr, now_ms);
	pthread_mutex_unlock(&lock);
}

void
lb_arp_tick(uint64_t now_ms)
{
	static struct wanted w;

	pthread_mutex_lock(&lock);
	lb_control_read(collect_wanted, &w);
	for (unsigned i = 0; i < w.n; i++)
		if (w.addr[i])
			want(w.addr[i], now_ms);
	for (unsigned i = 0; i < LB_NEIGH_MAX; i++) {
		struct neigh_ctl *n = &table[i];
		if (!n->used)
			continue;
		const uint64_t age = now_ms - (n->dp ? n->updated_ms : n->requested_ms);
		if (age >= LB_NEIGH_EXPIRE_MS || (!n->dp && age >= 10 * LB_NEIGH_RETRY_MS))
			forget(n); /* a wanted address is asked again at once */
		else if (n->dp && age >= LB_NEIGH_REFRESH_MS)
			request(n, now_ms);
	}
	pthread_mutex_unlock(&lock);
}

void
lb_arp_stats_get(struct lb_arp_stats *s)
{
	pthread_mutex_lock(&lock);
	*s = stats;
	pthread_mutex_unlock(&lock);
}

unsigned
lb_arp_entries(struct lb_arp_entry *out, unsigned first, unsigned max, uint64_t now_ms, unsigned *total,
	       uint64_t *generation)
{
	unsigned k = 0, got = 0;

	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < LB_NEIGH_MAX; i++) {
		const struct neigh_ctl *n = &table[i];
		if (!n->used || !n->dp)
			continue;
		if (k++ < first || got >= max)
			continue;
		out[got++] = (struct lb_arp_entry){
			.addr = n->addr, .mac = n->dp->mac, .port_id = n->dp->port_id,
			.age_ms = now_ms - n->updated_ms,
		};
	}
	*generation = stats.generation;
	pthread_mutex_unlock(&lock);
	*total = k;
	return got;
}
