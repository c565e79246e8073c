/* lb_to_kernel: what lb_classify found addressed to the arrival port's own
 * address and lb-graph does not answer itself (TCP, UDP, ICMP other than
 * echo), to that port's kernel interface, at most kernel_rate packets a
 * second per port and worker: a flood to the host costs the kernel a
 * bounded amount, and the VIPs nothing. */
#include <rte_cycles.h>

#include "nodes/lb_bucket.h"
#include "nodes/lb_node_util.h"

static struct lb_bucket buckets[LB_MAX_WORKERS][RTE_MAX_ETHPORTS];

struct to_kernel_arg {
	const struct lb_tables *t;
	struct lb_bucket *buckets; /* this worker's, by port id */
	uint64_t now;
};

static __rte_always_inline rte_edge_t
to_kernel_one(struct rte_mbuf *m, void *arg)
{
	const struct to_kernel_arg *a = arg;
	const struct lb_port_dp *in = &a->t->ports[m->port]; /* lb_classify checked m->port */

	if (!lb_bucket_allow(&a->buckets[m->port], in->kernel_rate, in->kernel_burst, a->now))
		return LB_NEXT_DROP(LB_DROP_KERNEL_RATE);
	return in->kernel_tx_edge; /* the tap takes chained mbufs */
}

static uint16_t
lb_to_kernel_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct to_kernel_arg a = {.t = lb_tables_get(), .buckets = buckets[graph->id], .now = rte_get_tsc_cycles()};
	const uint16_t sent = lb_process_stream(graph, node, objs, nb_objs, to_kernel_one, &a, true);

	lb_counters[graph->id].forwarded += sent;
	lb_counters[graph->id].to_kernel += sent;
	return nb_objs;
}

static struct rte_node_register lb_to_kernel_node = {
	.name = "lb_to_kernel",
	.process = lb_to_kernel_process,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_to_kernel_node);
