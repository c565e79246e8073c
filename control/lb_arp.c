/* ARP and the neighbour table (see lb_arp.h and README "ARP and the
 * neighbour table" for the rules). Entries live in three classes with
 * room of their own, so strangers cannot crowd out what the configuration
 * needs:
 *   config:  next hops of backends without a MAC, and gateways: room for
 *            every one the configuration can have, never evicted;
 *   return:  next hops the return path asked for: bounded, oldest evicted;
 *   learned: on-link hosts learnt from their requests to us: bounded,
 *            oldest evicted.
 * A MAC is only taken from a reply to a request of ours; an unsolicited
 * change starts a verification (a request at once; the known MAC, if it
 * answers, wins). Changes go to the control plane in one batch per tick,
 * after the lock is released; old entries are freed after one RCU grace
 * period per tick, outside the lock too. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_meter.h>
#include <rte_ring.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"

enum neigh_class { CLASS_CONFIG, CLASS_RETURN, CLASS_LEARNED, NB_CLASSES };
static const char *const class_names[NB_CLASSES] = {"config", "return", "learned"};
static const unsigned class_max[NB_CLASSES] = {LB_NEIGH_CONFIG_MAX, LB_NEIGH_RETURN_MAX, LB_NEIGH_LEARNED_MAX};
#define NIL UINT32_MAX

struct arp_port {
	bool defined;
	uint16_t port_id;
	struct rte_ether_addr mac;
	rte_be32_t addr;
	uint32_t mask; /* host order */
	bool has_kernel;         /* a copy of each ARP frame goes to its kernel interface, */
	uint16_t kernel_port_id;
	struct rte_meter_srtcm_profile copy_profile; /* within the port's kernel_rate */
	struct rte_meter_srtcm copy_meter;
};

/* Control-side bookkeeping of each entry of lb_dp.neigh. */
struct neigh_ctl {
	bool used, dirty, limit_logged, marked;
	uint8_t cls;
	rte_be32_t addr;
	uint32_t prev, next;      /* the class's list, oldest first */
	uint64_t updated_ms;      /* learnt or confirmed */
	uint64_t requested_ms;    /* last request sent (0: never) */
	uint64_t changed_ms;      /* last MAC change taken */
	uint64_t verify_until_ms; /* an unsolicited change is being checked (0: none) */
	bool current_confirmed;   /* ... and the known MAC answered */
	bool candidate_valid;
	struct rte_ether_addr candidate;
	struct lb_neigh *dp;      /* NULL: asked, not answered yet */
};

struct class_list {
	uint32_t head, tail, count;
};

/* Frees that wait for the workers' grace period. */
struct deferred {
	struct lb_neigh *dp;
	int32_t key_pos; /* a deleted key's slot, or -1 */
};

static struct arp_port ports[LB_MAX_PORTS];
static struct neigh_ctl table[LB_NEIGH_MAX];
static struct class_list lists[NB_CLASSES];
static uint32_t free_head;
static struct rte_hash *index_hash; /* addr -> table index; this file only */
static struct rte_mempool *pool;
static struct rte_rcu_qsbr *qs;
static struct lb_arp_stats stats;
static const struct lb_config *config;
static uint64_t wanted_generation = UINT64_MAX;
static struct deferred deferred[2 * LB_NEIGH_MAX];
static unsigned nb_deferred;
static struct lb_neigh_change changes[LB_NEIGH_CONFIG_MAX];
static unsigned nb_changes;
static char log_buf[8192];
static size_t log_len;
/* requests out, all targets together: a token bucket (librte_meter) */
static struct rte_meter_srtcm_profile req_profile;
static struct rte_meter_srtcm req_meter;

