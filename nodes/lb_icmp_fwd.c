/* lb_icmp_fwd: ICMP errors about a VIP's flows, from the client's side
 * (destination unreachable, "fragmentation needed" among them, and time
 * exceeded; lb_classify sends only those here), to the backend that
 * serves the flow: without them path-MTU discovery blackholes, since the
 * VIP is the source the client's routers answer to.
 *
 * The quoted header is the VIP's packet to the client (VIP:port -> client):
 * it must be whole (20 bytes of IPv4 and the 8 of TCP/UDP that RFC 792
 * promises, within the frame and the outer packet), not a fragment, and a
 * VIP's flow; anything else is icmp_inner. The backend is the one the
 * flow's own packets get on this worker: its flow-table entry, else
 * Maglev's choice over the reversed quote (the choice of every worker for
 * a flow it has no entry for). The outer destination and the quoted source
 * become the backend's, the quoted source port too; the outer IPv4, the
 * quoted IPv4 and the ICMP checksums, and the quoted TCP/UDP checksum
 * where it is in the quote, are updated incrementally (quotes are often
 * truncated: nothing is recomputed over what is not there).
 *
 * From a backend (lb_classify checked its port and MAC), about its
 * client's flow: the quote is client -> backend:port, the backend itself
 * sent it, and the client is the outer destination. It goes to the client
 * as the VIP would have sent it: outer source and quoted destination the
 * VIP's, the quoted port too, checksums as above, routed as lb_reverse
 * routes replies.
 *
 * Either way at most the arrival port's icmp_rate a second per worker, and
 * never larger than the out port's mtu (too_big: no error about an error). */
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nodes/lb_bucket.h"
#include "nodes/lb_cksum.h"
#include "nodes/lb_key_table.h"
#include "nodes/lb_nat.h"
#include "nodes/lb_node_util.h"
#include "nodes/lb_route.h"

static struct lb_bucket buckets[LB_MAX_WORKERS][RTE_MAX_ETHPORTS];

struct fwd_arg {
	const struct lb_tables *t;
	struct lb_bucket *buckets;
	struct lb_flow_table *ft;
	uint64_t tsc;
};

/* Rewrite the quote's source (src = true) or destination address and
 * port to addr:port: the quoted IPv4 checksum, the quoted TCP/UDP checksum
 * when the quote holds it (a UDP checksum of 0 is none), and every change
 * again in the ICMP checksum. l4 is the quoted L4 header's offset in the
 * frame, end the end of what is there. */
static inline void
quote_rewrite(struct rte_icmp_hdr *icmp, struct rte_ipv4_hdr *qip, struct rte_udp_hdr *ql4, uint32_t l4,
	      uint32_t end, bool src, rte_be32_t addr, rte_be16_t port)
{
	const rte_be32_t old_addr = src ? qip->src_addr : qip->dst_addr;
	const rte_be16_t old_port = src ? ql4->src_port : ql4->dst_port;
	uint32_t icmp_sum = lb_cksum_begin(icmp->icmp_cksum);
	const uint16_t old_qck = qip->hdr_checksum;
	qip->hdr_checksum = lb_cksum_end(lb_cksum_delta32(lb_cksum_begin(qip->hdr_checksum), old_addr, addr));
	icmp_sum = lb_cksum_delta16(icmp_sum, old_qck, qip->hdr_checksum);
	const uint32_t ck_off = qip->next_proto_id == IPPROTO_UDP ? 6 : 16;
	if (l4 + ck_off + 2 <= end) {
		uint16_t *l4ck = (uint16_t *)((uint8_t *)ql4 + ck_off);
		const uint16_t old = *l4ck;
		if (!(qip->next_proto_id == IPPROTO_UDP && old == 0)) {
			uint32_t s = lb_cksum_delta32(lb_cksum_begin(old), old_addr, addr);
			uint16_t nck = lb_cksum_end(lb_cksum_delta16(s, old_port, port));
			if (qip->next_proto_id == IPPROTO_UDP && nck == 0)
				nck = 0xffff;
			*l4ck = nck;
			icmp_sum = lb_cksum_delta16(icmp_sum, old, nck);
		}
	}
	icmp_sum = lb_cksum_delta32(icmp_sum, old_addr, addr);
	icmp_sum = lb_cksum_delta16(icmp_sum, old_port, port);
	if (src) {
		qip->src_addr = addr;
		ql4->src_port = port;
	} else {
		qip->dst_addr = addr;
		ql4->dst_port = port;
	}
	icmp->icmp_cksum = lb_cksum_end(icmp_sum);
}

/* From a backend about its client's flow (see the top): to the client, as the VIP. */
static __rte_noinline rte_edge_t
to_client(struct rte_mbuf *m, const struct fwd_arg *a, struct rte_ipv4_hdr *ip, struct rte_icmp_hdr *icmp,
	  struct rte_ipv4_hdr *qip, struct rte_udp_hdr *ql4, uint32_t l4, uint32_t end)
{
	const struct lb_tables *t = a->t;
	const int ri = lb_key_find(t->rev_table, lb_key_make(qip->dst_addr, ql4->dst_port, qip->next_proto_id));
	if (ri < 0 || qip->dst_addr != ip->src_addr || qip->src_addr != ip->dst_addr)
		return LB_NEXT_DROP(LB_DROP_ICMP_INNER);
	const struct lb_vip *vip = t->vips[t->rev[ri].vip];
	if (m->port != vip->out_port_id)
		return LB_NEXT_DROP(LB_DROP_SPOOFED_BACKEND);
	rte_be32_t next_hop;
	rte_edge_t why;
	const struct lb_port_dp *out = lb_route(t, ip->dst_addr, &next_hop, &why);
	if (!out)
		return why;
	if (rte_be_to_cpu_16(ip->total_length) > out->mtu)
		return LB_NEXT_DROP(LB_DROP_TOO_BIG);
	if (unlikely(m->nb_segs > 1 && !out->multi_seg))
		return LB_NEXT_DROP(LB_DROP_TX_CHAINED);
	const struct lb_port_dp *in = &t->ports[m->port];
	if (!lb_bucket_allow(&a->buckets[m->port], in->icmp_rate, in->icmp_burst, a->tsc))
		return LB_NEXT_DROP(LB_DROP_ICMP_RATE);
	const struct lb_neigh *nh = lb_route_neighbour(next_hop);
	if (!nh)
		return LB_NEXT_DROP(LB_DROP_NO_NEIGHBOR);

