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
	const uint16_t new_ttl_word = rte_cpu_to_be_16(rte_be_to_cpu_16(old_ttl_word) - 0x100);
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
