/* lb_reverse: the return path of a stateless NAT. A reply from a backend
 * (address and port of a VIP's backend) leaves with the VIP's address and
 * port as its source, checksums updated incrementally, TTL - 1, towards the
 * client: through the port whose subnet holds the destination, else the
 * first port with a gateway; the next hop's MAC comes from the neighbour
 * table that ARP fills (no MAC yet: dropped as no_neighbor, and the control
 * plane is asked to resolve it). lb_classify checked where the reply came
 * from and that its destination is neither martian nor local; a subnet's
 * network or broadcast address is refused here, where the subnets are
 * walked (martian_dst). A reply larger than the client's port's mtu is
 * answered with "fragmentation needed" when it has DF (the backend lowers
 * its path MTU), else dropped as too_big. */

#include "nodes/lb_frag_table.h"
#include "nodes/lb_icmp_err.h"
#include "nodes/lb_nat.h"
#include "nodes/lb_route.h"
#include "nodes/lb_node_util.h"

struct reverse_arg {
	const struct lb_tables *t;
	unsigned worker;
};

static __rte_always_inline rte_edge_t
reverse_one(struct rte_mbuf *m, void *arg)
{
	const struct lb_tables *t = ((const struct reverse_arg *)arg)->t;
	const struct lb_mbuf_meta *meta = lb_meta(m);
	const struct lb_vip *vip = meta->vip;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + meta->l3_off);
	rte_be32_t next_hop;
	rte_edge_t why;

	const struct lb_port_dp *out = lb_route(t, ip->dst_addr, &next_hop, &why);
	if (unlikely(!out))
		return why;
	if (unlikely(rte_be_to_cpu_16(ip->total_length) > out->mtu))
		return lb_icmp_too_big(m, t, ip, out->mtu, ((const struct reverse_arg *)arg)->worker);
	if (unlikely(m->nb_segs > 1 && !out->multi_seg))
		return LB_NEXT_DROP(LB_DROP_TX_CHAINED);
	const struct lb_neigh *nh = lb_route_neighbour(next_hop);
	if (unlikely(!nh))
		return LB_NEXT_DROP(LB_DROP_NO_NEIGHBOR);
	if (unlikely(meta->frag_first))
		lb_frag_first_sent(((const struct reverse_arg *)arg)->worker, ip, true, vip->index, vip->addr);

	lb_nat_src_to_vip(m, meta, vip);
	rte_ether_addr_copy(&out->mac, &eth->src_addr);
	rte_ether_addr_copy(&nh->mac, &eth->dst_addr);
	return out->tx_edge;
}

static __rte_always_inline uint16_t
lb_reverse_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs,
                    const bool scalar)
{
	struct reverse_arg a = {.t = lb_tables_get(), .worker = graph->id};

	lb_counters[graph->id].forwarded += lb_process_stream(graph, node, objs, nb_objs, reverse_one, &a, scalar);
	return nb_objs;
}

LB_NODE_LOOPS(lb_reverse_process)

static struct rte_node_register lb_reverse_node = {
	.name = "lb_reverse",
	.process = lb_reverse_process_quad,
	.init = lb_reverse_process_init,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_reverse_node);