	quote_rewrite(icmp, qip, ql4, l4, end, false, vip->addr, vip->port);
	lb_nat_ip_addr(ip, false, vip->addr);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&out->mac, &eth->src_addr);
	rte_ether_addr_copy(&nh->mac, &eth->dst_addr);
	return out->tx_edge;
}

static __rte_always_inline rte_edge_t
fwd_one(struct rte_mbuf *m, void *arg)
{
	const struct fwd_arg *a = arg;
	const struct lb_tables *t = a->t;
	const struct lb_mbuf_meta *meta = lb_meta(m);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + meta->l3_off);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(p + meta->l4_off);
	const uint32_t end = RTE_MIN(rte_pktmbuf_data_len(m), (uint32_t)meta->l3_off + rte_be_to_cpu_16(ip->total_length));
	const uint32_t in3 = meta->l4_off + sizeof(struct rte_icmp_hdr);

	/* the quote: whole, not a fragment, a VIP's flow */
	if (in3 + sizeof(struct rte_ipv4_hdr) > end)
		return LB_NEXT_DROP(LB_DROP_ICMP_INNER);
	struct rte_ipv4_hdr *qip = (struct rte_ipv4_hdr *)(p + in3);
	const uint32_t qihl = (qip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	if ((qip->version_ihl >> 4) != 4 || qihl < sizeof(*qip) || in3 + qihl + 8 > end ||
	    (qip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) ||
	    (qip->next_proto_id != IPPROTO_TCP && qip->next_proto_id != IPPROTO_UDP))
		return LB_NEXT_DROP(LB_DROP_ICMP_INNER);
	struct rte_udp_hdr *ql4 = (struct rte_udp_hdr *)(p + in3 + qihl); /* ports first, TCP or UDP */
	if (meta->from_backend)
		return to_client(m, a, ip, icmp, qip, ql4, in3 + qihl, end);
	const int vi = lb_key_find(t->vip_table, lb_key_make(qip->src_addr, ql4->src_port, qip->next_proto_id));
	if (vi < 0 || vi == LB_KEY_LOCAL)
		return LB_NEXT_DROP(LB_DROP_ICMP_INNER);
	const struct lb_vip *vip = t->vips[vi];

	/* the flow's backend: this worker's entry, else Maglev over the flow's own tuple */
	const struct lb_backend *be = NULL;
	if (a->ft && vip->affinity) {
		const uint64_t key = lb_flow_key(qip->dst_addr, ql4->dst_port, vip->index);
		const uint32_t now = (uint32_t)(a->tsc / a->ft->tsc_per_tick);
		const struct lb_flow_entry *e = lb_flow_find(a->ft, lb_flow_bucket_of(a->ft, key), key, now);
		if (e)
			be = lb_flow_entry_backend(t, vip, e);
	}
	if (!be) {
		if (!vip->lookup)
			return LB_NEXT_DROP(vip->all_down ? LB_DROP_NO_HEALTHY_BACKEND : LB_DROP_NO_BACKEND);
		const uint32_t h = lb_flow_hash(&t->flow_key, qip->dst_addr, qip->src_addr, ql4->dst_port, ql4->src_port,
						qip->next_proto_id);
		be = lb_vip_select(vip, h);
	}
	if (unlikely(!be->resolved))
		return LB_NEXT_DROP(LB_DROP_NO_NEIGHBOR);
	if (unlikely(ip->time_to_live <= 1))
		return LB_NEXT_DROP(LB_DROP_TTL_EXPIRED);
	if (rte_be_to_cpu_16(ip->total_length) > vip->out_mtu)
		return LB_NEXT_DROP(LB_DROP_TOO_BIG);
	if (unlikely(m->nb_segs > 1 && !vip->out_multi_seg))
		return LB_NEXT_DROP(LB_DROP_TX_CHAINED);
	const struct lb_port_dp *in = &t->ports[m->port];
	if (!lb_bucket_allow(&a->buckets[m->port], in->icmp_rate, in->icmp_burst, a->tsc))
		return LB_NEXT_DROP(LB_DROP_ICMP_RATE);

	quote_rewrite(icmp, qip, ql4, in3 + qihl, end, true, be->addr, be->port);

	/* the outer packet: to the backend, TTL - 1, as a router would */
	lb_nat_ip_addr(ip, true, be->addr);
	rte_ether_addr_copy(&vip->src_mac, &eth->src_addr);
	rte_ether_addr_copy(&be->mac, &eth->dst_addr);
	return vip->tx_edge;
}

static uint16_t
lb_icmp_fwd_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct fwd_arg a = {.t = lb_tables_get(), .buckets = buckets[graph->id], .ft = lb_dp.flows[graph->id],
			    .tsc = rte_get_tsc_cycles()};

	lb_counters[graph->id].forwarded += lb_process_stream(graph, node, objs, nb_objs, fwd_one, &a, true);
	return nb_objs;
}

static struct rte_node_register lb_icmp_fwd_node = {
	.name = "lb_icmp_fwd",
	.process = lb_icmp_fwd_process,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_icmp_fwd_node);
