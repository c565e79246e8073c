/* The address-and-port rewrite of both directions of the NAT: the forward
 * path changes the destination (to the backend), the return path the source
 * (to the VIP). TTL - 1 as on any router hop; IPv4 and TCP/UDP checksums
 * updated incrementally (RFC 1624); a UDP checksum of 0 ("none") stays 0 and
 * a computed 0 is sent as 0xffff (RFC 768). The caller has checked the
 * headers are in the first segment (lb_classify). */
#pragma once

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nodes/lb_cksum.h"
#include "nodes/lb_dataplane.h"

/* The TTL/protocol word after TTL - 1 (TTL >= 2: lb_classify drops less). */
static __rte_always_inline uint16_t
lb_nat_ttl_word_dec(uint16_t word)
{
	return rte_cpu_to_be_16(rte_be_to_cpu_16(word) - 0x100);
}

static __rte_always_inline struct lb_nat_delta
lb_nat_delta(rte_be32_t old_addr, rte_be16_t old_port, rte_be32_t new_addr, rte_be16_t new_port)
{
	const uint32_t addr = lb_cksum_delta32(0, old_addr, new_addr);
	/* TTL - 1 changes its word by the same amount whatever the word holds. */
	const uint16_t ttl_before = RTE_BE16(0x4006), ttl_after = lb_nat_ttl_word_dec(ttl_before);

	return (struct lb_nat_delta){
		.ip = lb_cksum_delta16(addr, ttl_before, ttl_after),
		.l4 = lb_cksum_delta16(addr, old_port, new_port),
	};
}

/* TTL - 1 and both checksums; the caller writes the address and port. The
 * TTL word is computed and stored whole, never read back after a byte
 * store (that stalled on store forwarding: half lb_rewrite's cycles). */
static __rte_always_inline void
lb_nat_update(struct rte_ipv4_hdr *ip, struct rte_udp_hdr *ports, struct lb_nat_delta d)
{
	uint16_t *ttl_word = (uint16_t *)&ip->time_to_live;

	*ttl_word = lb_nat_ttl_word_dec(*ttl_word);
	ip->hdr_checksum = lb_cksum_end(lb_cksum_begin(ip->hdr_checksum) + d.ip);
	if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)ports;
		tcp->cksum = lb_cksum_end(lb_cksum_begin(tcp->cksum) + d.l4);
	} else if (ports->dgram_cksum != 0) {
		const uint16_t ck = lb_cksum_end(lb_cksum_begin(ports->dgram_cksum) + d.l4);
		ports->dgram_cksum = ck == 0 ? 0xffff : ck;
	}
}

/* TTL - 1 and the destination (dst) or the source address replaced by to,
 * the IPv4 checksum updated: the whole rewrite of a packet whose TCP/UDP
 * header is not there (a later fragment) or not its own (an ICMP error's
 * outer header). */
static __rte_always_inline void
lb_nat_ip_addr(struct rte_ipv4_hdr *ip, bool dst, rte_be32_t to)
{
	uint16_t *ttl_word = (uint16_t *)&ip->time_to_live;
	const uint16_t old_ttl = *ttl_word;
	*ttl_word = lb_nat_ttl_word_dec(old_ttl);
	const uint32_t s = lb_cksum_delta16(lb_cksum_begin(ip->hdr_checksum), old_ttl, *ttl_word);
	ip->hdr_checksum = lb_cksum_end(lb_cksum_delta32(s, dst ? ip->dst_addr : ip->src_addr, to));
	if (dst)
		ip->dst_addr = to;
	else
		ip->src_addr = to;
}

/* Forward: destination VIP -> backend. lb_classify matched the packet's
 * destination address and port to its VIP, so the old values are known and
 * the deltas are the backend's, computed when the tables were built. */
static __rte_always_inline void
lb_nat_dst_to_backend(struct rte_mbuf *m, const struct lb_mbuf_meta *meta,
		      const struct lb_backend *be)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + meta->l3_off);
	/* TCP and UDP both start with the source and destination ports. */
	struct rte_udp_hdr *ports = (struct rte_udp_hdr *)(p + meta->l4_off);

	lb_nat_update(ip, ports, be->nat);
	ip->dst_addr = be->addr;
	ports->dst_port = be->port;
}

/* Return: source backend -> VIP (the old values are read from the packet). */
static __rte_always_inline void
lb_nat_src_to_vip(struct rte_mbuf *m, const struct lb_mbuf_meta *meta, const struct lb_vip *vip)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + meta->l3_off);
	struct rte_udp_hdr *ports = (struct rte_udp_hdr *)(p + meta->l4_off);

	lb_nat_update(ip, ports, lb_nat_delta(ip->src_addr, ports->src_port, vip->addr, vip->port));
	ip->src_addr = vip->addr;
	ports->src_port = vip->port;
}
