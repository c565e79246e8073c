#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "control/lb_control.h"
#include "control/lb_key_table_build.h"
#include "control/lb_lookup_fill.h"
#include "control/lb_tables_build.h"
#include "nodes/lb_nat.h"

static int
socket_of_caller(void)
{
	int s = (int)rte_socket_id();
	return s == SOCKET_ID_ANY ? 0 : s;
}

rte_be32_t
lb_backend_next_hop(const struct lb_config *cfg, const struct lb_cfg_vip *v,
		    const struct lb_cfg_backend *b)
{
	const struct lb_cfg_port *out = &cfg->ports[v->out_port];
	return lb_cfg_port_on_link(out, b->addr) ? b->addr : out->gateway;
}

/* The backend's next-hop MAC: from the INI, or from what the ARP module
 * told the control plane (lb_control_neigh_mac: never the workers' table,
 * whose entries are freed under RCU that this thread is no reader of). */
static bool
backend_mac(const struct lb_config *cfg, const struct lb_cfg_vip *v, const struct lb_cfg_backend *b,
	    struct rte_ether_addr *mac)
{
	if (b->has_mac) {
		*mac = b->mac;
		return true;
	}
	const rte_be32_t nh = lb_backend_next_hop(cfg, v, b);
	return nh && lb_control_neigh_mac(nh, mac);
}

void
lb_vip_free(struct lb_vip *v)
{
	if (!v)
		return;
	rte_free(v->lookup);
	rte_free(v->backends);
	rte_free(v);
}

struct lb_vip *
lb_vip_build(const struct lb_config *cfg, uint16_t i, const struct lb_cfg_vip *cv,
	     const struct lb_port_info ports[LB_MAX_PORTS], char *err, size_t err_size)
{
	const struct lb_port_info *out = &ports[cv->out_port];
	const int socket = socket_of_caller();
	const uint32_t lut_size = lb_lookup_size(cv);
	struct lb_vip *v;

	if (!out->defined) {
		snprintf(err, err_size, "vip.%s: out_port %u is not set up", cv->name, cv->out_port);
		return NULL;
	}
	v = rte_zmalloc_socket("lb_vip", sizeof(*v), RTE_CACHE_LINE_SIZE, socket);
	if (!v)
		goto nomem;
	snprintf(v->name, sizeof(v->name), "%s", cv->name);
	v->addr = cv->addr;
	v->port = rte_cpu_to_be_16(cv->port);
	v->proto = cv->proto;
	v->index = i;
	v->tx_edge = out->tx_edge;
	v->out_port_id = out->port_id;
	v->out_multi_seg = out->multi_seg;
	v->out_mtu = cfg->ports[cv->out_port].mtu;
	v->src_mac = out->mac;
	v->nb_backends = cv->nb_backends;
	if (cv->nb_backends) {
		v->backends = rte_zmalloc_socket("lb_backends", cv->nb_backends * sizeof(*v->backends),
						 RTE_CACHE_LINE_SIZE, socket);
		if (!v->backends)
			goto nomem;
	}
	for (uint32_t b = 0; b < cv->nb_backends; b++) {
		v->backends[b] = (struct lb_backend){
			.addr = cv->backends[b].addr,
			.port = rte_cpu_to_be_16(cv->backends[b].port),
			.slot = cv->backends[b].slot,
			.id = cv->backends[b].id ? cv->backends[b].id : cv->backends[b].slot + 1u,
		};
		v->backends[b].resolved = backend_mac(cfg, cv, &cv->backends[b], &v->backends[b].mac);
		/* Its frames carry its own MAC when it is its own next hop: on the
		 * port's subnet, or on a port without an address (whose INI MAC is
		 * the backend's); through a gateway, only where asked. */
		const struct lb_cfg_port *op = &cfg->ports[cv->out_port];
		v->backends[b].check_src_mac =
			v->backends[b].resolved &&
			(!op->addr || lb_cfg_port_on_link(op, cv->backends[b].addr) || op->check_gateway_mac);
		v->backends[b].nat = lb_nat_delta(v->addr, v->port, v->backends[b].addr, v->backends[b].port);
	}
	v->all_down = lb_vip_all_down(cv) && cv->all_down == LB_ALL_DOWN_DROP;
	v->affinity = cv->affinity;
	if (lut_size) {
		v->lookup = rte_zmalloc_socket("lb_lookup", sizeof(*v->lookup) + lut_size * sizeof(uint16_t),
					       RTE_CACHE_LINE_SIZE, socket);
		if (!v->lookup || lb_lookup_fill(v->lookup->entry, cv, lb_config_seed32(cfg)) < 0)
			goto nomem;
		v->lookup->size = lut_size;
	}
	return v;
nomem:
	snprintf(err, err_size, "vip.%s: out of memory for the tables", cv->name);
	lb_vip_free(v);
	return NULL;
}

