/* lb_from_kernel: frames the host's kernel sends out of a port's kernel
 * interface (the tap's ethdev_rx clone leads here, never to lb_classify)
 * leave that port as they are. The kernel is trusted as the host is: what
 * it may send is the operator's firewall's business (README "Kernel
 * interface"). */
#include "nodes/lb_node_util.h"

static __rte_always_inline rte_edge_t
from_kernel_one(struct rte_mbuf *m, void *arg)
{
	const struct lb_tables *t = arg;

	if (unlikely(m->port >= RTE_MAX_ETHPORTS || !t->ports[m->port].is_kernel))
		return LB_NEXT_DROP(LB_DROP_NO_ROUTE);
	const struct lb_port_dp *k = &t->ports[m->port];
	if (unlikely(m->nb_segs > 1 && !k->wire_multi_seg))
		return LB_NEXT_DROP(LB_DROP_TX_CHAINED);
	return k->wire_tx_edge;
}

static uint16_t
lb_from_kernel_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	lb_counters[graph->id].from_kernel += nb_objs;
	lb_counters[graph->id].forwarded +=
		lb_process_stream(graph, node, objs, nb_objs, from_kernel_one, lb_tables_get(), true);
	return nb_objs;
}

static struct rte_node_register lb_from_kernel_node = {
	.name = "lb_from_kernel",
	.process = lb_from_kernel_process,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_from_kernel_node);
