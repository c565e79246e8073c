/* lb_classify: parse Ethernet (one 802.1Q tag), IPv4 and the TCP/UDP ports,
 * bounds-checked against the frame, and send
 *   - packets for a configured VIP to lb_hash,
 *   - replies from a configured backend to lb_reverse (back to the client),
 *   - ICMP echo requests to a VIP or port address to lb_icmp,
 *   - ICMP errors (unreachable, time exceeded) to a VIP, and from a
 *     backend (on its VIP's out port, from its MAC) to a client, to
 *     lb_icmp_fwd,
 *   - VIP traffic and backends' replies whose TTL would expire here to
 *     lb_icmp_err (time exceeded),
 *   - ARP to lb_punt (the control plane), when some port has an address,
 *   - TCP, UDP and ICMP other than echo to the arrival port's own address,
 *     when the port has a kernel interface, to lb_to_kernel; checked before
 *     the return path, so a backend's ip:port writing to the host is never
 *     taken for a reply to a client.
 * Everything else goes to a named drop reason.
 *
 * Trust rules (README "Robustness"): a frame must be addressed to the port's
 * own MAC (broadcast and multicast only for ARP); VIP traffic must not come
 * from a local address, from a backend's endpoint, or from a backend's
 * address where that backend is not (its VIP's out port, its next hop's
 * MAC); a backend's reply must come in by its VIP's out port, from the
 * backend's MAC where that is checked, and go to a unicast address that is
 * not local.
 *
 * Policy choices (README "Robustness" documents them):
 * - IPv4 options are allowed: L4 is parsed at IHL*4 and the options are kept.
 * - Fragments: a first one (offset 0, with the ports) is balanced like a
 *   whole datagram and its verdict recorded (nodes/lb_frag_table.h); later
 *   ones go to lb_frag, which sends them where their first went. No
 *   reassembly: tiny, overlapping and oversize ones are dropped by reason.
 * - Headers must sit in the first mbuf segment; the IPv4 total length is
 *   checked against the whole packet (Ethernet padding is allowed).
 */
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nodes/lb_frag_table.h"
#include "nodes/lb_key_table.h"
#include "nodes/lb_node_util.h"

#define NEXT_HASH LB_NEXT_OWN(0)
#define NEXT_REVERSE LB_NEXT_OWN(1)
#define NEXT_ICMP LB_NEXT_OWN(2)
#define NEXT_PUNT LB_NEXT_OWN(3)
#define NEXT_KERNEL LB_NEXT_OWN(4)
#define NEXT_ICMP_FWD LB_NEXT_OWN(5)
#define NEXT_ICMP_ERR LB_NEXT_OWN(6)
#define NEXT_FRAG LB_NEXT_OWN(7)
#define FRAG_FIRST RTE_EDGE_ID_INVALID /* fragment(): go on, as a first fragment */

#define ICMP_DEST_UNREACHABLE 3
#define ICMP_TIME_EXCEEDED 11

#define ICMP_ECHO_REQUEST 8

static inline bool
martian_source(rte_be32_t src)
{
	uint8_t first = ((const uint8_t *)&src)[0];
	return first == 0 || first == 127 || first >= 224;
}

static inline bool
src_mac_is(const uint8_t *frame, const struct rte_ether_addr *mac)
{
	return rte_is_same_ether_addr((const struct rte_ether_addr *)(frame + RTE_ETHER_ADDR_LEN), mac);
}

/* VIP traffic from a backend's address (a one-arm set-up, or a backend that
 * is a client of another VIP): only from that backend's side, never from a
 * backend endpoint. NEXT_HASH when it may go on. */
static __rte_noinline rte_edge_t
backend_as_client(const struct lb_tables *t, const struct rte_mbuf *m, const uint8_t *frame,
		  const struct rte_ipv4_hdr *ip, rte_be16_t sport)
{
	if (lb_key_find(t->rev_table, lb_key_make(ip->src_addr, sport, ip->next_proto_id)) >= 0)
		return LB_NEXT_DROP(LB_DROP_SPOOFED_BACKEND);
	const int h = lb_key_find(t->src_table, lb_src_port_key(ip->src_addr, m->port));
	if (h < 0 || (t->src_hosts[h].check_mac && !src_mac_is(frame, &t->src_hosts[h].mac)))
		return LB_NEXT_DROP(LB_DROP_SPOOFED_BACKEND);
	return NEXT_HASH;
}