void
lb_tables_free_shallow(struct lb_tables *t)
{
	if (!t)
		return;
	lb_key_table_free(t->rev_table);
	rte_free(t->rev);
	lb_key_table_free(t->src_table);
	rte_free(t->src_hosts);
	rte_free(t);
}

void
lb_tables_free(struct lb_tables *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->nb_vips; i++)
		lb_vip_free(t->vips[i]);
	lb_key_table_free(t->vip_table);
	lb_tables_free_shallow(t);
}

/* addr in the source table as cls, and in its filter. */
static int
src_set(struct lb_tables *t, rte_be32_t addr, uint16_t cls)
{
	const uint32_t b = lb_src_filter_bit(t->src_filter_mult, addr);
	t->src_filter[b >> 6] |= 1ull << (b & 63);
	return lb_key_table_set(t->src_table, lb_src_key(addr), cls);
}

/* What the backends of t's VIPs and its local addresses make: the return
 * path's table (backend {addr, port, proto} -> rev[] entry) and the source
 * table (lb_dataplane.h, LB_SRC_LOCAL). A local address stays local when a
 * backend has it too. */
static int
build_backend_tables(struct lb_tables *t)
{
	const int socket = socket_of_caller();
	uint32_t n = 0, nb_hosts = 0;

	for (uint32_t i = 0; i < t->nb_vips; i++)
		n += t->vips[i]->nb_backends;
	t->rev_table = lb_key_table_new(n, socket);
	t->src_table = lb_key_table_new(2 * n + t->nb_vips + t->nb_ports, socket);
	t->rev = rte_malloc_socket("lb_rev", RTE_MAX(n, 1u) * sizeof(*t->rev), 0, socket);
	t->src_hosts = rte_malloc_socket("lb_src_hosts", RTE_MAX(n, 1u) * sizeof(*t->src_hosts), 0, socket);
	if (!t->rev_table || !t->src_table || !t->rev || !t->src_hosts)
		return -1;
	memset(t->src_filter, 0, sizeof(t->src_filter));
	t->src_filter_mult = (uint32_t)rte_rand() | 1;
	for (uint32_t i = 0; i < t->nb_vips; i++)
		if (src_set(t, t->vips[i]->addr, LB_SRC_LOCAL) < 0)
			return -1;
	for (uint16_t i = 0; i < t->nb_ports; i++) {
		const struct lb_port_dp *p = &t->ports[t->port_ids[i]];
		if (p->addr && src_set(t, p->addr, LB_SRC_LOCAL) < 0)
			return -1;
	}
	n = 0;
	memset(t->slots, 0, sizeof(t->slots));
	for (uint32_t i = 0; i < t->nb_vips; i++) {
		const struct lb_vip *v = t->vips[i];
		for (uint32_t b = 0; b < v->nb_backends; b++) {
			const struct lb_backend *be = &v->backends[b];
			t->slots[be->slot] = (struct lb_slot){.vip = i, .backend = b, .id = be->id};
			t->rev[n] = (struct lb_rev_entry){.vip = i, .backend = b};
			if (lb_key_table_set(t->rev_table, lb_key_make(be->addr, be->port, v->proto), n++) < 0)
				return -1;
			if (lb_key_find(t->src_table, lb_src_key(be->addr)) < 0 &&
			    src_set(t, be->addr, LB_SRC_BACKEND) < 0)
				return -1;
			/* One entry per address and out port: the same next hop, the same MAC. */
			const uint64_t key = lb_src_port_key(be->addr, v->out_port_id);
			if (lb_key_find(t->src_table, key) >= 0)
				continue;
			t->src_hosts[nb_hosts] = (struct lb_src_host){.mac = be->mac, .check_mac = be->check_src_mac};
			if (lb_key_table_set(t->src_table, key, nb_hosts++) < 0)
				return -1;
		}
	}
	return 0;
}

/* A local address (answered for ICMP echo) in the VIP table. */
static int
add_local(struct lb_tables *t, rte_be32_t addr)
{
	return lb_key_table_set(t->vip_table, lb_key_make(addr, 0, IPPROTO_ICMP), LB_KEY_LOCAL);
}

/* How many workers poll one of port p's RX queues. */
static unsigned
pollers(const struct lb_config *cfg, unsigned p)
{
	unsigned n = 0;

	for (unsigned w = 0; w < cfg->nb_workers; w++)
		for (unsigned r = 0; r < cfg->workers[w].nb_rx; r++)
			if (cfg->workers[w].rx[r].port == p) {
				n++;
				break;
			}
	return RTE_MAX(n, 1u);
}

