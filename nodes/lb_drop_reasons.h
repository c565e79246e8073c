/* Why a packet is dropped: one node lb_drop-<name> per reason. */
#pragma once


/* Drop reasons: one registered node "lb_drop-<name>" each. */
#define LB_DROP_REASONS(X)                                                              \
	X(NO_VIP, "no_vip", "TCP/UDP to no VIP and from no backend; other protocols")      \
	X(TRUNCATED, "truncated", "frame ends inside the Ethernet, VLAN, IPv4 or L4 header")   \
	X(NOT_FOR_US, "not_for_us", "destination MAC: another host's (unless dst_mac = any), or broadcast/multicast and not ARP") \
	X(ETHERTYPE, "ethertype", "not IPv4 after one 802.1Q tag at most (IPv6, QinQ; ARP without port addr)")  \
	X(BAD_VERSION, "bad_version", "IP version field is not 4")                            \
	X(BAD_IHL, "bad_ihl", "IPv4 header length below 20 bytes")                            \
	X(BAD_TOTAL_LEN, "bad_total_len", "IPv4 total length below the header length or beyond the frame") \
	X(FRAGMENT, "fragment", "a fragment of ICMP or another protocol than TCP/UDP")          \
	X(FRAG_TINY, "frag_tiny", "a first fragment without its whole TCP/UDP header, a TCP fragment at offset 8, a fragment before the last not a multiple of 8 bytes") \
	X(FRAG_TOO_LONG, "frag_too_long", "a fragment that would make the datagram longer than 65535 bytes") \
	X(FRAG_OVERLAP, "frag_overlap", "a fragment overlapping one passed (duplicates too), or a 7th separate piece of a datagram") \
	X(FRAG_ORPHAN, "frag_orphan", "a later fragment with no first fragment on this worker and no room to hold it") \
	X(FRAG_TIMEOUT, "frag_timeout", "a later fragment held frag_timeout_ms without its first (or at shutdown)") \
	X(TTL_EXPIRED, "ttl_expired", "TTL 0 or 1, and no time exceeded sent: the arrival port has no address; an ICMP error")                 \
	X(MARTIAN_SRC, "martian_src", "source 0/8, 127/8, 224/3, a VIP or a port address; ICMP echo from a subnet broadcast") \
	X(SPOOFED_BACKEND, "spoofed_backend", "a backend's address or endpoint from where that backend is not") \
	X(MARTIAN_DST, "martian_dst", "return traffic to 0/8, 127/8, 224/3, a subnet's network/broadcast, a VIP or a port address") \
	X(BAD_L4_LEN, "bad_l4_len", "UDP length outside 8..IP payload; TCP data offset below 5 or past it") \
	X(POLICY, "policy", "VIP traffic while the global drop switch is on")                \
	X(NO_BACKEND, "no_backend", "the VIP has no backend with a weight")                                 \
	X(NO_HEALTHY_BACKEND, "no_healthy_backend", "every backend of the VIP with a weight is down (all_down = drop)") \
	X(NO_NEIGHBOR, "no_neighbor", "no MAC known yet for the next hop (ARP asked)")         \
	X(NO_ROUTE, "no_route", "return traffic to an address no port reaches")                \
	X(PUNT_FULL, "punt_full", "the control plane's queue was full (ARP)")                  \
	X(ICMP_RATE, "icmp_rate", "ICMP echo replies, errors lb-graph sends or relays, beyond the port's icmp_rate")                  \
	X(KERNEL_RATE, "kernel_rate", "to a port's kernel interface beyond its kernel_rate") \
	X(WRONG_PORT, "wrong_port", "to the address of a port with a kernel interface, arriving by another port") \
	X(ICMP_INNER, "icmp_inner", "an ICMP error whose quote is truncated, a fragment, not TCP/UDP or no VIP's flow") \
	X(TOO_BIG, "too_big", "larger than the out port's mtu: without DF (lb-graph does not fragment), or no address on the arrival port to say so from") \
	X(TX_CHAINED, "tx_chained", "a chained mbuf for a port that cannot send one")          \
	X(TX_FULL, "tx_full", "the output queue was full (from ethdev_tx)")

enum lb_drop_reason {
#define LB_DROP_ENUM(e, name, doc) LB_DROP_##e,
	LB_DROP_REASONS(LB_DROP_ENUM)
#undef LB_DROP_ENUM
	LB_DROP_COUNT
};

extern const char *const lb_drop_reason_names[LB_DROP_COUNT];
extern const char *const lb_drop_reason_docs[LB_DROP_COUNT];

#define LB_DROP_NODE_PREFIX "lb_drop-"