/* LB_SRC_LOCAL, LB_SRC_BACKEND, or -1 for an address the source table does
 * not have, most often known from its filter bit alone. */
static __rte_always_inline int
src_class(const struct lb_tables *t, rte_be32_t addr)
{
	const uint32_t b = lb_src_filter_bit(t->src_filter_mult, addr);
	if (likely(!((t->src_filter[b >> 6] >> (b & 63)) & 1)))
		return -1;
	return lb_key_find(t->src_table, lb_src_key(addr));
}

/* For the host behind the arrival port's kernel interface (the destination
 * is that port's address): from no martian or local source. */
static __rte_noinline rte_edge_t
to_kernel(const struct lb_tables *t, rte_be32_t src)
{
	if (martian_source(src) || src_class(t, src) == LB_SRC_LOCAL)
		return LB_NEXT_DROP(LB_DROP_MARTIAN_SRC);
	return NEXT_KERNEL;
}

/* A port's own address (ICMP errors to one are the host's, or nobody's). */
static __rte_noinline bool
port_address(const struct lb_tables *t, rte_be32_t dst)
{
	for (uint16_t i = 0; i < t->nb_ports; i++)
		if (t->ports[t->port_ids[i]].addr == dst)
			return true;
	return false;
}

/* Not for a VIP, nor a backend's reply: to a port address with a kernel
 * interface, the wrong way in (a port's address is reached by that port
 * only), or nothing lb-graph serves. */
static __rte_noinline rte_edge_t
not_served(const struct lb_tables *t, rte_be32_t dst)
{
	for (uint16_t i = 0; i < t->nb_ports; i++) {
		const struct lb_port_dp *p = &t->ports[t->port_ids[i]];
		if (p->has_kernel && p->addr == dst)
			return LB_NEXT_DROP(LB_DROP_WRONG_PORT);
	}
	return LB_NEXT_DROP(LB_DROP_NO_VIP);
}

/* An ICMP error not to a local address: only from a backend, by its VIP's
 * out port and from its MAC, to an address lb-graph could forward to;
 * lb_icmp_fwd checks the quote. */
static __rte_noinline rte_edge_t
backend_icmp_error(const struct lb_tables *t, struct rte_mbuf *m, const uint8_t *frame,
		   const struct rte_ipv4_hdr *ip)
{
	if (src_class(t, ip->src_addr) != LB_SRC_BACKEND)
		return not_served(t, ip->dst_addr);
	const int h = lb_key_find(t->src_table, lb_src_port_key(ip->src_addr, m->port));
	if (h < 0 || (t->src_hosts[h].check_mac && !src_mac_is(frame, &t->src_hosts[h].mac)))
		return LB_NEXT_DROP(LB_DROP_SPOOFED_BACKEND);
	if (martian_source(ip->dst_addr) || src_class(t, ip->dst_addr) == LB_SRC_LOCAL)
		return LB_NEXT_DROP(LB_DROP_MARTIAN_DST);
	if (ip->time_to_live <= 1)
		return LB_NEXT_DROP(LB_DROP_TTL_EXPIRED); /* no error about an error */
	lb_meta(m)->from_backend = true;
	return NEXT_ICMP_FWD;
}

/* A fragment (lb_classify saw MF or an offset): FRAG_FIRST for a first one
 * of TCP/UDP, which goes on as a datagram; NEXT_FRAG for a later one
 * (lb_frag); else a drop, or the kernel interface for the port's address
 * (the host reassembles its own). No ICMP errors about later fragments
 * (RFC 1812 4.3.2.7): TTL-expired ones are dropped. */