struct lb_tables *
lb_tables_build(const struct lb_config *cfg, const struct lb_port_info ports[LB_MAX_PORTS],
		char *err, size_t err_size)
{
	struct lb_tables *t;

	t = rte_zmalloc_socket("lb_tables", sizeof(*t), RTE_CACHE_LINE_SIZE, socket_of_caller());
	if (!t) {
		snprintf(err, err_size, "out of memory for the tables");
		return NULL;
	}
	lb_flow_key_init(&t->flow_key, cfg->flow_hash, cfg->hash_seed);
	for (unsigned p = 0; p < RTE_MAX_ETHPORTS; p++)
		t->ports[p].mac48 = LB_MAC48_NONE;
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		const struct lb_cfg_port *cp = &cfg->ports[p];
		if (!ports[p].defined)
			continue;
		/* The port's rate and burst, shared among the workers polling it. */
		const unsigned n = pollers(cfg, p);
		const uint32_t burst = cp->icmp_burst ? cp->icmp_burst : cp->icmp_rate;
		const uint32_t kburst = cp->kernel_burst ? cp->kernel_burst : cp->kernel_rate;
		uint8_t mac8[8] = {0};
		memcpy(mac8, &ports[p].mac, RTE_ETHER_ADDR_LEN);
		t->port_ids[t->nb_ports++] = ports[p].port_id;
		t->nb_addr_ports += cp->addr != 0;
		t->ports[ports[p].port_id] = (struct lb_port_dp){
			.defined = true,
			.any_dst_mac = cp->any_dst_mac,
			.multi_seg = ports[p].multi_seg,
			.tx_edge = ports[p].tx_edge,
			.mac48 = lb_mac48(mac8),
			.mac = ports[p].mac,
			.addr = cp->addr,
			.mask = lb_prefix_mask(cp->prefix_len),
			.gateway = cp->gateway,
			.icmp_rate = (cp->icmp_rate + n - 1) / n,
			.icmp_burst = RTE_MAX((burst + n - 1) / n, 1u),
			.has_kernel = ports[p].has_kernel,
			.kernel_tx_edge = ports[p].kernel_tx_edge,
			.kernel_rate = (cp->kernel_rate + n - 1) / n,
			.kernel_burst = RTE_MAX((kburst + n - 1) / n, 1u),
			.mtu = cp->mtu,
		};
		if (ports[p].has_kernel)
			t->ports[ports[p].kernel_port_id] = (struct lb_port_dp){
				.is_kernel = true,
				.tx_edge = ports[p].kernel_tx_edge, /* lb_ctl_out's copies of ARP frames */
				.multi_seg = true,
				.mac48 = LB_MAC48_NONE,
				.wire_tx_edge = ports[p].tx_edge,
				.wire_multi_seg = ports[p].multi_seg,
			};
	}
	/* Each VIP and its address, and each port address. */
	t->vip_table = lb_key_table_new(2 * cfg->nb_vips + t->nb_ports, socket_of_caller());
	if (!t->vip_table) {
		snprintf(err, err_size, "out of memory for the VIP table");
		goto fail;
	}
	for (uint16_t i = 0; i < cfg->nb_vips; i++) {
		struct lb_vip *v = lb_vip_build(cfg, i, &cfg->vips[i], ports, err, err_size);
		if (!v)
			goto fail;
		t->vips[t->nb_vips++] = v;
		int rc = lb_key_table_set(t->vip_table, lb_key_make(v->addr, v->port, v->proto), i);
		if (rc == 0)
			rc = add_local(t, v->addr);
		if (rc < 0) {
			snprintf(err, err_size, "vip.%s: VIP table: %s", v->name, strerror(-rc));
			goto fail;
		}
	}
	for (uint16_t i = 0; i < t->nb_ports; i++) {
		const struct lb_port_dp *p = &t->ports[t->port_ids[i]];
		if (p->addr && add_local(t, p->addr) < 0) {
			snprintf(err, err_size, "cannot add the port addresses");
			goto fail;
		}
	}
	if (build_backend_tables(t) < 0) {
		snprintf(err, err_size, "out of memory for the return-path and source tables");
		goto fail;
	}
	return t;
fail:
	lb_tables_free(t);
	return NULL;
}

struct lb_tables *
lb_tables_with_vip(const struct lb_tables *cur, uint16_t index, struct lb_vip *v)
{
	struct lb_tables *t = rte_malloc_socket("lb_tables", sizeof(*t), RTE_CACHE_LINE_SIZE,
						socket_of_caller());
	if (!t)
		return NULL;
	memcpy(t, cur, sizeof(*t));
	t->vips[index] = v;
	t->rev_table = t->src_table = NULL;
	t->rev = NULL;
	t->src_hosts = NULL;
	if (build_backend_tables(t) < 0) {
		lb_tables_free_shallow(t);
		return NULL;
	}
	return t;
}

struct lb_tables *
lb_tables_swap(struct lb_tables *t, struct rte_rcu_qsbr *qs)
{
	struct lb_tables *old = __atomic_exchange_n(&lb_dp.tables, t, __ATOMIC_ACQ_REL);

	if (old && qs)
		rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
	return old;
}

void
lb_tables_publish(struct lb_tables *t, struct rte_rcu_qsbr *qs)
{
	lb_tables_free(lb_tables_swap(t, qs));
}
