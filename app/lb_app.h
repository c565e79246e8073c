/* State of the lb-graph process, shared by the app's files. */
#pragma once

#include <rte_graph.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "control/lb_config.h"
#include "control/lb_tables_build.h"

struct lb_app {
	struct lb_config cfg;
	struct lb_port_info ports[LB_MAX_PORTS];
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qs;
	rte_graph_t graphs[LB_MAX_WORKERS]; /* index = worker = graph id */
	bool quit;                          /* read by workers, atomically */
};

/* app/eal.c: EAL argv from [eal], [worker.L] and [port.N]. */
int lb_eal_init(struct lb_app *app, const char *prog);

/* app/ports.c */
int lb_ports_setup(struct lb_app *app);
/* The mbufs the pool gets ([eal] mbufs, or from ports and workers). */
unsigned lb_ports_pool_size(const struct lb_config *cfg);
int lb_ports_start(struct lb_app *app);
void lb_ports_close(struct lb_app *app);
void lb_ports_print(const struct lb_app *app);

/* app/graph.c: plug the lb nodes between librte_node's ethdev nodes and
 * build one graph per worker. */
int lb_graph_setup(struct lb_app *app);
void lb_graph_teardown(struct lb_app *app);

/* app/stats.c */
struct lb_stats;
struct lb_stats *lb_stats_create(const struct lb_app *app);
void lb_stats_tick(struct lb_stats *s, double seconds);
void lb_stats_graph_dump(struct lb_stats *s);
void lb_stats_totals(struct lb_stats *s);
void lb_stats_destroy(struct lb_stats *s);

/* What the [STATS] line shows, for the control API (any thread). */
struct lb_stats_snapshot {
	uint64_t rx, tx, drop, punt, gen, from_kernel, to_kernel;
	uint64_t drops[LB_DROP_COUNT];
	uint64_t rx_pps, tx_pps, drop_pps; /* over the last stats interval */
	uint64_t mbufs_in_use;
};
void lb_stats_snapshot(struct lb_stats_snapshot *s);

/* app/slowpath.c: ARP and neighbours, off the workers. */
int lb_slowpath_start(struct lb_app *app);
void lb_slowpath_stop(void);

/* app/telemetry.c: the /lb/... control commands. */
int lb_telemetry_register(void);

#define LB_EXIT_CONFIG 2
