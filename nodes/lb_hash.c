/* lb_hash: hash the 5-tuple with the configured seed and pick the VIP's
 * backend through its lookup structure (modulo now, Maglev later: the node
 * only ever reads lut[hash % size]). */
#include <rte_ip.h>
#include <rte_udp.h>

#include "nodes/lb_flow_hash.h"
#include "nodes/lb_node_util.h"

#define NEXT_REWRITE LB_NEXT_OWN(0)

struct hash_arg {
	uint32_t seed;
	struct lb_worker_counters *counters;
};

static __rte_always_inline rte_edge_t
hash_one(struct rte_mbuf *m, void *varg)
{
	const struct hash_arg *arg = varg;
	struct lb_worker_counters *c = arg->counters;
	struct lb_mbuf_meta *meta = lb_meta(m);
	const struct lb_vip *vip = meta->vip;

	if (unlikely(vip->lookup == NULL)) /* no backend, or all drained */
		return LB_NEXT_DROP(LB_DROP_NO_BACKEND);

	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + meta->l3_off);
	/* TCP and UDP both start with source and destination port. */
	const struct rte_udp_hdr *l4 = (const struct rte_udp_hdr *)(p + meta->l4_off);

	meta->hash = lb_flow_hash(ip->src_addr, ip->dst_addr, l4->src_port, l4->dst_port,
				  ip->next_proto_id, arg->seed);
	meta->backend = lb_vip_select(vip, meta->hash);
	c->vip_pkts[vip->index]++;
	c->backend_pkts[meta->backend->slot]++;
	return NEXT_REWRITE;
}

static uint16_t
lb_hash_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct hash_arg arg = {
		.seed = lb_tables_get()->hash_seed,
		.counters = &lb_counters[graph->id],
	};

	lb_process_stream(graph, node, objs, nb_objs, hash_one, &arg);
	return nb_objs;
}

static struct rte_node_register lb_hash_node = {
	.name = "lb_hash",
	.process = lb_hash_process,
	.nb_edges = LB_DROP_COUNT + 1,
	.next_nodes = {LB_DROP_EDGES[NEXT_REWRITE] = "lb_rewrite"},
};

RTE_NODE_REGISTER(lb_hash_node);
