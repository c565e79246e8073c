/* Building and checking test frames, independently of the data path: the
 * checksums here are full RFC 1071 computations, the reference that the
 * nodes' incremental updates are held to. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 9216

struct pkt_spec {
	uint8_t dst_mac[6], src_mac[6];
	int vlan;        /* 802.1Q VLAN id, or -1 for none */
	uint32_t src;    /* network order */
	uint32_t dst;    /* network order */
	uint16_t sport;  /* host order */
	uint16_t dport;  /* host order */
	uint8_t proto;   /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t ttl;
	uint8_t tcp_flags;  /* 0: SYN, unless tcp_no_flags */
	bool tcp_no_flags;
	bool udp_no_cksum; /* send a UDP checksum of 0 */
	uint16_t payload_len;
	const uint8_t *payload; /* NULL: filled with a pattern */
};

/* Write the frame into buf; returns its length (0 if it does not fit). */
size_t pkt_build(uint8_t *buf, size_t cap, const struct pkt_spec *s);

/* One's complement sum of len bytes (RFC 1071), not inverted. */
uint32_t pkt_sum(const void *data, size_t len, uint32_t sum);
uint16_t pkt_fold(uint32_t sum);

/* Parsed view of a frame built by pkt_build (or rewritten by lb-graph). */
struct pkt_view {
	size_t l3, l4, len;
	uint8_t *ip, *l4p;
	uint8_t proto;
	uint32_t src, dst;     /* network order */
	uint16_t sport, dport; /* host order */
	uint16_t l4_cksum;     /* as in the packet */
};
int pkt_parse(uint8_t *frame, size_t len, struct pkt_view *v);

/* Recompute both checksums from scratch and store them. */
void pkt_fix_cksums(struct pkt_view *v);
/* The checksums as a full recomputation gives them (UDP: 0 -> 0xffff). */
uint16_t pkt_ip_cksum(const struct pkt_view *v);
uint16_t pkt_l4_cksum(const struct pkt_view *v);

/* pcap file output with libpcap. */
struct pkt_pcap;
struct pkt_pcap *pkt_pcap_open(const char *path);
void pkt_pcap_write(struct pkt_pcap *p, const uint8_t *frame, size_t len);
void pkt_pcap_close(struct pkt_pcap *p);
