/* lb_icmp_err: time exceeded for VIP traffic and backends' replies whose
 * TTL would expire on this hop (lb_classify sends them here); and
 * lb_icmp_error, which lb_rewrite and lb_reverse also call for packets too
 * big for their out port.
 *
 * The error is built in the packet's own mbuf: 28 bytes of new IPv4 and
 * ICMP header in front of the packet as it arrived, cut to 576 bytes in all
 * as RFC 1812 asks, from the arrival port's address to the packet's source,
 * back to the MAC it came from. Not an amplifier: at most 28 bytes more
 * than what came in, within the port's icmp_rate (the echo replies' own
 * budget is separate: lb_icmp). */
#include <rte_cycles.h>
#include <rte_ip.h>

#include "nodes/lb_bucket.h"
#include "nodes/lb_icmp_err.h"
#include "nodes/lb_node_util.h"
#include "nodes/lb_route.h"

#define ERR_HDRS ((uint32_t)LB_ICMP_ERR_HDRS)
#define ERR_MAX_IP 576                               /* RFC 1812 4.3.2.3 */
#define ERR_TTL 64

static struct lb_bucket buckets[LB_MAX_WORKERS][RTE_MAX_ETHPORTS];

rte_edge_t
lb_icmp_error(struct rte_mbuf *m, const struct lb_tables *t, unsigned worker, uint8_t type, uint8_t code,
	      uint16_t mtu, enum lb_drop_reason unsent)
{
	const struct lb_port_dp *in = &t->ports[m->port];
	struct lb_mbuf_meta *meta = lb_meta(m);
	const uint32_t l3 = meta->l3_off;
	uint8_t *old = rte_pktmbuf_mtod(m, uint8_t *);
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)(old + l3);
	const rte_be32_t to = oip->src_addr;

	if (!in->defined || !in->addr || rte_pktmbuf_headroom(m) < ERR_HDRS)
		return LB_NEXT_DROP(unsent);
	if (lb_port_subnet_edge(t, to))
		return LB_NEXT_DROP(LB_DROP_MARTIAN_SRC);
	if (!lb_bucket_allow(&buckets[worker][m->port], in->icmp_rate, in->icmp_burst, rte_get_tsc_cycles()))
		return LB_NEXT_DROP(LB_DROP_ICMP_RATE);

	/* the quote: the packet as it came, cut to fit, in the first segment */
	uint32_t quote = RTE_MIN((uint32_t)rte_be_to_cpu_16(oip->total_length), ERR_MAX_IP - ERR_HDRS);
	quote = RTE_MIN(quote, rte_pktmbuf_data_len(m) - l3);
	if (m->next) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
	}
	m->data_len = (uint16_t)(l3 + quote);
	m->pkt_len = m->data_len;
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(m, ERR_HDRS);
	memmove(p, old, l3); /* the Ethernet header (and VLAN tag) */
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&in->mac, &eth->src_addr);

	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + l3);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(ERR_HDRS + quote)),
		.time_to_live = ERR_TTL,
		.next_proto_id = IPPROTO_ICMP,
		.src_addr = in->addr,
		.dst_addr = to,
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uint8_t *icmp = p + l3 + sizeof(*ip);
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	if (type == LB_ICMP_DEST_UNREACHABLE && code == LB_ICMP_FRAG_NEEDED)
		*(rte_be16_t *)(icmp + 6) = rte_cpu_to_be_16(mtu); /* RFC 1191 */
	const uint16_t ck = (uint16_t)~rte_raw_cksum(icmp, 8 + quote);
	memcpy(icmp + 2, &ck, 2);
	meta->l4_off = (uint16_t)(l3 + sizeof(*ip));
	return in->tx_edge;
}

rte_edge_t
lb_icmp_too_big(struct rte_mbuf *m, const struct lb_tables *t, const struct rte_ipv4_hdr *ip, uint16_t mtu,
		unsigned worker)
{
	if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)))
		return LB_NEXT_DROP(LB_DROP_TOO_BIG);
	return lb_icmp_error(m, t, worker, LB_ICMP_DEST_UNREACHABLE, LB_ICMP_FRAG_NEEDED, mtu, LB_DROP_TOO_BIG);
}

static __rte_always_inline rte_edge_t
expired_one(struct rte_mbuf *m, void *arg)
{
	const struct lb_tables *t = ((void **)arg)[0];
	const unsigned worker = (unsigned)(uintptr_t)((void **)arg)[1];
	return lb_icmp_error(m, t, worker, LB_ICMP_TIME_EXCEEDED, 0, 0, LB_DROP_TTL_EXPIRED);
}

static uint16_t
lb_icmp_err_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	void *arg[2] = {lb_tables_get(), (void *)(uintptr_t)graph->id};

	lb_counters[graph->id].forwarded += lb_process_stream(graph, node, objs, nb_objs, expired_one, arg, true);
	return nb_objs;
}

static struct rte_node_register lb_icmp_err_node = {
	.name = "lb_icmp_err",
	.process = lb_icmp_err_process,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_icmp_err_node);
