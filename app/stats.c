/* Counters for people: the [STATS] line every stats_interval seconds, per-VIP
 * and per-backend shares, the rte_graph statistics of every worker graph,
 * and the totals at exit. Reads the per-worker counters without locks. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_graph.h>

#include "app/lb_app.h"
#include "control/lb_control.h"
#include "nodes/lb_frag_table.h"

struct lb_stats {
	const struct lb_app *app;
	struct lb_worker_counters prev, now;
	struct rte_graph_cluster_stats *graph[LB_MAX_WORKERS];
};

static uint64_t
total_drops(const struct lb_worker_counters *c)
{
	uint64_t n = 0;
	for (unsigned r = 0; r < LB_DROP_COUNT; r++)
		n += c->drops[r];
	return n;
}

/* Packets handed to ethdev_tx and not refused by it. */
static uint64_t
sent(const struct lb_worker_counters *c)
{
	return c->forwarded - c->drops[LB_DROP_TX_FULL];
}

/* Rates of the last interval, read by the telemetry thread. */
static pthread_mutex_t rates_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t rate_rx, rate_tx, rate_drop;
static struct rte_mempool *pool;

void
lb_stats_snapshot(struct lb_stats_snapshot *s)
{
	static __thread struct lb_worker_counters c;

	lb_counters_sum(&c);
	s->rx = c.rx;
	s->tx = sent(&c);
	s->drop = total_drops(&c);
	s->punt = c.punted;
	s->gen = c.generated;
	s->from_kernel = c.from_kernel;
	s->to_kernel = c.to_kernel;
	s->mbufs_in_use = pool ? rte_mempool_in_use_count(pool) : 0;
	memcpy(s->drops, c.drops, sizeof(s->drops));
	pthread_mutex_lock(&rates_lock);
	s->rx_pps = rate_rx;
	s->tx_pps = rate_tx;
	s->drop_pps = rate_drop;
	pthread_mutex_unlock(&rates_lock);
}

struct lb_stats *
lb_stats_create(const struct lb_app *app)
{
	struct lb_stats *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->app = app;
	pool = app->pool;
	if (!rte_graph_has_stats_feature())
		return s;
	for (unsigned w = 0; w < app->cfg.nb_workers; w++) {
		const char *pattern = rte_graph_id_to_name(app->graphs[w]);
		struct rte_graph_cluster_stats_param prm = {
			.socket_id = SOCKET_ID_ANY,
			.f = stdout,
			.nb_graph_patterns = 1,
			.graph_patterns = &pattern,
		};
		s->graph[w] = rte_graph_cluster_stats_create(&prm);
	}
	return s;
}

struct vip_print {
	const struct lb_worker_counters *c, *prev;
	double dt;
	FILE *out; /* a memory stream: rendered under the lock, printed after */
};

/* From the live state, under the control lock: the VIPs and backends may be
 * changed by a control command at any time. Renders into memory only:
 * a blocked stdout must not hold the lock (and with it the slow path and
 * every control command). */
static void
render_vips_locked(const struct lb_config *cfg, uint64_t generation, void *arg)
{
	const struct vip_print *vp = arg;
	char addr[INET_ADDRSTRLEN];
	FILE *f = vp->out;

	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct lb_cfg_vip *v = &cfg->vips[i];
		const uint64_t pkts = vp->c->vip_pkts[i];

		inet_ntop(AF_INET, &v->addr, addr, sizeof(addr));
		fprintf(f, "[VIP] %s %s:%u/%s", v->name, addr, v->port, lb_proto_name(v->proto));
		if (vp->prev)
			fprintf(f, " PPS=%.0f", (pkts - vp->prev->vip_pkts[i]) / vp->dt);
		fprintf(f, " PKTS=%" PRIu64, pkts);
		for (uint32_t b = 0; b < v->nb_backends; b++) {
			const struct lb_cfg_backend *be = &v->backends[b];
			const uint64_t n = vp->c->backend_pkts[be->slot];
			inet_ntop(AF_INET, &be->addr, addr, sizeof(addr));
			fprintf(f, " %s:%u=%" PRIu64 "(%.1f%%)", addr, be->port, n, pkts ? 100.0 * n / pkts : 0.0);
		}
		fputc('\n', f);
	}
}

static void
print_vips(const struct lb_worker_counters *c, const struct lb_worker_counters *prev, double dt)
{
	char *text = NULL;
	size_t len = 0;
	struct vip_print vp = {.c = c, .prev = prev, .dt = dt, .out = open_memstream(&text, &len)};

	if (!vp.out)
		return;
	lb_control_read(render_vips_locked, &vp);
	fclose(vp.out);
	fwrite(text, 1, len, stdout);
	free(text);
}

