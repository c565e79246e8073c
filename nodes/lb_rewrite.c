/* lb_rewrite: destination IP and port become the chosen backend's, the IPv4
 * and TCP/UDP checksums are updated incrementally (RFC 1624), TTL drops by
 * one as on any router hop, and the Ethernet header is readdressed from the
 * output port's MAC to the backend's next hop (from the INI, or found by ARP:
 * until it is, the packet is dropped as no_neighbor). Out through
 * ethdev_tx-<port>: those edges are added at start-up (app/graph.c). */
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nodes/lb_cksum.h"
#include "nodes/lb_node_util.h"

static __rte_always_inline rte_edge_t
rewrite_one(struct rte_mbuf *m, void *unused)
{
	const struct lb_mbuf_meta *meta = lb_meta(m);
	const struct lb_vip *vip = meta->vip;
	const struct lb_backend *be = meta->backend;

	if (unlikely(!be->resolved))
		return LB_NEXT_DROP(LB_DROP_NO_NEIGHBOR); /* ARP has not found its MAC yet */
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + meta->l3_off);
	const rte_be32_t old_dst = ip->dst_addr;

	/* IPv4 header: destination address, and TTL in the TTL/protocol word. */
	uint16_t *ttl_word = (uint16_t *)&ip->time_to_live;
	const uint16_t old_ttl_word = *ttl_word;
	ip->time_to_live--;
	ip->dst_addr = be->addr;
	uint32_t sum = lb_cksum_begin(ip->hdr_checksum);
	sum = lb_cksum_delta32(sum, old_dst, be->addr);
	sum = lb_cksum_delta16(sum, old_ttl_word, *ttl_word);
	ip->hdr_checksum = lb_cksum_end(sum);

	/* L4: the pseudo-header's destination address and the port. */
	if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(p + meta->l4_off);
		sum = lb_cksum_begin(tcp->cksum);
		sum = lb_cksum_delta32(sum, old_dst, be->addr);
		sum = lb_cksum_delta16(sum, tcp->dst_port, be->port);
		tcp->cksum = lb_cksum_end(sum);
		tcp->dst_port = be->port;
	} else {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + meta->l4_off);
		if (udp->dgram_cksum != 0) { /* 0 means "no checksum": keep it so */
			sum = lb_cksum_begin(udp->dgram_cksum);
			sum = lb_cksum_delta32(sum, old_dst, be->addr);
			sum = lb_cksum_delta16(sum, udp->dst_port, be->port);
			const uint16_t ck = lb_cksum_end(sum);
			udp->dgram_cksum = ck == 0 ? 0xffff : ck; /* RFC 768 */
		}
		udp->dst_port = be->port;
	}

	rte_ether_addr_copy(&vip->src_mac, &eth->src_addr);
	rte_ether_addr_copy(&be->mac, &eth->dst_addr);
	return vip->tx_edge;
}

static uint16_t
lb_rewrite_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	lb_counters[graph->id].forwarded +=
		lb_process_stream(graph, node, objs, nb_objs, rewrite_one, NULL);
	return nb_objs;
}

/* The edges to ethdev_tx-<port> are added before graphs exist. */
static struct rte_node_register lb_rewrite_node = {
	.name = "lb_rewrite",
	.process = lb_rewrite_process,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_rewrite_node);
