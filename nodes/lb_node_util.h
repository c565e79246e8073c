/* Helpers shared by the lb_* nodes (data path only). */
#pragma once

#include <rte_graph_worker.h>

#include "nodes/lb_dataplane.h"

/* Edge layout shared by every node that can drop: edge 0 goes on down the
 * chain, edge 1 + reason goes to lb_drop-<reason>. */
#define LB_NEXT_CHAIN 0
#define LB_NEXT_DROP(reason) ((rte_edge_t)(1 + (reason)))

#define LB_DROP_NEXT_NAME(e, name, doc) [1 + LB_DROP_##e] = LB_DROP_NODE_PREFIX name,
#define LB_NEXT_NODES_WITH_DROPS(chain) \
	{ [LB_NEXT_CHAIN] = chain, LB_DROP_REASONS(LB_DROP_NEXT_NAME) }
#define LB_NB_EDGES_WITH_DROPS (1 + LB_DROP_COUNT)

/* Hand n objects to the edges chosen for them. When they all agree and they
 * are the node's whole stream, move the stream instead of copying it. */
static inline void
lb_enqueue_edges(struct rte_graph *graph, struct rte_node *node, void **objs,
		 const rte_edge_t *edges, uint16_t n, bool whole_stream)
{
	rte_edge_t first = edges[0];
	uint16_t i = 1;

	while (i < n && edges[i] == first)
		i++;
	if (i < n)
		rte_node_enqueue_next(graph, node, (rte_edge_t *)(uintptr_t)edges, objs, n);
	else if (whole_stream)
		rte_node_next_stream_move(graph, node, first);
	else
		rte_node_enqueue(graph, node, first, objs, n);
}