/* The slow-path thread writes the table, telemetry threads read it. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void
logf_locked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
logf_locked(const char *fmt, ...)
{
	va_list ap;
	if (log_len >= sizeof(log_buf) - 1)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		log_len = RTE_MIN(log_len + (size_t)n, sizeof(log_buf) - 1);
}

static uint64_t
ms_to_tsc(uint64_t ms)
{
	return ms * (rte_get_tsc_hz() / 1000);
}

int
lb_arp_init(const struct lb_config *cfg, const struct lb_port_info info[LB_MAX_PORTS],
	    struct rte_mempool *mp, struct rte_rcu_qsbr *q)
{
	struct rte_hash_parameters ip = {
		.name = "lb_neigh_index", .entries = LB_NEIGH_MAX, .key_len = sizeof(rte_be32_t),
		.hash_func = rte_hash_crc, .socket_id = SOCKET_ID_ANY,
	};
	struct rte_meter_srtcm_params rp = {.cir = LB_ARP_REQUESTS_PER_S, .cbs = LB_ARP_REQUESTS_BURST, .ebs = 0};

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
			.has_kernel = info[p].has_kernel,
			.kernel_port_id = info[p].kernel_port_id,
		};
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		const struct lb_cfg_port *cp = &cfg->ports[p];
		struct rte_meter_srtcm_params kp = {.cir = cp->kernel_rate ? cp->kernel_rate : 1,
						    .cbs = cp->kernel_burst ? cp->kernel_burst : RTE_MAX(cp->kernel_rate, 1u)};
		if (ports[p].has_kernel && (rte_meter_srtcm_profile_config(&ports[p].copy_profile, &kp) < 0 ||
					    rte_meter_srtcm_config(&ports[p].copy_meter, &ports[p].copy_profile) < 0))
			return -1;
	}
	memset(table, 0, sizeof(table));
	memset(&stats, 0, sizeof(stats));
	for (unsigned c = 0; c < NB_CLASSES; c++)
		lists[c] = (struct class_list){.head = NIL, .tail = NIL};
	for (uint32_t i = 0; i < LB_NEIGH_MAX; i++)
		table[i].next = i + 1 < LB_NEIGH_MAX ? i + 1 : NIL;
	free_head = 0;
	nb_deferred = nb_changes = 0;
	log_len = 0;
	wanted_generation = UINT64_MAX;
	if (rte_meter_srtcm_profile_config(&req_profile, &rp) < 0 ||
	    rte_meter_srtcm_config(&req_meter, &req_profile) < 0)
		return -1;
	index_hash = rte_hash_create(&ip);
	return index_hash ? 0 : -1;
}

void
lb_arp_fini(void)
{
	for (unsigned i = 0; i < LB_NEIGH_MAX; i++)
		if (table[i].used)
			rte_free(table[i].dp);
	for (unsigned i = 0; i < nb_deferred; i++)
		rte_free(deferred[i].dp);
	nb_deferred = 0;
	memset(table, 0, sizeof(table));
	rte_hash_reset(lb_dp.neigh); /* the workers stopped or never ran */
	rte_hash_free(index_hash);
	index_hash = NULL;
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

/* ---- the class lists (oldest first) ---- */

static void
list_unlink(struct neigh_ctl *n)
{
	struct class_list *l = &lists[n->cls];
	if (n->prev != NIL)
		table[n->prev].next = n->next;
	else
		l->head = n->next;
	if (n->next != NIL)
		table[n->next].prev = n->prev;
	else
		l->tail = n->prev;
	l->count--;
}

