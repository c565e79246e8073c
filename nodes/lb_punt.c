/* lb_punt: hand ARP frames to the control plane (lb_dp.punt, shared by
 * every worker); what does not fit is dropped as punt_full. */
#include <rte_ring.h>

#include "nodes/lb_node_util.h"

static uint16_t
lb_punt_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const unsigned sent = rte_ring_mp_enqueue_burst(lb_dp.punt, objs, nb_objs, NULL);
	if (sent < nb_objs)
		rte_node_enqueue(graph, node, LB_NEXT_DROP(LB_DROP_PUNT_FULL), objs + sent, nb_objs - sent);
	lb_counters[graph->id].punted += sent;
	return nb_objs;
}

static struct rte_node_register lb_punt_node = {
	.name = "lb_punt",
	.process = lb_punt_process,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_punt_node);
