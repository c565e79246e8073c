/* lb_frag_held: a source node in every worker's graph. Each walk, when the
 * worker holds fragments, it hands lb_frag those met in the last walk with
 * their first (to try again) and the held ones whose first has come since,
 * and drops those held longer than frag_timeout_ms (frag_timeout).
 * Nothing to do costs two loads. */
#include <rte_cycles.h>

#include "nodes/lb_frag_table.h"
#include "nodes/lb_node_util.h"

#define NEXT_FRAG 0
#define NEXT_TIMEOUT 1

static uint16_t
lb_frag_held_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct lb_frag_table *ft = lb_dp.frags[graph->id];
	(void)objs, (void)nb_objs;
	if (!ft || !(ft->nb_held | ft->nb_retry))
		return 0;
	const uint64_t now = rte_get_tsc_cycles();
	uint32_t kept = 0;
	uint16_t out = (uint16_t)ft->nb_retry;
	for (uint32_t i = 0; i < ft->nb_retry; i++) /* their first was sent in the last walk, or never */
		rte_node_enqueue_x1(graph, node, NEXT_FRAG, ft->retry[i]);
	ft->nb_retry = 0;
	for (uint32_t i = 0; i < ft->nb_held; i++) {
		struct rte_mbuf *m = ft->held[i].m;
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, lb_meta(m)->l3_off);
		if (lb_frag_find(ft, lb_frag_key_of(ip), now)) {
			ft->stats.released++;
			rte_node_enqueue_x1(graph, node, NEXT_FRAG, m);
		} else if (ft->held[i].expire <= now) {
			rte_node_enqueue_x1(graph, node, NEXT_TIMEOUT, m);
		} else {
			ft->held[kept++] = ft->held[i];
			continue;
		}
		out++;
	}
	ft->nb_held = kept;
	lb_counters[graph->id].frag_held -= out;
	return out;
}

void
lb_frag_flush(unsigned worker)
{
	struct lb_frag_table *ft = lb_dp.frags[worker];
	if (!ft)
		return;
	for (uint32_t i = 0; i < ft->nb_held; i++)
		rte_pktmbuf_free(ft->held[i].m);
	for (uint32_t i = 0; i < ft->nb_retry; i++)
		rte_pktmbuf_free(ft->retry[i]);
	lb_counters[worker].drops[LB_DROP_FRAG_TIMEOUT] += ft->nb_held + ft->nb_retry;
	lb_counters[worker].frag_held -= ft->nb_held + ft->nb_retry;
	ft->nb_held = 0;
	ft->nb_retry = 0;
}

static struct rte_node_register lb_frag_held_node = {
	.name = "lb_frag_held",
	.process = lb_frag_held_process,
	.flags = RTE_NODE_SOURCE_F,
	.nb_edges = 2,
	.next_nodes = {[NEXT_FRAG] = "lb_frag", [NEXT_TIMEOUT] = LB_DROP_NODE_PREFIX "frag_timeout"},
};

RTE_NODE_REGISTER(lb_frag_held_node);