static __rte_noinline rte_edge_t
fragment(const struct lb_tables *t, const struct lb_port_dp *in, const struct rte_ipv4_hdr *ip, uint32_t ihl,
	 uint32_t total_len)
{
	if (ip->dst_addr == in->addr && in->has_kernel)
		return to_kernel(t, ip->src_addr);
	if (ip->next_proto_id != IPPROTO_TCP && ip->next_proto_id != IPPROTO_UDP)
		return LB_NEXT_DROP(LB_DROP_FRAGMENT);
	const uint16_t field = rte_be_to_cpu_16(ip->fragment_offset);
	const uint32_t off = (uint32_t)(field & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
	const uint32_t len = total_len - ihl;
	if (len == 0 || ((field & RTE_IPV4_HDR_MF_FLAG) && (len & 7)))
		return LB_NEXT_DROP(LB_DROP_FRAG_TINY);
	if (ihl + off + len > UINT16_MAX)
		return LB_NEXT_DROP(LB_DROP_FRAG_TOO_LONG);
	if (off == 0)
		return FRAG_FIRST;
	if (ip->next_proto_id == IPPROTO_TCP && off == 8) /* RFC 1858: rewriting the first's flags */
		return LB_NEXT_DROP(LB_DROP_FRAG_TINY);
	if (martian_source(ip->src_addr) || src_class(t, ip->src_addr) == LB_SRC_LOCAL)
		return LB_NEXT_DROP(LB_DROP_MARTIAN_SRC);
	if (ip->time_to_live <= 1)
		return LB_NEXT_DROP(LB_DROP_TTL_EXPIRED);
	return NEXT_FRAG;
}

/* A first fragment about to go on by `next`: its datagram's entry, PENDING
 * until it is sent (nodes/lb_frag_table.h); a second first is frag_overlap. */
static __rte_noinline rte_edge_t
first_fragment(struct lb_frag_table *ft, const struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t total_len,
	       rte_edge_t next)
{
	if (ft && !lb_frag_record(ft, lb_frag_key_of(ip), (uint16_t)(total_len - ihl), rte_get_tsc_cycles()))
		return LB_NEXT_DROP(LB_DROP_FRAG_OVERLAP);
	return next;
}

struct classify_arg {
	const struct lb_tables *tables;
	bool drop_all;
	struct lb_frag_table *frags; /* this worker's */
};

static __rte_always_inline rte_edge_t
classify_one(struct rte_mbuf *m, void *arg)
{
	const struct lb_tables *t = ((const struct classify_arg *)arg)->tables;
	const bool drop_all = ((const struct classify_arg *)arg)->drop_all;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint32_t seg_len = rte_pktmbuf_data_len(m);
	uint32_t l3 = sizeof(struct rte_ether_hdr);
	uint16_t ether_type;

	if (unlikely(seg_len < l3))
		return LB_NEXT_DROP(LB_DROP_TRUNCATED);
	ether_type = ((const struct rte_ether_hdr *)p)->ether_type;
	if (ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
		l3 += sizeof(struct rte_vlan_hdr);
		if (unlikely(seg_len < l3))
			return LB_NEXT_DROP(LB_DROP_TRUNCATED);
		ether_type = ((const struct rte_vlan_hdr *)(p + l3 - sizeof(struct rte_vlan_hdr)))->eth_proto;
	}
	/* Ours: to the port's MAC (or any unicast MAC with dst_mac = any), or
	 * broadcast/multicast ARP. Undefined ports match no MAC. */
	if (unlikely(m->port >= RTE_MAX_ETHPORTS))
		return LB_NEXT_DROP(LB_DROP_NOT_FOR_US);
	const struct lb_port_dp *in = &t->ports[m->port];
	if (unlikely(rte_is_multicast_ether_addr((const struct rte_ether_addr *)p)
			     ? ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP)
			     : lb_mac48(p) != in->mac48 && !in->any_dst_mac))
		return LB_NEXT_DROP(LB_DROP_NOT_FOR_US);
	if (unlikely(ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		if (ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP) && t->nb_addr_ports)
			return NEXT_PUNT; /* the control plane checks its length */
		return LB_NEXT_DROP(LB_DROP_ETHERTYPE); /* IPv6, QinQ, ... */
	}

	if (unlikely(seg_len < l3 + sizeof(struct rte_ipv4_hdr)))
		return LB_NEXT_DROP(LB_DROP_TRUNCATED);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + l3);
	if (unlikely((ip->version_ihl >> 4) != 4))
		return LB_NEXT_DROP(LB_DROP_BAD_VERSION);
	const uint32_t ihl = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	if (unlikely(ihl < sizeof(struct rte_ipv4_hdr)))
		return LB_NEXT_DROP(LB_DROP_BAD_IHL);
	if (unlikely(seg_len < l3 + ihl))
		return LB_NEXT_DROP(LB_DROP_TRUNCATED);
	const uint32_t total_len = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(total_len < ihl || l3 + total_len > rte_pktmbuf_pkt_len(m)))
		return LB_NEXT_DROP(LB_DROP_BAD_TOTAL_LEN);
	/* The L4 header must end inside both the segment and the IP packet. */
	const uint32_t l4 = l3 + ihl;
	const uint32_t l4_end = RTE_MIN(seg_len, l3 + total_len);
	struct lb_mbuf_meta *meta = lb_meta(m);
	rte_be16_t sport, dport;
	int index;
	bool frag_first = false;

	meta->l3_off = l3;
	meta->l4_off = l4;
	meta->frag_first = false;
	if (unlikely(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		const rte_edge_t e = fragment(t, in, ip, ihl, total_len);
		if (e != FRAG_FIRST) {
			meta->frag_retried = false; /* lb_frag's own mark */
			return e;
		}
		frag_first = meta->frag_first = true;
	}
	if (ip->next_proto_id == IPPROTO_UDP) {
		if (unlikely(l4 + sizeof(struct rte_udp_hdr) > l4_end))
			return LB_NEXT_DROP(frag_first ? LB_DROP_FRAG_TINY : LB_DROP_TRUNCATED);
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(p + l4);
		const uint32_t udp_len = rte_be_to_cpu_16(udp->dgram_len);
		/* a first fragment's UDP length is the whole datagram's */
		if (unlikely(udp_len < sizeof(*udp) || (udp_len > total_len - ihl && !frag_first)))
			return LB_NEXT_DROP(LB_DROP_BAD_L4_LEN);
		sport = udp->src_port;
		dport = udp->dst_port;
	} else if (ip->next_proto_id == IPPROTO_TCP) {
		if (unlikely(l4 + sizeof(struct rte_tcp_hdr) > l4_end))
			return LB_NEXT_DROP(frag_first ? LB_DROP_FRAG_TINY : LB_DROP_TRUNCATED);
		const struct rte_tcp_hdr *tcp = (const struct rte_tcp_hdr *)(p + l4);
		const uint32_t doff = (tcp->data_off >> 4) * 4u;
		if (unlikely(doff < sizeof(*tcp) || doff > total_len - ihl))
			return LB_NEXT_DROP(frag_first && doff >= sizeof(*tcp) ? LB_DROP_FRAG_TINY : LB_DROP_BAD_L4_LEN);
		sport = tcp->src_port;
		dport = tcp->dst_port;
	} else if (ip->next_proto_id == IPPROTO_ICMP) {
		if (unlikely(l4 + sizeof(struct rte_icmp_hdr) > l4_end))
			return LB_NEXT_DROP(LB_DROP_TRUNCATED);
		const struct rte_icmp_hdr *icmp = (const struct rte_icmp_hdr *)(p + l4);
		const bool echo = icmp->icmp_type == ICMP_ECHO_REQUEST && icmp->icmp_code == 0;
		if (!echo && ip->dst_addr == in->addr && in->has_kernel)
			return to_kernel(t, ip->src_addr);
		const bool error = icmp->icmp_type == ICMP_DEST_UNREACHABLE || icmp->icmp_type == ICMP_TIME_EXCEEDED;
		const bool local = lb_key_find(t->vip_table, lb_key_make(ip->dst_addr, 0, IPPROTO_ICMP)) >= 0;
		if (error && !local)
			return backend_icmp_error(t, m, p, ip);
		if (!(echo || error) || !local)
			return not_served(t, ip->dst_addr);
		/* No replies to where they could not go, nor to ourselves. */
		if (martian_source(ip->src_addr) ||
		    src_class(t, ip->src_addr) == LB_SRC_LOCAL)
			return LB_NEXT_DROP(LB_DROP_MARTIAN_SRC);
		if (error) { /* about a VIP's flow, to its backend: lb_icmp_fwd checks the quote */
			meta->from_backend = false;
			return port_address(t, ip->dst_addr) ? not_served(t, ip->dst_addr) : NEXT_ICMP_FWD;
		}
		return NEXT_ICMP; /* lb_icmp: subnet broadcast sources, the rate */
	} else {
		if (ip->dst_addr == in->addr && in->has_kernel)
			return to_kernel(t, ip->src_addr);
		return not_served(t, ip->dst_addr); /* VIPs are TCP or UDP only */
	}

	index = lb_key_find(t->vip_table, lb_key_make(ip->dst_addr, dport, ip->next_proto_id));
	if (index < 0) {
		if (unlikely(ip->dst_addr == in->addr) && in->has_kernel)
			return to_kernel(t, ip->src_addr);
		/* Not for a VIP: maybe a backend's reply, to map back to its VIP. */
		index = lb_key_find(t->rev_table, lb_key_make(ip->src_addr, sport, ip->next_proto_id));
		if (index < 0)
			return not_served(t, ip->dst_addr);
		const struct lb_rev_entry *rev = &t->rev[index];
		const struct lb_vip *vip = t->vips[rev->vip];
		const struct lb_backend *be = &vip->backends[rev->backend];
		if (unlikely(m->port != vip->out_port_id || (be->check_src_mac && !src_mac_is(p, &be->mac))))
			return LB_NEXT_DROP(LB_DROP_SPOOFED_BACKEND);
		/* Subnets' network and broadcast addresses: lb_reverse's route. */
		if (unlikely(martian_source(ip->dst_addr) ||
			     src_class(t, ip->dst_addr) == LB_SRC_LOCAL))
			return LB_NEXT_DROP(LB_DROP_MARTIAN_DST);
		if (unlikely(ip->time_to_live <= 1))
			return NEXT_ICMP_ERR;
		meta->vip = vip;
		if (unlikely(frag_first))
			return first_fragment(((const struct classify_arg *)arg)->frags, ip, ihl, total_len, NEXT_REVERSE);
		return NEXT_REVERSE;
	}
	if (unlikely(martian_source(ip->src_addr)))
		return LB_NEXT_DROP(LB_DROP_MARTIAN_SRC);
	const int src = src_class(t, ip->src_addr);
	if (unlikely(src >= 0)) {
		if (src == LB_SRC_LOCAL) /* a VIP (the destination itself, say) or a port address */
			return LB_NEXT_DROP(LB_DROP_MARTIAN_SRC);
		const rte_edge_t e = backend_as_client(t, m, p, ip, sport);
		if (e != NEXT_HASH)
			return e;
	}
	if (unlikely(ip->time_to_live <= 1))
		return NEXT_ICMP_ERR; /* time exceeded, from the arrival port's address */
	if (unlikely(drop_all))
		return LB_NEXT_DROP(LB_DROP_POLICY);

	meta->vip = t->vips[index];
	if (unlikely(frag_first))
		return first_fragment(((const struct classify_arg *)arg)->frags, ip, ihl, total_len, NEXT_HASH);
	return NEXT_HASH;
}

