/* lb_rewrite: destination IP and port become the chosen backend's, the IPv4
 * and TCP/UDP checksums are updated incrementally (RFC 1624), TTL drops by
 * one as on any router hop, and the Ethernet header is readdressed from the
 * output port's MAC to the backend's next hop (from the INI, or found by ARP:
 * until it is, the packet is dropped as no_neighbor). A packet larger
 * than the out port's mtu is answered with "fragmentation needed" when it
 * has DF, else dropped as too_big. Out through ethdev_tx-<port>: those
 * edges are added at start-up (app/graph.c). */
#include "nodes/lb_flow_table.h"
#include "nodes/lb_frag_table.h"
#include "nodes/lb_icmp_err.h"
#include "nodes/lb_nat.h"
#include "nodes/lb_node_util.h"

static __rte_always_inline rte_edge_t
rewrite_one(struct rte_mbuf *m, void *arg)
{
	struct lb_worker_counters *counters = arg; /* this worker's: lb_counters[worker] */
	const struct lb_mbuf_meta *meta = lb_meta(m);
	const struct lb_vip *vip = meta->vip;
	const struct lb_backend *be = meta->backend;

	if (unlikely(!be->resolved))
		return LB_NEXT_DROP(LB_DROP_NO_NEIGHBOR); /* ARP has not found its MAC yet */
	if (unlikely(m->nb_segs > 1 && !vip->out_multi_seg))
		return LB_NEXT_DROP(LB_DROP_TX_CHAINED);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)((uint8_t *)eth + meta->l3_off);
	if (unlikely(rte_be_to_cpu_16(ip->total_length) > vip->out_mtu))
		return lb_icmp_too_big(m, lb_tables_get(), ip, vip->out_mtu, (unsigned)(counters - lb_counters));
	if (unlikely(meta->frag_first))
		lb_frag_first_sent((unsigned)(counters - lb_counters), ip, false, vip->index, lb_flow_backend_ref(be));

	counters->vip_pkts[vip->index]++;
	counters->backend_pkts[be->slot]++;

	lb_nat_dst_to_backend(m, meta, be);
	rte_ether_addr_copy(&vip->src_mac, &eth->src_addr);
	rte_ether_addr_copy(&be->mac, &eth->dst_addr);
	return vip->tx_edge;
}

static __rte_always_inline uint16_t
lb_rewrite_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs,
                    const bool scalar)
{
	struct lb_worker_counters *counters = &lb_counters[graph->id];

	counters->forwarded += lb_process_stream(graph, node, objs, nb_objs, rewrite_one, counters, scalar);
	return nb_objs;
}

/* The edges to ethdev_tx-<port> are added before graphs exist. */
LB_NODE_LOOPS(lb_rewrite_process)

static struct rte_node_register lb_rewrite_node = {
	.name = "lb_rewrite",
	.process = lb_rewrite_process_quad,
	.init = lb_rewrite_process_init,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_rewrite_node);
