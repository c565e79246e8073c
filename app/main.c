/* lb-graph: an L4 load balancer on DPDK's rte_graph.
 *
 *   lb-graph -c lb.ini [--check] [--duration SECONDS]
 *
 * Order matters: the whole INI is validated before the EAL starts, ports are
 * configured before librte_node clones its ethdev nodes, every edge is fixed
 * before the first graph is created, and the tables are published before
 * the workers start. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_graph_worker.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include "app/lb_app.h"
#include "control/lb_control.h"
#include "control/lb_health.h"
#include "control/lb_kernel_if.h"
#include "nodes/lb_node_util.h"
#include "nodes/lb_frag_table.h"
#include "setup/lb_dataplane_setup.h"

static struct lb_app app;
static volatile sig_atomic_t signal_quit, signal_dump;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		signal_dump = 1;
	else
		signal_quit = 1;
}

struct worker_arg {
	unsigned id; /* graph id and RCU thread id */
};
static struct worker_arg worker_args[LB_MAX_WORKERS];

static int
worker_main(void *arg)
{
	const struct worker_arg *w = arg;
	struct rte_graph *graph = rte_graph_lookup(rte_graph_id_to_name(app.graphs[w->id]));

	rte_rcu_qsbr_thread_register(app.qs, w->id);
	rte_rcu_qsbr_thread_online(app.qs, w->id);
	while (!__atomic_load_n(&app.quit, __ATOMIC_RELAXED)) {
		rte_graph_walk(graph);
		/* Between walks no table pointer is held: tell the control plane. */
		rte_rcu_qsbr_quiescent(app.qs, w->id);
	}
	rte_rcu_qsbr_thread_offline(app.qs, w->id);
	rte_rcu_qsbr_thread_unregister(app.qs, w->id);
	return 0;
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s -c FILE [--check] [--duration SECONDS]\n"
		"  -c, --config FILE     INI file with every setting, EAL arguments included\n"
		"      --check           validate FILE and exit (0 when valid, 2 when not)\n"
		"  -d, --duration SECS   stop by itself after SECS seconds\n"
		"  -h, --help            this text\n"
		"  -V, --version         print the version\n"
		"Signals: SIGINT/SIGTERM stop cleanly and print totals; SIGUSR1 dumps the graph statistics.\n"
		"Drop reasons (counted by node lb_drop-<reason>):\n",
		prog);
	for (unsigned r = 0; r < LB_DROP_COUNT; r++)
		fprintf(f, "  %-14s %s\n", lb_drop_reason_names[r], lb_drop_reason_docs[r]);
}

/* [lb] node_loop resolved: auto is quad on hugepages, scalar on 4 KB pages,
 * the faster of the two on each (README "Performance"). */
static bool
node_loop_quad(const struct lb_config *cfg)
{
	return cfg->node_loop == LB_LOOP_QUAD || (cfg->node_loop == LB_LOOP_AUTO && rte_eal_has_hugepages());
}

/* The mbuf pool and the flow tables against the EAL's -m (when [eal] args
 * gives one): refused before anything starts, with the figures. */
