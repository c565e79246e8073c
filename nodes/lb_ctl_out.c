/* lb_ctl_out: a source node that sends what the control plane made (ARP
 * requests and replies, copies of ARP frames for a kernel interface) out of
 * the port in each mbuf's `port` field. Only
 * worker 0's instance reads lb_dp.ctl_tx (single consumer); it sends on
 * that worker's TX queue like any other packet of the graph. */
#include <rte_ring.h>

#include "nodes/lb_node_util.h"

static __rte_always_inline rte_edge_t
out_one(struct rte_mbuf *m, void *arg)
{
	const struct lb_tables *t = arg;

	if (unlikely(m->port >= RTE_MAX_ETHPORTS || !(t->ports[m->port].defined || t->ports[m->port].is_kernel)))
		return LB_NEXT_DROP(LB_DROP_NO_ROUTE);
	return t->ports[m->port].tx_edge;
}

static uint16_t
lb_ctl_out_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	uint16_t n;

	if (graph->id != 0)
		return 0;
	n = rte_ring_sc_dequeue_burst(lb_dp.ctl_tx, node->objs, RTE_GRAPH_BURST_SIZE, NULL);
	if (n == 0)
		return 0;
	node->idx = n;
	lb_counters[graph->id].generated += n;
	lb_counters[graph->id].forwarded +=
		lb_process_stream(graph, node, node->objs, n, out_one, lb_tables_get(), true); /* a few frames */
	return n;
}

static struct rte_node_register lb_ctl_out_node = {
	.name = "lb_ctl_out",
	.flags = RTE_NODE_SOURCE_F,
	.process = lb_ctl_out_process,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_ctl_out_node);
