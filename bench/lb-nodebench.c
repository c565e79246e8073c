/* lb-nodebench: what the lb nodes cost per packet, without any I/O.
 *
 * One graph on one worker lcore:
 *   bench_src -> lb_classify -> lb_hash -> lb_rewrite -> bench_sink
 * bench_src copies the frames lb-gen would send (fixture_flow_frames: N flows
 * to the INI's VIPs, in turn) into fresh mbufs, as a PMD's RX does;
 * bench_sink frees them, as ethdev_tx's completion would. The INI's tables
 * are built and published as lb-graph does, every port's TX edge leading to
 * bench_sink. After a warm-up it reads the rte_graph statistics twice and
 * prints, for the interval between, cycles per packet of every node that
 * saw packets and how many packets the core pushed through:
 *
 *   lb-nodebench [EAL options] -- -c lb.ini [--flows N] [--size BYTES]
 *                [--burst N] [--loop scalar|quad] [--duration S]
 *
 * The memif bench (bench/run.sh) measures the nodes among the I/O they live
 * with; this measures them alone, with none of memif's cross-CPU noise. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_graph.h>
#include <rte_graph_worker.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "control/lb_config.h"
#include "control/lb_tables_build.h"
#include "nodes/lb_dataplane.h"
#include "nodes/lb_node_util.h"
#include "setup/lb_dataplane_setup.h"
#include "setup/lb_edges.h"
#include "tools/fixtures.h"
#include "tools/rundir.h"

#define MAX_NODES 64

static struct {
	uint32_t flows, size, burst, duration;
	bool quad;
	const char *config;
} opt = {.flows = 1024, .size = 60, .burst = RTE_GRAPH_BURST_SIZE, .duration = 3};

static struct rte_mempool *pool;
static struct fixture_flows frames;
static uint64_t sunk;
static bool stop;

static uint16_t
bench_src_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb)
{
	struct rte_mbuf **m = (struct rte_mbuf **)node->objs;

	if (rte_pktmbuf_alloc_bulk(pool, m, opt.burst) < 0)
		return 0;
	fixture_flows_fill(&frames, m, opt.burst);
	for (uint16_t i = 0; i < opt.burst; i++)
		m[i]->port = 0;
	node->idx = opt.burst;
	rte_node_next_stream_move(graph, node, 0);
	return opt.burst;
}

static uint16_t
bench_sink_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb)
{
	rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, nb);
	__atomic_store_n(&sunk, sunk + nb, __ATOMIC_RELAXED);
	return nb;
}

static struct rte_node_register bench_src = {
	.name = "bench_src",
	.flags = RTE_NODE_SOURCE_F,
	.process = bench_src_process,
	.nb_edges = 1,
	.next_nodes = {"lb_classify"},
};
RTE_NODE_REGISTER(bench_src);

static struct rte_node_register bench_sink = {
	.name = "bench_sink",
	.process = bench_sink_process,
};
RTE_NODE_REGISTER(bench_sink);

static int
worker(void *arg)
{
	struct rte_graph *graph = arg;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		rte_graph_walk(graph);
	rte_graph_walk(graph); /* nothing left in flight */
	return 0;
}

/* One reading of the statistics: objects and cycles per node. */
struct reading {
	unsigned n;
	char name[MAX_NODES][RTE_NODE_NAMESIZE];
	uint64_t objs[MAX_NODES], cycles[MAX_NODES];
	uint64_t sunk, tsc;
};

/* The reading rte_graph_cluster_stats_get() fills now (see take()). */
static struct reading *reading_now;

static int
read_node(bool first, bool last, void *cookie, const struct rte_graph_cluster_node_stats *st)
{
	struct reading *r = reading_now;

	if (r->n < MAX_NODES) {
		snprintf(r->name[r->n], RTE_NODE_NAMESIZE, "%s", st->name);
		r->objs[r->n] = st->objs;
		r->cycles[r->n] = st->cycles;
		r->n++;
	}
	return 0;
}