void
lb_stats_tick(struct lb_stats *s, double dt)
{
	const struct lb_worker_counters *p = &s->prev, *c = &s->now;

	lb_counters_sum(&s->now);
	const double rx = (c->rx - p->rx) / dt, tx = (sent(c) - sent(p)) / dt,
		     drop = (total_drops(c) - total_drops(p)) / dt;
	printf("[STATS] RX_PPS=%.0f TX_PPS=%.0f DROP=%.0f\n", rx, tx, drop);
	pthread_mutex_lock(&rates_lock);
	rate_rx = rx, rate_tx = tx, rate_drop = drop;
	pthread_mutex_unlock(&rates_lock);
	print_vips(c, p, dt);
	if (s->app->cfg.graph_stats)
		lb_stats_graph_dump(s);
	fflush(stdout);
	s->prev = s->now;
}

void
lb_stats_graph_dump(struct lb_stats *s)
{
	for (unsigned w = 0; w < s->app->cfg.nb_workers; w++) {
		if (!s->graph[w])
			continue;
		printf("[GRAPH] %s\n", rte_graph_id_to_name(s->app->graphs[w]));
		rte_graph_cluster_stats_get(s->graph[w], false);
	}
	fflush(stdout);
}

void
lb_stats_totals(struct lb_stats *s)
{
	const struct lb_worker_counters *c = &s->now;

	lb_counters_sum(&s->now);
	/* RX + GEN + KIN = TX + DROP + PUNT + HELD; KOUT (to the kernel) is
	 * part of TX; HELD (fragments waiting for their first) is 0 once the
	 * workers' hold queues are flushed, as they are before this */
	printf("[TOTAL] RX=%" PRIu64 " TX=%" PRIu64 " DROP=%" PRIu64 " PUNT=%" PRIu64 " GEN=%" PRIu64
	       " KIN=%" PRIu64 " KOUT=%" PRIu64 " HELD=%" PRIu64 "\n",
	       c->rx, sent(c), total_drops(c), c->punted, c->generated, c->from_kernel, c->to_kernel, c->frag_held);
	for (unsigned r = 0; r < LB_DROP_COUNT; r++)
		printf("[DROP] %s=%" PRIu64 "\n", lb_drop_reason_names[r], c->drops[r]);
	for (unsigned w = 0; w < s->app->cfg.nb_workers; w++)
		printf("[WORKER] %s RX=%" PRIu64 " TX=%" PRIu64 " DROP=%" PRIu64 "\n",
		       rte_graph_id_to_name(s->app->graphs[w]), lb_counters[w].rx, sent(&lb_counters[w]),
		       total_drops(&lb_counters[w]));
	print_vips(c, NULL, 1);
	for (unsigned w = 0; w < s->app->cfg.nb_workers; w++) {
		const struct lb_flow_table *ft = lb_dp.flows[w];
		if (ft)
			printf("[FLOWS] %s entries=%" PRIu64 " inserts=%" PRIu64 " hits=%" PRIu64 " expired=%" PRIu64
			       " evicted=%" PRIu64 " reselected=%" PRIu64 " guarded=%" PRIu64 "\n",
			       rte_graph_id_to_name(s->app->graphs[w]), ft->stats.used, ft->stats.inserts, ft->stats.hits,
			       ft->stats.expired, ft->stats.evicted, ft->stats.stale, ft->stats.guarded);
	}
	for (unsigned w = 0; w < s->app->cfg.nb_workers; w++) {
		const struct lb_frag_table *ft = lb_dp.frags[w];
		if (ft)
			printf("[FRAGS] %s firsts=%" PRIu64 " followed=%" PRIu64 " held=%" PRIu64 " released=%" PRIu64
			       " evicted=%" PRIu64 "\n",
			       rte_graph_id_to_name(s->app->graphs[w]), ft->stats.recorded, ft->stats.followed,
			       ft->stats.held, ft->stats.released, ft->stats.evicted);
	}
	if (s->app->cfg.graph_stats)
		lb_stats_graph_dump(s);
	fflush(stdout);
}

void
lb_stats_destroy(struct lb_stats *s)
{
	if (!s)
		return;
	for (unsigned w = 0; w < LB_MAX_WORKERS; w++)
		if (s->graph[w])
			rte_graph_cluster_stats_destroy(s->graph[w]);
	free(s);
}