static void
list_append(struct neigh_ctl *n, uint8_t cls)
{
	struct class_list *l = &lists[cls];
	const uint32_t i = (uint32_t)(n - table);
	n->cls = cls;
	n->prev = l->tail;
	n->next = NIL;
	if (l->tail != NIL)
		table[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
	l->count++;
}

/* Seen again: the youngest of its class. */
static void
touch(struct neigh_ctl *n)
{
	const uint8_t cls = n->cls;
	list_unlink(n);
	list_append(n, cls);
}

static struct neigh_ctl *
find(rte_be32_t addr)
{
	void *data;
	return rte_hash_lookup_data(index_hash, &addr, &data) < 0 ? NULL : &table[(uintptr_t)data];
}

/* n changed. What the configuration needs (config class) goes to the
 * control plane at the next tick, once however often it changed: its table
 * builds read nothing else (at most LB_NEIGH_CONFIG_MAX entries). */
static void
mark_dirty(struct neigh_ctl *n)
{
	if (n->cls == CLASS_CONFIG && !n->dirty && nb_changes < RTE_DIM(changes)) {
		n->dirty = true;
		changes[nb_changes++] = (struct lb_neigh_change){.addr = n->addr};
	}
	stats.generation++;
}

static void
defer_free(struct lb_neigh *dp, int32_t key_pos)
{
	if (nb_deferred < RTE_DIM(deferred))
		deferred[nb_deferred++] = (struct deferred){.dp = dp, .key_pos = key_pos};
}

/* The workers' entry goes (freed after the grace period). */
static void
unpublish(struct neigh_ctl *n)
{
	if (!n->dp)
		return;
	const int32_t pos = rte_hash_del_key(lb_dp.neigh, &n->addr);
	defer_free(n->dp, pos);
	n->dp = NULL;
	mark_dirty(n);
}

static void
forget(struct neigh_ctl *n)
{
	if (n->dp)
		stats.expired++;
	unpublish(n);
	list_unlink(n);
	rte_hash_del_key(index_hash, &n->addr);
	const uint32_t i = (uint32_t)(n - table);
	*n = (struct neigh_ctl){.next = free_head};
	free_head = i;
}

/* A new entry of class cls, evicting the oldest of the class when full
 * (config: never full, it has room for every next hop a configuration has). */
static struct neigh_ctl *
add(rte_be32_t addr, uint8_t cls)
{
	if (lists[cls].count >= class_max[cls]) {
		if (lists[cls].head == NIL)
			return NULL;
		forget(&table[lists[cls].head]);
		stats.evicted++;
	}
	if (free_head == NIL) {
		stats.table_full++;
		return NULL;
	}
	const uint32_t i = free_head;
	struct neigh_ctl *n = &table[i];
	free_head = n->next;
	*n = (struct neigh_ctl){.used = true, .addr = addr};
	if (rte_hash_add_key_data(index_hash, &addr, (void *)(uintptr_t)i) < 0) {
		n->used = false;
		n->next = free_head;
		free_head = i;
		stats.table_full++;
		return NULL;
	}
	list_append(n, cls);
	return n;
}

/* Move n up to class cls (config > return > learned), never down here. */
static void
promote(struct neigh_ctl *n, uint8_t cls)
{
	if (cls >= n->cls)
		return;
	list_unlink(n);
	list_append(n, cls);
	if (n->dp)
		mark_dirty(n); /* known already: the control plane hears of it now */
}

/* Publish addr -> mac for the workers: a new entry, never one changed in
 * place; the old one is freed after the grace period. */
static void
publish(struct neigh_ctl *n, const struct rte_ether_addr *mac, uint16_t port_id, uint64_t now_ms)
{
	struct lb_neigh *old = n->dp, *nd;

	n->updated_ms = now_ms;
	touch(n);
	if (old && rte_is_same_ether_addr(&old->mac, mac) && old->port_id == port_id)
		return; /* confirmed, nothing new */
	nd = rte_zmalloc("lb_neigh", sizeof(*nd), 0);
	if (!nd)
		return;
	nd->mac = *mac;
	nd->port_id = port_id;
	if (rte_hash_add_key_data(lb_dp.neigh, &n->addr, nd) < 0) {
		rte_free(nd);
		stats.table_full++;
		return;
	}
	n->dp = nd;
	if (old) {
		char was[RTE_ETHER_ADDR_FMT_SIZE], now[RTE_ETHER_ADDR_FMT_SIZE], ip[INET_ADDRSTRLEN];
		rte_ether_format_addr(was, sizeof(was), &old->mac);
		rte_ether_format_addr(now, sizeof(now), mac);
		inet_ntop(AF_INET, &n->addr, ip, sizeof(ip));
		logf_locked("[ARP] %s moved from %s to %s (port %u)\n", ip, was, now, port_id);
		stats.changed++;
		n->changed_ms = now_ms;
		n->limit_logged = false;
		defer_free(old, -1);
	} else {
		stats.learned++;
	}
	mark_dirty(n);
}

static void
send_frame(struct rte_mbuf *m)
{
	if (rte_ring_sp_enqueue(lb_dp.ctl_tx, m) < 0) {
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

/* Ask for n's MAC: once a second per target at most, and within the
 * global budget. */
static void
request(struct neigh_ctl *n, uint64_t now_ms)
{
	static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	static const struct rte_ether_addr zero;
	struct arp_port *p = port_on_link(n->addr);
	struct rte_mbuf *m;

	if (!p || (n->requested_ms && now_ms - n->requested_ms < LB_NEIGH_RETRY_MS))
		return;
	if (rte_meter_srtcm_color_blind_check(&req_meter, &req_profile, ms_to_tsc(now_ms), 1) != RTE_COLOR_GREEN) {
		stats.requests_limited++;
		return;
	}
	n->requested_ms = now_ms ? now_ms : 1;
	m = rte_pktmbuf_alloc(pool);
	if (!m) {
		stats.tx_full++;
		return;
	}
	fill_arp(m, RTE_ARP_OP_REQUEST, p, &bcast, &zero, n->addr);
	stats.requests_out++;
	send_frame(m);
}

/* n claims another MAC than the one we know. From a reply to our request,
 * while a verification runs: a candidate (the first); otherwise start the
 * verification: ask now, decide when it ends (lb_arp_tick). */
static void
claimed(struct neigh_ctl *n, const struct rte_ether_addr *mac, bool solicited, uint64_t now_ms)
{
	if (n->verify_until_ms && solicited) {
		if (!n->candidate_valid) {
			n->candidate = *mac;
			n->candidate_valid = true;
		}
		return;
	}
	if (n->verify_until_ms)
		return; /* unsolicited again while checking: nothing new */
	stats.unsolicited++;
	n->verify_until_ms = now_ms + LB_NEIGH_VERIFY_MS;
	n->current_confirmed = false;
	n->candidate_valid = solicited;
	if (solicited)
		n->candidate = *mac;
	n->requested_ms = 0; /* at once, even if a request went out within the second */
	request(n, now_ms);
}

/* The kernel behind the port's kernel interface resolves its own peers
 * (a BGP neighbour, an SSH client) from the ARP lb-graph receives; what it
 * must not learn from strangers, lb_kernel_if.c pins. */
static void
copy_to_kernel(struct arp_port *p, const struct rte_mbuf *m)
{
	/* kernel-bound like what lb_to_kernel sends: within kernel_rate */
	if (rte_meter_srtcm_color_blind_check(&p->copy_meter, &p->copy_profile, rte_get_tsc_cycles(), 1) !=
	    RTE_COLOR_GREEN) {
		stats.kernel_limited++;
		return;
	}
	struct rte_mbuf *c = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
	if (!c) {
		stats.tx_full++;
		return;
	}
	c->port = p->kernel_port_id;
	if (rte_ring_sp_enqueue(lb_dp.ctl_tx, c) < 0) {
		stats.tx_full++;
		rte_pktmbuf_free(c);
		return;
	}
	stats.to_kernel++;
}

static void
arp_input(struct rte_mbuf *m, uint64_t now_ms)
{
	struct arp_port *p = port_by_id(m->port);
	const size_t need = sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	/* Untagged Ethernet/IPv4 ARP on a port with an address, from a host MAC
	 * (never zero, multicast or broadcast), or nothing. */
	if (!p || rte_pktmbuf_data_len(m) < need || eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || arp->arp_hlen != RTE_ETHER_ADDR_LEN ||
	    arp->arp_plen != sizeof(rte_be32_t) || !lb_mac_is_host(&arp->arp_data.arp_sha)) {
		stats.ignored++;
		rte_pktmbuf_free(m);
		return;
	}
	if (p->has_kernel)
		copy_to_kernel(p, m);
	const uint16_t op = rte_be_to_cpu_16(arp->arp_opcode);
	const rte_be32_t sip = arp->arp_data.arp_sip, tip = arp->arp_data.arp_tip;
	const struct rte_ether_addr sha = arp->arp_data.arp_sha;
	const bool for_us = is_local(tip);
	const bool sender_on_link = port_on_link(sip) == p && !is_local(sip);

	if (op == RTE_ARP_OP_REQUEST)
		stats.requests_in++;
	else if (op == RTE_ARP_OP_REPLY)
		stats.replies_in++;

	struct neigh_ctl *n = sender_on_link ? find(sip) : NULL;
	/* a reply to our request: to the port's address and MAC, soon after we asked */
	const bool solicited = n && op == RTE_ARP_OP_REPLY && tip == p->addr &&
			       rte_is_same_ether_addr(&arp->arp_data.arp_tha, &p->mac) && n->requested_ms &&
			       now_ms - n->requested_ms <= LB_NEIGH_SOLICITED_MS;
	if (n && !n->dp) {
		if (solicited)
			publish(n, &sha, p->port_id, now_ms); /* the answer we waited for */
	} else if (n && rte_is_same_ether_addr(&n->dp->mac, &sha) && n->dp->port_id == p->port_id) {
		n->updated_ms = now_ms; /* confirmed */
		touch(n);
		if (n->verify_until_ms && solicited)
			n->current_confirmed = true;
	} else if (n) {
		claimed(n, &sha, solicited, now_ms);
	} else if (sender_on_link && for_us && op == RTE_ARP_OP_REQUEST) {
		/* RFC 826: a new sender of a request to us (Linux does the same) */
		n = add(sip, CLASS_LEARNED);
		if (n)
			publish(n, &sha, p->port_id, now_ms);
	}

	if (op == RTE_ARP_OP_REQUEST && for_us) {
		fill_arp(m, RTE_ARP_OP_REPLY, p, &sha, &sha, sip);
		arp->arp_data.arp_sip = tip; /* we answer as the asked address (a VIP or the port) */
		stats.replies_out++;
		send_frame(m);
		return;
	}
	rte_pktmbuf_free(m);
}

/* lb-graph needs addr's MAC (class cls): make sure it is asked for. */
static void
want(rte_be32_t addr, uint8_t cls, uint64_t now_ms)
{
	struct neigh_ctl *n = find(addr);

	if (!port_on_link(addr) || is_local(addr))
		return;
	if (!n && !(n = add(addr, cls)))
		return;
	promote(n, cls);
	if (!n->dp)
		request(n, now_ms);
}

struct wanted {
	rte_be32_t addr[LB_NEIGH_CONFIG_MAX];
	unsigned n;
	uint64_t generation;
};

/* The configuration's needs, copied only when its generation is not the
 * one the table was last brought up to (w->generation on entry). */
static void
collect_wanted(const struct lb_config *cfg, uint64_t generation, void *arg)
{
	struct wanted *w = arg;
	if (generation == w->generation)
		return;
	w->n = 0;
	w->generation = generation;
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		if (cfg->ports[p].defined && cfg->ports[p].gateway && w->n < RTE_DIM(w->addr))
			w->addr[w->n++] = cfg->ports[p].gateway;
	for (unsigned i = 0; i < cfg->nb_vips; i++)
		for (uint32_t b = 0; b < cfg->vips[i].nb_backends && w->n < RTE_DIM(w->addr); b++)
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
	want(addr, CLASS_RETURN, now_ms);
	pthread_mutex_unlock(&lock);
}

/* What the configuration needs, when its generation changed: config class;
 * what it no longer needs drops to the return class. */
static void
update_wanted(const struct wanted *w, uint64_t now_ms)
{
	for (unsigned k = 0; k < w->n; k++) {
		if (!w->addr[k])
			continue;
		want(w->addr[k], CLASS_CONFIG, now_ms);
		struct neigh_ctl *n = find(w->addr[k]);
		if (n)
			n->marked = true;
	}
	for (uint32_t i = lists[CLASS_CONFIG].head; i != NIL;) {
		struct neigh_ctl *n = &table[i];
		i = n->next;
		if (!n->marked) {
			list_unlink(n);
			list_append(n, CLASS_RETURN);
		}
		n->marked = false;
	}
	wanted_generation = w->generation;
}

/* End of a verification: the candidate MAC is taken if the known one did
 * not answer, at most one change per entry every LB_NEIGH_CHANGE_MIN_MS. */
static void
verify_done(struct neigh_ctl *n, uint64_t now_ms)
{
	if (n->candidate_valid && !n->current_confirmed) {
		if (n->changed_ms && now_ms - n->changed_ms < LB_NEIGH_CHANGE_MIN_MS) {
			stats.change_limited++;
			if (!n->limit_logged) {
				char ip[INET_ADDRSTRLEN];
				inet_ntop(AF_INET, &n->addr, ip, sizeof(ip));
				logf_locked("[ARP] %s changes MAC too often: one change per %u ms is taken\n", ip,
					    LB_NEIGH_CHANGE_MIN_MS);
				n->limit_logged = true;
			}
		} else {
			publish(n, &n->candidate, n->dp->port_id, now_ms);
		}
	} else if (!n->current_confirmed) {
		stats.unverified++; /* nobody answered for the new MAC: the known one stays */
	}
	n->verify_until_ms = 0;
	n->candidate_valid = n->current_confirmed = false;
}

void
lb_arp_tick(uint64_t now_ms)
{
	/* the slow-path thread's only (large: not on its stack) */
	static struct wanted w;
	static struct deferred frees[RTE_DIM(deferred)];
	static struct lb_neigh_change batch[LB_NEIGH_CONFIG_MAX];
	unsigned nb_frees, nb_batch;
	char log[sizeof(log_buf)];

	/* the configuration's needs, read before taking the lock (control first:
	 * never the other way round) */
	w.generation = wanted_generation;
	lb_control_read(collect_wanted, &w);
	pthread_mutex_lock(&lock);
	if (w.generation != wanted_generation)
		update_wanted(&w, now_ms);
	for (uint32_t i = 0; i < LB_NEIGH_MAX; i++) {
		struct neigh_ctl *n = &table[i];
		if (!n->used)
			continue;
		if (n->verify_until_ms && now_ms >= n->verify_until_ms && n->dp)
			verify_done(n, now_ms);
		const uint64_t age = now_ms - (n->dp ? n->updated_ms : n->requested_ms);
		if (n->cls == CLASS_CONFIG) {
			if (n->dp && age >= LB_NEIGH_EXPIRE_MS)
				unpublish(n); /* asked again below */
			if (!n->dp || age >= LB_NEIGH_REFRESH_MS)
				request(n, now_ms);
		} else if (age >= LB_NEIGH_EXPIRE_MS || (!n->dp && age >= 10 * LB_NEIGH_RETRY_MS)) {
			forget(n);
		} else if (n->dp && n->cls == CLASS_RETURN && age >= LB_NEIGH_REFRESH_MS) {
			request(n, now_ms);
		}
	}
	/* what leaves the lock: the changes, the frees, the log */
	nb_batch = nb_changes;
	for (unsigned i = 0; i < nb_batch; i++) {
		struct neigh_ctl *n = find(changes[i].addr);
		batch[i] = (struct lb_neigh_change){.addr = changes[i].addr, .present = n && n->dp};
		if (n && n->dp)
			batch[i].mac = n->dp->mac;
		if (n)
			n->dirty = false;
	}
	nb_changes = 0;
	nb_frees = nb_deferred;
	memcpy(frees, deferred, nb_frees * sizeof(frees[0]));
	nb_deferred = 0;
	memcpy(log, log_buf, log_len + 1);
	log_len = 0;
	pthread_mutex_unlock(&lock);

	if (nb_batch)
		lb_control_neigh_update(batch, nb_batch);
	if (nb_frees) {
		if (qs)
			rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
		pthread_mutex_lock(&lock);
		for (unsigned i = 0; i < nb_frees; i++) {
			if (frees[i].key_pos >= 0)
				rte_hash_free_key_with_position(lb_dp.neigh, frees[i].key_pos);
			rte_free(frees[i].dp);
		}
		pthread_mutex_unlock(&lock);
	}
	if (log[0]) {
		fputs(log, stdout);
		fflush(stdout);
	}
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
			.age_ms = now_ms - n->updated_ms, .kind = class_names[n->cls],
		};
	}
	*generation = stats.generation;
	pthread_mutex_unlock(&lock);
	*total = k;
	return got;
}
