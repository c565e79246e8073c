/* The address-and-port rewrite both directions of the NAT share: the
 * forward path changes the destination (to the backend), the return path
 * the source (to the VIP). TTL - 1 as on any router hop; IPv4 and TCP/UDP
 * checksums updated incrementally (RFC 1624); a UDP checksum of 0 ("none")
 * stays 0 and a computed 0 is sent as 0xffff (RFC 768). The caller has
 * checked the headers are in the first segment (lb_classify). */
#pragma once

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nodes/lb_cksum.h"
#include "nodes/lb_dataplane.h"

enum lb_nat_side { LB_NAT_DST, LB_NAT_SRC };

/* The TTL/protocol word after TTL - 1 (TTL >= 2: lb_classify drops less). */
static __rte_always_inline uint16_t
lb_nat_ttl_word_dec(uint16_t word)
{
	return rte_cpu_to_be_16(rte_be_to_cpu_16(word) - 0x100);
}

static __rte_always_inline void
lb_nat_rewrite(struct rte_mbuf *m, const struct lb_mbuf_meta *meta, enum lb_nat_side side,
	       rte_be32_t addr, rte_be16_t port)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + meta->l3_off);
	/* TCP and UDP both start with the source and destination ports. */
	struct rte_udp_hdr *ports = (struct rte_udp_hdr *)(p + meta->l4_off);
	const rte_be32_t old_addr = side == LB_NAT_DST ? ip->dst_addr : ip->src_addr;
	const rte_be16_t old_port = side == LB_NAT_DST ? ports->dst_port : ports->src_port;

	/* IPv4 header: the address, and TTL in the TTL/protocol word. The word
	 * is computed and stored whole: reading it back after a byte store to
	 * the TTL stalls on store forwarding (half lb_rewrite's cycles). TTL >= 2
	 * here (lb_classify), so the decrement borrows nothing from the byte. */
	uint16_t *ttl_word = (uint16_t *)&ip->time_to_live;
	const uint16_t old_ttl_word = *ttl_word;
	const uint16_t new_ttl_word = lb_nat_ttl_word_dec(old_ttl_word);
	*ttl_word = new_ttl_word;
	if (side == LB_NAT_DST)
		ip->dst_addr = addr;
	else
		ip->src_addr = addr;
	uint32_t sum = lb_cksum_begin(ip->hdr_checksum);
	sum = lb_cksum_delta32(sum, old_addr, addr);
	sum = lb_cksum_delta16(sum, old_ttl_word, new_ttl_word);
	ip->hdr_checksum = lb_cksum_end(sum);

	/* L4: the pseudo-header's address and the port. */
	if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)ports;
		sum = lb_cksum_begin(tcp->cksum);
		sum = lb_cksum_delta32(sum, old_addr, addr);
		sum = lb_cksum_delta16(sum, old_port, port);
		tcp->cksum = lb_cksum_end(sum);
	} else if (ports->dgram_cksum != 0) {
		sum = lb_cksum_begin(ports->dgram_cksum);
		sum = lb_cksum_delta32(sum, old_addr, addr);
		sum = lb_cksum_delta16(sum, old_port, port);
		const uint16_t ck = lb_cksum_end(sum);
		ports->dgram_cksum = ck == 0 ? 0xffff : ck;
	}
	if (side == LB_NAT_DST)
		ports->dst_port = port;
	else
		ports->src_port = port;
}

/* Control plane: be's checksum deltas for packets to VIP vip_addr:vip_port
 * (network order), as lb_nat_dst_to_backend adds them. */
static inline void
lb_nat_dst_deltas(rte_be32_t vip_addr, rte_be16_t vip_port, struct lb_backend *be)
{
	const uint32_t addr = lb_cksum_delta32(0, vip_addr, be->addr);
	/* TTL - 1 changes the word by the same amount whatever it holds. */
	const uint16_t ttl_before = RTE_BE16(0x4006), ttl_after = lb_nat_ttl_word_dec(ttl_before);

	be->ip_cksum_delta = lb_cksum_delta16(addr, ttl_before, ttl_after);
	be->l4_cksum_delta = lb_cksum_delta16(addr, vip_port, be->port);
}

/* lb_nat_rewrite(LB_NAT_DST) for a packet whose destination is its VIP's
 * address and port, as lb_classify found it: the checksum updates are the
 * backend's precomputed deltas, one add and one fold each, instead of
 * reading the old values and folding six words. */
static __rte_always_inline void
lb_nat_dst_to_backend(struct rte_mbuf *m, const struct lb_mbuf_meta *meta,
		      const struct lb_backend *be)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + meta->l3_off);
	struct rte_udp_hdr *ports = (struct rte_udp_hdr *)(p + meta->l4_off);
	uint16_t *ttl_word = (uint16_t *)&ip->time_to_live;

	*ttl_word = lb_nat_ttl_word_dec(*ttl_word);
	ip->dst_addr = be->addr;
	ip->hdr_checksum = lb_cksum_end(lb_cksum_begin(ip->hdr_checksum) + be->ip_cksum_delta);
	if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)ports;
		tcp->cksum = lb_cksum_end(lb_cksum_begin(tcp->cksum) + be->l4_cksum_delta);
	} else if (ports->dgram_cksum != 0) {
		const uint16_t ck = lb_cksum_end(lb_cksum_begin(ports->dgram_cksum) + be->l4_cksum_delta);
		ports->dgram_cksum = ck == 0 ? 0xffff : ck;
	}
	ports->dst_port = be->port;
}
