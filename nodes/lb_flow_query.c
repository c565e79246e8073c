/* lb_flow_query: a source node in every worker's graph that answers the
 * control side's question about one flow from the worker's own flow table
 * (lb_flow_mailbox): the table is read only by the thread that writes it.
 * A walk without a question costs one load. */
#include <rte_cycles.h>

#include "nodes/lb_node_util.h"

static uint16_t
lb_flow_query_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct lb_flow_table *ft = lb_dp.flows[graph->id];

	(void)node, (void)objs, (void)nb_objs;
	if (!ft)
		return 0;
	struct lb_flow_mailbox *mb = &ft->mailbox;
	const uint64_t asked = __atomic_load_n(&mb->asked, __ATOMIC_ACQUIRE);
	if (likely(asked == mb->answered))
		return 0;
	const uint32_t now = (uint32_t)(rte_get_tsc_cycles() / ft->tsc_per_tick);
	const struct lb_flow_entry *e = lb_flow_find(ft, lb_flow_bucket_of(ft, mb->key), mb->key, now);
	mb->found = e != NULL;
	if (e) {
		mb->backend = e->backend;
		mb->age = lb_flow_age(now, e->seen);
		mb->state = e->seen & 3;
	}
	__atomic_store_n(&mb->answered, asked, __ATOMIC_RELEASE);
	return 0;
}

static struct rte_node_register lb_flow_query_node = {
	.name = "lb_flow_query",
	.flags = RTE_NODE_SOURCE_F,
	.process = lb_flow_query_process,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_flow_query_node);
