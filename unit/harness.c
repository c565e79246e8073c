#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_graph.h>
#include <rte_graph_worker.h>
#include <rte_launch.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"
#include "control/lb_tables_build.h"
#include "nodes/lb_frag_table.h"
#include "nodes/lb_node_util.h"
#include "setup/lb_dataplane_setup.h"
#include "setup/lb_edges.h"
#include "tools/rundir.h"
#include "unit/harness.h"

struct rte_mempool *harness_pool;
const struct rte_ether_addr harness_port_mac = {{0x02, 0x70, 0x63, 0x61, 0x70, 0x00}};
static struct rte_graph *graphs[2], *graph; /* [0] quad, [1] scalar; graph: the one in use */
static rte_edge_t sink_edge;

static struct rte_mbuf *src_queue[HARNESS_MAX_PKTS];
static unsigned src_n, src_pos;
static rte_edge_t src_edge; /* 0: lb_classify, 1: lb_from_kernel */
static struct rte_mbuf **sink_out;
static unsigned sink_n;

struct rte_rcu_qsbr *harness_qs;
struct lb_port_info harness_ports[LB_MAX_PORTS];

/* worker mode */
#define WORKER_LCORE 1
static bool worker_mode, worker_stop;
static uint8_t (*gen_frames)[256];
static const size_t *gen_lens;
static unsigned gen_n, gen_next;
static uint64_t gen_made, sink_total, sink_by_addr[65536];

const char harness_default_ini[] =
	"[eal]\nargs = --no-huge\n"
	"[lb]\nhash_seed = 0x1234\n"
	"[port.0]\ndev = net_null0\n"
	"[worker.1]\nrx = 0:0\n"
	"[vip.web]\naddr = 198.51.100.10\nport = 80\nproto = tcp\nout_port = 0\n"
	"backend = 10.0.0.1:8080 02:00:00:00:00:01\n"
	"backend = 10.0.0.2:8080 02:00:00:00:00:02\n"
	"backend = 10.0.0.3:8080 02:00:00:00:00:03\n"
	"[vip.dns]\naddr = 198.51.100.20\nport = 53\nproto = udp\nout_port = 0\n"
	"backend = 10.0.1.1:5353 02:00:00:00:01:01\n"
	"backend = 10.0.1.2:5353 02:00:00:00:01:02\n";

/* Worker mode: a burst of fresh copies of the template frames. */
static uint16_t
generate(struct rte_graph *g, struct rte_node *node)
{
	struct rte_mbuf **m = (struct rte_mbuf **)node->objs;
	const uint16_t n = 64;

	if (rte_pktmbuf_alloc_bulk(harness_pool, m, n) < 0)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		const unsigned f = gen_next++ % gen_n;
		memcpy(rte_pktmbuf_append(m[i], gen_lens[f]), gen_frames[f], gen_lens[f]);
		m[i]->port = 0;
	}
	gen_made += n;
	node->idx = n;
	rte_node_next_stream_move(g, node, 0);
	return n;
}

static uint16_t
test_src_process(struct rte_graph *g, struct rte_node *node, void **objs, uint16_t nb)
{
	if (worker_mode)
		return generate(g, node);
	uint16_t n = RTE_MIN(src_n - src_pos, (unsigned)RTE_GRAPH_BURST_SIZE);
	if (n == 0)
		return 0;
	memcpy(node->objs, &src_queue[src_pos], n * sizeof(void *));
	src_pos += n;
	node->idx = n;
	rte_node_next_stream_move(g, node, src_edge);
	return n;
}

static uint16_t
test_sink_process(struct rte_graph *g, struct rte_node *node, void **objs, uint16_t nb)
{
	if (worker_mode) {
		for (uint16_t i = 0; i < nb; i++) {
			struct rte_mbuf *m = objs[i];
			const struct lb_mbuf_meta *meta = lb_meta(m);
			const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l3_off);
			uint64_t *c = &sink_by_addr[ip[18] << 8 | ip[19]];
			__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&sink_total, sink_total + nb, __ATOMIC_RELAXED);
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, nb);
		return nb;
	}
	for (uint16_t i = 0; i < nb; i++)
		sink_out[sink_n++] = objs[i];
	return nb;
}

static struct rte_node_register test_src = {
	.name = "test_src",
	.flags = RTE_NODE_SOURCE_F,
	.process = test_src_process,
	.nb_edges = 2,
	.next_nodes = {"lb_classify", "lb_from_kernel"},
};
RTE_NODE_REGISTER(test_src);

static struct rte_node_register test_sink = {
	.name = "test_sink",
	.process = test_sink_process,
};
RTE_NODE_REGISTER(test_sink);