static void
take(struct rte_graph_cluster_stats *stats, struct reading *r)
{
	r->n = 0;
	reading_now = r;
	rte_graph_cluster_stats_get(stats, false);
	r->sunk = __atomic_load_n(&sunk, __ATOMIC_RELAXED);
	r->tsc = rte_rdtsc();
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"flows", required_argument, NULL, 'f'},
		{"size", required_argument, NULL, 's'},   {"burst", required_argument, NULL, 'b'},
		{"loop", required_argument, NULL, 'l'},   {"duration", required_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:f:s:b:l:d:", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opt.config = optarg; break;
		case 'f': if (lb_parse_u32(optarg, 1, 1u << 24, &opt.flows) < 0) return -1; break;
		case 's': if (lb_parse_u32(optarg, FIXTURE_MIN_FRAME, 1514, &opt.size) < 0) return -1; break;
		case 'b': if (lb_parse_u32(optarg, 1, RTE_GRAPH_BURST_SIZE, &opt.burst) < 0) return -1; break;
		case 'd': if (lb_parse_u32(optarg, 1, 3600, &opt.duration) < 0) return -1; break;
		case 'l':
			if (strcmp(optarg, "scalar") && strcmp(optarg, "quad"))
				return -1;
			opt.quad = strcmp(optarg, "quad") == 0;
			break;
		default: return -1;
		}
	}
	return opt.config ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static struct lb_config cfg;
	struct lb_port_info ports[LB_MAX_PORTS] = {0};
	struct fixture_vip vips[LB_MAX_VIPS];
	char err[256];
	int used = rte_eal_init(argc, argv);

	if (used < 0) {
		fprintf(stderr, "lb-nodebench: EAL init failed\n");
		return 1;
	}
	lb_rundir_remove_at_exit();
	if (lb_dataplane_create(err, sizeof(err)) < 0) {
		fprintf(stderr, "lb-nodebench: %s\n", err);
		return 1;
	}
	if (parse_args(argc - used, argv + used) < 0) {
		fprintf(stderr, "usage: lb-nodebench [EAL options] -- -c lb.ini [--flows N] [--size BYTES] "
				"[--burst N] [--loop scalar|quad] [--duration S]\n");
		return 2;
	}
	if (lb_config_load(opt.config, &cfg, stderr) < 0)
		return 2;
	const unsigned lcore = rte_get_next_lcore(-1, 1, 0);
	if (lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "lb-nodebench: give it two lcores (-l 0,1)\n");
		return 1;
	}

	/* The lb nodes' TX edges lead to bench_sink, for every port. */
	const rte_edge_t sink_edge = lb_edge_add_tx("bench_sink");
	if (sink_edge == RTE_EDGE_ID_INVALID) {
		fprintf(stderr, "lb-nodebench: cannot add the sink edge\n");
		return 1;
	}
	/* The frames come in by port 0, addressed to the fixtures' MAC. */
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		if (cfg.ports[p].defined) {
			ports[p] = (struct lb_port_info){
				.defined = true, .port_id = p, .tx_edge = sink_edge, .multi_seg = true,
			};
			memcpy(&ports[p].mac, fixture_lb_mac, RTE_ETHER_ADDR_LEN);
		}
	struct lb_tables *t = lb_tables_build(&cfg, ports, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "lb-nodebench: %s\n", err);
		return 1;
	}
	lb_tables_publish(t, NULL);
	if (lb_flow_tables_create(&cfg, 1, err, sizeof(err)) < 0) { /* the table on, as lb-graph has it */
		fprintf(stderr, "lb-nodebench: %s\n", err);
		return 1;
	}
	lb_graph_loop_scalar = !opt.quad; /* the graph below: its nodes pick their loop */
	__atomic_store_n(&lb_dp.drop_all, cfg.drop, __ATOMIC_RELEASE);

	for (unsigned v = 0; v < cfg.nb_vips; v++)
		vips[v] = (struct fixture_vip){.addr = cfg.vips[v].addr, .port = cfg.vips[v].port,
					       .proto = cfg.vips[v].proto, .index = v};
	pool = rte_pktmbuf_pool_create("nodebench", 8191, 256, LB_MBUF_PRIV_SIZE,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (!pool || fixture_flow_frames(vips, cfg.nb_vips, opt.flows, opt.size, &frames) < 0) {
		fprintf(stderr, "lb-nodebench: out of memory\n");
		return 1;
	}

	/* what bench_src leads to joins by its edges */
	const char *patterns[] = {"bench_src", "lb_ctl_out", "bench_sink"};
	struct rte_graph_param prm = {.socket_id = (int)rte_socket_id(), .nb_node_patterns = 3,
				      .node_patterns = patterns};
	if (rte_graph_create("nodebench", &prm) == RTE_GRAPH_ID_INVALID) {
		fprintf(stderr, "lb-nodebench: cannot create the graph\n");
		return 1;
	}
	struct rte_graph *graph = rte_graph_lookup("nodebench");
	static struct reading before, after, total;
	const char *graph_patterns[] = {"nodebench"};
	struct rte_graph_cluster_stats_param sp = {
		.socket_id = (int)rte_socket_id(), .fn = read_node,
		.nb_graph_patterns = 1, .graph_patterns = graph_patterns,
	};
	struct rte_graph_cluster_stats *stats = rte_graph_cluster_stats_create(&sp);
	if (!graph || !stats) {
		fprintf(stderr, "lb-nodebench: cannot read the graph statistics\n");
		return 1;
	}

	rte_eal_remote_launch(worker, graph, lcore);
	usleep(500 * 1000); /* warm-up: caches, mempool */
	take(stats, &before);
	sleep(opt.duration);
	take(stats, &after);
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	rte_eal_wait_lcore(lcore);

	const double seconds = (double)(after.tsc - before.tsc) / rte_get_tsc_hz();
	const double mpps = (after.sunk - before.sunk) / seconds / 1e6;
	double lb3 = 0;
	printf("[NODEBENCH] flows=%" PRIu32 " size=%" PRIu32 " burst=%" PRIu32 " loop=%s seconds=%.2f MPPS=%.3f\n",
	       opt.flows, opt.size, opt.burst, opt.quad ? "quad" : "scalar", seconds, mpps);
	for (unsigned i = 0; i < after.n && i < before.n; i++) {
		const uint64_t objs = after.objs[i] - before.objs[i];
		if (objs == 0)
			continue;
		const double cpp = (double)(after.cycles[i] - before.cycles[i]) / objs;
		printf("[NODE] %s %.1f cycles/packet, %" PRIu64 " packets\n", after.name[i], cpp, objs);
		if (!strcmp(after.name[i], "lb_classify") || !strcmp(after.name[i], "lb_hash") ||
		    !strcmp(after.name[i], "lb_rewrite"))
			lb3 += cpp;
	}
	printf("[NODEBENCH] lb_classify+lb_hash+lb_rewrite=%.1f cycles/packet\n", lb3);

	/* Figures of a run that dropped would be of the drop path: every frame
	 * made must have left by bench_sink (totals after the last walk). */
	uint64_t made = 0, dropped = 0;
	take(stats, &total);
	rte_graph_cluster_stats_destroy(stats);
	for (unsigned i = 0; i < total.n; i++) {
		if (!strcmp(total.name[i], "bench_src"))
			made = total.objs[i];
		else if (!strncmp(total.name[i], LB_DROP_NODE_PREFIX, strlen(LB_DROP_NODE_PREFIX)) &&
			 total.objs[i] > 0) {
			printf("[NODEBENCH] %s: %" PRIu64 " packets\n", total.name[i], total.objs[i]);
			dropped += total.objs[i];
		}
	}
	printf("[NODEBENCH] made=%" PRIu64 " forwarded=%" PRIu64 " dropped=%" PRIu64 "\n", made, total.sunk,
	       dropped);
	if (made == 0 || total.sunk != made) {
		fprintf(stderr, "lb-nodebench: %" PRIu64 " of %" PRIu64 " frames were not forwarded: "
				"the figures above are not the forwarding path's\n",
			made - total.sunk, made);
		return 1;
	}
	rte_graph_destroy(rte_graph_from_name("nodebench"));
	rte_eal_cleanup();
	return 0;
}