static __rte_always_inline uint16_t
lb_classify_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs,
                     const bool scalar)
{
	struct classify_arg arg = {
		.tables = lb_tables_get(),
		.drop_all = __atomic_load_n(&lb_dp.drop_all, __ATOMIC_RELAXED),
		.frags = lb_dp.frags[graph->id],
	};

	lb_process_stream(graph, node, objs, nb_objs, classify_one, &arg, scalar);
	lb_counters[graph->id].rx += nb_objs;
	return nb_objs;
}

LB_NODE_LOOPS(lb_classify_process)

static struct rte_node_register lb_classify_node = {
	.name = "lb_classify",
	.process = lb_classify_process_quad,
	.init = lb_classify_process_init,
	.nb_edges = LB_DROP_COUNT + 8,
	.next_nodes = {LB_DROP_EDGES[NEXT_HASH] = "lb_hash", [NEXT_REVERSE] = "lb_reverse",
		       [NEXT_ICMP] = "lb_icmp", [NEXT_PUNT] = "lb_punt", [NEXT_KERNEL] = "lb_to_kernel",
		       [NEXT_ICMP_FWD] = "lb_icmp_fwd", [NEXT_ICMP_ERR] = "lb_icmp_err",
		       [NEXT_FRAG] = "lb_frag"},
};

RTE_NODE_REGISTER(lb_classify_node);