int
harness_init(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=lb-unit-%d", getpid());
	char *argv[] = {"lb-unit", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			"-l", "0,1", "--log-level=*:error", prefix, NULL};
	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	lb_rundir_remove_at_exit();
	char err[256];
	if (lb_dataplane_create(err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	/* each test graph's fragment table, as [lb]'s defaults make it */
	const struct lb_config frag_defaults = {.frag_entries = 4096, .frag_timeout_ms = 1000, .frag_hold = 64};
	if (lb_frag_tables_create(&frag_defaults, 2, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	harness_pool = rte_pktmbuf_pool_create("unit", 2 * HARNESS_MAX_PKTS + 1024, 0,
					       LB_MBUF_PRIV_SIZE, 10240, rte_socket_id());
	if (!harness_pool)
		return -1;
	sink_edge = lb_edge_add_tx("test_sink");
	if (sink_edge == RTE_EDGE_ID_INVALID)
		return -1;
	/* one graph per node loop: the nodes pick theirs when a graph is made */
	const char *patterns[] = {"test_src", "lb_*", "test_sink"};
	struct rte_graph_param prm = {.socket_id = 0, .nb_node_patterns = 3, .node_patterns = patterns};
	static const char *const names[2] = {"unit_quad", "unit_scalar"};
	for (unsigned i = 0; i < 2; i++) {
		lb_graph_loop_scalar = i == 1;
		if (rte_graph_create(names[i], &prm) == RTE_GRAPH_ID_INVALID)
			return -1;
		graphs[i] = rte_graph_lookup(names[i]);
	}
	lb_graph_loop_scalar = false;
	graph = graphs[0];
	harness_ports[0] = (struct lb_port_info){
		.defined = true, .port_id = 0, .mac = harness_port_mac, .tx_edge = sink_edge, .multi_seg = true,
	};
	harness_qs = rte_zmalloc("unit_rcu", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	if (!harness_qs || rte_rcu_qsbr_init(harness_qs, 1) < 0)
		return -1;
	return graphs[0] && graphs[0]->id == 0 && graphs[1] ? 0 : -1;
}

void
harness_use_loop(bool scalar)
{
	graph = graphs[scalar];
}

unsigned
harness_graph_id(void)
{
	return graph->id;
}

int
harness_config(const char *text, size_t len, struct lb_config *cfg, FILE *err)
{
	FILE *f = fmemopen((void *)text, len, "r");
	if (!f)
		return -1;
	const int rc = lb_config_load_stream(f, HARNESS_INI_NAME, cfg, err);
	fclose(f);
	return rc;
}

uint32_t
harness_addr(const char *dotted)
{
	uint32_t a = 0;
	inet_pton(AF_INET, dotted, &a);
	return a;
}

int
harness_load(const char *ini_text, struct lb_config *cfg)
{
	return harness_load_ports(ini_text, cfg, harness_ports);
}

int
harness_load_ports(const char *ini_text, struct lb_config *cfg, const struct lb_port_info *ports)
{
	char err[256];

	if (harness_config(ini_text, strlen(ini_text), cfg, stderr) < 0)
		return -1;
	struct lb_tables *t = lb_tables_build(cfg, ports, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	lb_tables_publish(t, NULL);
	return 0;
}

int
harness_load_live(const char *ini_text, struct lb_config *cfg)
{
	if (harness_load(ini_text, cfg) < 0 || lb_arp_init(cfg, harness_ports, harness_pool, NULL) < 0)
		return -1;
	lb_control_init(cfg, harness_ports, NULL);
	return 0;
}

void
harness_unload_live(struct lb_config *cfg)
{
	lb_control_stop();
	harness_rings_drain();
	lb_arp_fini();
	lb_config_free(cfg);
}

struct rte_mbuf *
harness_mbuf(const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(harness_pool);
	if (!m)
		return NULL;
	char *p = rte_pktmbuf_append(m, len);
	if (!p) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, frame, len);
	m->port = 0; /* as received on the harness's port */
	return m;
}

int
harness_flow_tables(uint32_t entries)
{
	return harness_flow_tables_guarded(entries, 100000000);
}

int
harness_flow_tables_guarded(uint32_t entries, uint32_t guard_rate)
{
	static struct lb_config c; /* only the flow keys and one VIP with affinity */
	char err[256];
	lb_flow_tables_destroy();
	if (!entries)
		return 0;
	c.flow_entries = entries;
	c.flow_timeout_s[LB_FLOW_SYN] = 10, c.flow_timeout_s[LB_FLOW_EST] = 300;
	c.flow_timeout_s[LB_FLOW_FIN] = 10, c.flow_timeout_s[LB_FLOW_UDP] = 60;
	c.flow_guard_rate = guard_rate;
	c.nb_vips = 1;
	c.vips[0].affinity = true;
	if (lb_flow_tables_create(&c, 2, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

unsigned
harness_rings_drain(void)
{
	struct rte_ring *const rings[] = {lb_dp.ctl_tx, lb_dp.punt};
	void *obj;
	unsigned n = 0;
	for (unsigned i = 0; i < RTE_DIM(rings); i++)
		for (; rte_ring_sc_dequeue(rings[i], &obj) == 0; n++)
			rte_pktmbuf_free(obj);
	while (rte_ring_sc_dequeue(lb_dp.resolve, &obj) == 0)
		;
	return n;
}

unsigned
harness_run(struct rte_mbuf **in, unsigned n, struct rte_mbuf **out)
{
	harness_rings_drain();
	struct lb_frag_table *ft = lb_dp.frags[graph->id];
	memset(ft->buckets, 0, (size_t)(ft->mask + 1) * sizeof(*ft->buckets)); /* no datagram seen */
	const unsigned got = harness_run_keep(in, n, out);
	lb_frag_flush(graph->id); /* what is held still: frag_timeout */
	return got;
}

unsigned
harness_run_frame(const uint8_t *frame, size_t len, uint16_t port, int *reason, struct rte_mbuf **out)
{
	struct lb_worker_counters before, after;
	struct rte_mbuf *m = harness_mbuf(frame, len);
	m->port = port;
	lb_counters_sum(&before);
	const unsigned n = harness_run(&m, 1, out);
	lb_counters_sum(&after);
	*reason = -1;
	for (int r = 0; r < LB_DROP_COUNT; r++)
		if (after.drops[r] != before.drops[r])
			*reason = r;
	return n;
}

unsigned
harness_run_from_kernel(struct rte_mbuf **in, unsigned n, struct rte_mbuf **out)
{
	src_edge = 1;
	const unsigned got = harness_run(in, n, out);
	src_edge = 0;
	return got;
}

unsigned
harness_run_keep(struct rte_mbuf **in, unsigned n, struct rte_mbuf **out)
{
	memcpy(src_queue, in, n * sizeof(*in));
	src_n = n;
	src_pos = 0;
	sink_out = out;
	sink_n = 0;
	while (src_pos < src_n)
		rte_graph_walk(graph);
	rte_graph_walk(graph); /* nothing pending after this */
	return sink_n;
}

void
harness_free_out(struct rte_mbuf **out, unsigned n)
{
	rte_pktmbuf_free_bulk(out, n);
}

static int
worker_main(void *arg)
{
	rte_rcu_qsbr_thread_register(harness_qs, 0);
	rte_rcu_qsbr_thread_online(harness_qs, 0);
	struct rte_graph *g = graphs[0];
	while (!__atomic_load_n(&worker_stop, __ATOMIC_RELAXED)) {
		rte_graph_walk(g);
		rte_rcu_qsbr_quiescent(harness_qs, 0);
	}
	rte_graph_walk(g); /* finish what is in flight */
	rte_rcu_qsbr_thread_offline(harness_qs, 0);
	rte_rcu_qsbr_thread_unregister(harness_qs, 0);
	return 0;
}

int
harness_worker_start(uint8_t (*frames)[256], const size_t *lens, unsigned n)
{
	gen_frames = frames;
	gen_lens = lens;
	gen_n = n;
	gen_next = 0;
	gen_made = sink_total = 0;
	memset(sink_by_addr, 0, sizeof(sink_by_addr));
	worker_mode = true;
	worker_stop = false;
	return rte_eal_remote_launch(worker_main, NULL, WORKER_LCORE);
}

uint64_t
harness_worker_stop(void)
{
	__atomic_store_n(&worker_stop, true, __ATOMIC_RELAXED);
	rte_eal_wait_lcore(WORKER_LCORE);
	worker_mode = false;
	lb_frag_flush(graphs[0]->id); /* the worker walked the quad graph */
	harness_rings_drain(); /* never sent: not counted as generated either */
	return gen_made;
}

uint64_t
harness_sink_count(uint32_t addr_be)
{
	const uint8_t *b = (const uint8_t *)&addr_be;
	return __atomic_load_n(&sink_by_addr[b[2] << 8 | b[3]], __ATOMIC_RELAXED);
}

uint64_t
harness_sink_total(void)
{
	return __atomic_load_n(&sink_total, __ATOMIC_RELAXED);
}

struct rte_mbuf *
harness_arp(uint16_t op, const struct rte_ether_addr *sha, const char *sip, const char *tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(harness_pool);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(struct rte_arp_hdr));
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	/* a request is broadcast, a reply unicast to the port (its target MAC) */
	memset(eth, 0xff, sizeof(*eth));
	if (op == RTE_ARP_OP_REPLY)
		eth->dst_addr = harness_port_mac;
	eth->src_addr = *sha;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = *sha;
	inet_pton(AF_INET, sip, &arp->arp_data.arp_sip);
	if (op == RTE_ARP_OP_REPLY)
		arp->arp_data.arp_tha = harness_port_mac;
	else
		memset(&arp->arp_data.arp_tha, 0, 6);
	inet_pton(AF_INET, tip, &arp->arp_data.arp_tip);
	m->port = 0;
	return m;
}