static int
memory_check(const struct lb_config *cfg, const char *path)
{
	const char *m = strstr(cfg->eal_args, "-m ");
	unsigned long mb;
	if (!m || sscanf(m + 3, "%lu", &mb) != 1)
		return 0;
	bool flows = false;
	for (unsigned i = 0; i < cfg->nb_vips; i++)
		flows |= cfg->vips[i].affinity;
	const uint64_t pool = (uint64_t)lb_ports_pool_size(cfg) *
			      (RTE_MBUF_DEFAULT_BUF_SIZE + sizeof(struct rte_mbuf) + LB_MBUF_PRIV_SIZE);
	const uint64_t tables = flows ? (uint64_t)cfg->nb_workers * lb_flow_table_bytes(cfg) : 0;
	const uint64_t reserve = 64ull << 20; /* the EAL's own, rings, lookup tables, neighbours */
	if (pool + tables + reserve <= (uint64_t)mb << 20)
		return 0;
	fprintf(stderr,
		"%s: memory: the mbuf pool (%" PRIu64 " MB) and the flow tables (%u x %" PRIu64 " MB) and %" PRIu64
		" MB for the rest need %" PRIu64 " MB, [eal] args give -m %lu: lower [lb] flow_entries or "
		"[eal] mbufs, or raise -m\n",
		path, pool >> 20, flows ? cfg->nb_workers : 0, (uint64_t)lb_flow_table_bytes(cfg) >> 20, reserve >> 20,
		(pool + tables + reserve) >> 20, mb);
	return -1;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
run(double duration)
{
	struct lb_stats *stats;
	char err[256];
	double start, last;

	struct lb_tables *t = lb_tables_build(&app.cfg, app.ports, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	lb_tables_publish(t, NULL);
	__atomic_store_n(&lb_dp.drop_all, app.cfg.drop, __ATOMIC_RELEASE);

	size_t sz = rte_rcu_qsbr_get_memsize(app.cfg.nb_workers);
	app.qs = rte_zmalloc("lb_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (!app.qs || rte_rcu_qsbr_init(app.qs, app.cfg.nb_workers) < 0) {
		fprintf(stderr, "RCU: out of memory\n");
		return -1;
	}
	lb_control_init(&app.cfg, app.ports, app.qs);
	if (lb_telemetry_register() < 0) {
		fprintf(stderr, "cannot register the /lb/ telemetry commands\n");
		return -1;
	}
	stats = lb_stats_create(&app);
	if (!stats || lb_slowpath_start(&app) < 0 || lb_ports_start(&app) < 0)
		return -1;
	if (lb_kernel_if_setup(&app.cfg, err, sizeof(err)) < 0 || lb_health_start(err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}

	for (unsigned w = 0; w < app.cfg.nb_workers; w++) {
		worker_args[w].id = w;
		if (rte_eal_remote_launch(worker_main, &worker_args[w], app.cfg.workers[w].lcore) < 0) {
			fprintf(stderr, "cannot launch worker.%u\n", app.cfg.workers[w].lcore);
			__atomic_store_n(&app.quit, true, __ATOMIC_RELAXED);
			break;
		}
	}
	printf("lb-graph %s: %u worker(s), %u VIP(s), node_loop %s (%s); Ctrl-C to stop\n", LB_VERSION,
	       app.cfg.nb_workers, app.cfg.nb_vips, node_loop_quad(&app.cfg) ? "quad" : "scalar",
	       app.cfg.node_loop != LB_LOOP_AUTO ? "from the INI"
	       : rte_eal_has_hugepages()	     ? "auto: hugepages"
						     : "auto: 4 KB pages");
	fflush(stdout);

	start = last = now_s();
	while (!signal_quit && !__atomic_load_n(&app.quit, __ATOMIC_RELAXED)) {
		rte_delay_us_sleep(50 * 1000);
		double t_now = now_s();
		if (duration > 0 && t_now - start >= duration)
			break;
		if (signal_dump) {
			signal_dump = 0;
			lb_stats_graph_dump(stats);
		}
		if (app.cfg.stats_interval && t_now - last >= app.cfg.stats_interval) {
			lb_stats_tick(stats, t_now - last);
			last = t_now;
		}
	}
	__atomic_store_n(&app.quit, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	for (unsigned w = 0; w < app.cfg.nb_workers; w++)
		lb_frag_flush(w); /* what they held: frag_timeout */
	lb_stats_totals(stats);
	/* the reverse of start-up: the checker, the control core (telemetry
	 * threads run on) before the slow path and its neighbour table */
	lb_health_stop();
	lb_control_stop();
	lb_slowpath_stop();
	lb_ports_print(&app);
	lb_stats_destroy(stats);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 'k'},
		{"duration", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	bool check_only = false;
	double duration = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:d:hV", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'k':
			check_only = true;
			break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || duration <= 0) {
				fprintf(stderr, "--duration: expected a positive number of seconds\n");
				return LB_EXIT_CONFIG;
			}
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'V':
			printf("lb-graph %s (DPDK %s)\n", LB_VERSION, rte_version());
			return 0;
		default:
			usage(stderr, argv[0]);
			return LB_EXIT_CONFIG;
		}
	}
	if (!config || optind != argc) {
		usage(stderr, argv[0]);
		return LB_EXIT_CONFIG;
	}
	if (lb_config_load(config, &app.cfg, stderr) < 0)
		return LB_EXIT_CONFIG;
	if (memory_check(&app.cfg, config) < 0)
		return LB_EXIT_CONFIG;
	if (check_only) {
		printf("%s: OK\n", config);
		return 0;
	}
	for (unsigned w = 0; w < LB_MAX_WORKERS; w++)
		app.graphs[w] = RTE_GRAPH_ID_INVALID;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (lb_eal_init(&app, argv[0]) < 0)
		return 1;
	lb_graph_loop_scalar = !node_loop_quad(&app.cfg); /* the graphs' nodes pick their loop */
	char err[256];
	if (lb_dataplane_create(err, sizeof(err)) < 0 ||
	    lb_flow_tables_create(&app.cfg, app.cfg.nb_workers, err, sizeof(err)) < 0 ||
	    lb_frag_tables_create(&app.cfg, app.cfg.nb_workers, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		rc = 1;
	} else {
		rc = lb_ports_setup(&app) < 0 || lb_graph_setup(&app) < 0 || run(duration) < 0;
	}

	lb_health_stop();
	lb_control_stop();  /* when run() failed half-way: telemetry commands may still come */
	lb_slowpath_stop();
	lb_kernel_if_fini();
	lb_dataplane_destroy(); /* the workers stopped: nothing enqueues any more */
	lb_ports_close(&app);
	/* every mbuf back: nothing leaked by a node, a ring or a port */
	if (app.pool)
		printf("[MBUF] in_use=%u\n", rte_mempool_in_use_count(app.pool));
	lb_graph_teardown(&app);
	lb_flow_tables_destroy();
	lb_frag_tables_destroy();
	lb_tables_publish(NULL, NULL);
	rte_free(app.qs);
	lb_config_free(&app.cfg);
	rte_eal_cleanup();
	return rc ? 1 : 0;
}
