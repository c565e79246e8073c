/* What the control plane publishes and the graph nodes read.
 *
 * The tables are immutable once published: a change builds a new struct
 * lb_tables beside the old one, swaps the pointer atomically and frees the old
 * one after an RCU grace period (control/lb_tables_build.c, lb_tables_swap).
 * Nodes therefore read them without locks, and a pointer taken in
 * lb_classify stays valid until the worker reports its next quiescent state,
 * which happens between graph walks.
 */
#pragma once

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_graph.h>
#include <rte_mbuf.h>

#include "nodes/lb_flow_hash.h"

#define LB_MAX_VIPS 256
#define LB_MAX_BACKENDS 1024   /* per VIP */
#define LB_MAX_BACKEND_SLOTS 4096 /* counter slots over all VIPs */
#define LB_MAX_WORKERS 32
#define LB_MAX_PORTS 16
#define LB_NAME_SIZE 32

/* What one NAT step changes in the checksums, as RFC 1624 sums: in the IPv4
 * header the address and TTL - 1, in TCP/UDP the (pseudo-header) address
 * and the port (nodes/lb_nat.h). */
struct lb_nat_delta {
	uint32_t ip, l4;
};

struct lb_backend {
	rte_be32_t addr;
	rte_be16_t port;
	struct rte_ether_addr mac; /* next hop for this backend */
	bool resolved;             /* mac is known (from the INI or ARP) */
	/* Frames from this backend must come from mac: its MAC is known and it
	 * is its own next hop (on the out port's subnet, or the port has no
	 * addr), or it is behind the gateway of a port with check_gateway_mac. */
	bool check_src_mac;
	uint16_t slot;             /* index into lb_worker_counters.backend_pkts */
	struct lb_nat_delta nat; /* VIP -> this backend, for lb_nat_dst_to_backend */
};

/* Selection: backend = backends[entry[lb_lookup_slot(hash, size)]]. Filled by Maglev or by
 * weighted modulo (control/lb_lookup_fill.c); the nodes do not care which. */
struct lb_lookup {
	uint32_t size;
	uint16_t entry[];
};

struct lb_vip {
	rte_be32_t addr;
	rte_be16_t port;
	uint8_t proto;              /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t index;             /* index into lb_worker_counters.vip_pkts */
	rte_edge_t tx_edge;         /* lb_rewrite edge to ethdev_tx-<out port> */
	uint16_t out_port_id;       /* ethdev id of the out port: backends' replies arrive there */
	bool out_multi_seg;         /* the out port sends chained mbufs */
	struct rte_ether_addr src_mac; /* MAC of the output port */
	uint32_t nb_backends;
	struct lb_backend *backends;
	struct lb_lookup *lookup;   /* NULL when no backend has a weight */
	char name[LB_NAME_SIZE];
};

/* The host-order netmask of a prefix length (0 to 32). */
static inline uint32_t
lb_prefix_mask(unsigned prefix_len)
{
	return prefix_len ? ~0u << (32 - prefix_len) : 0;
}

/* addr and net (network order) agree on the bits of mask (host order). */
static inline bool
lb_in_subnet(rte_be32_t addr, rte_be32_t net, uint32_t mask)
{
	return ((rte_be_to_cpu_32(addr) ^ rte_be_to_cpu_32(net)) & mask) == 0;
}

/* True when addr is the network or the broadcast address of a subnet of
 * mask (host order) that has them (prefix length 30 or less). */
static inline bool
lb_subnet_edge(rte_be32_t addr, uint32_t mask)
{
	const uint32_t host = rte_be_to_cpu_32(addr) & ~mask;
	return (~mask >= 3) && (host == 0 || host == ~mask);
}

/* The first 6 bytes at p (a MAC) as one integer, for one compare. */
static __rte_always_inline uint64_t
lb_mac48(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v)); /* callers have 8 bytes at p: the Ethernet header is 14 */
	return rte_le_to_cpu_64(v) & 0xffffffffffffull;
}
#define LB_MAC48_NONE UINT64_MAX /* matches no frame: a port that is not defined */

/* A port as the data path sees it, indexed by ethdev port id. */
struct lb_port_dp {
	bool defined;
	bool any_dst_mac;          /* [port] dst_mac = any: unicast to any MAC is taken */
	bool multi_seg;            /* the port sends chained mbufs */
	rte_edge_t tx_edge;        /* from every transmitting node to ethdev_tx-<port> */
	uint64_t mac48;            /* mac as lb_mac48 reads it; LB_MAC48_NONE when not defined */
	struct rte_ether_addr mac;
	rte_be32_t addr;           /* 0: no address */
	uint32_t mask;             /* host order */
	rte_be32_t gateway;        /* 0: none */
	uint32_t icmp_rate;        /* echo replies per second and worker polling it; 0: none */
	uint32_t icmp_burst;
};

/* What the source-address table (lb_tables.src_table) says of an address:
 * lb_src_key(addr) -> LB_SRC_LOCAL (a VIP or a port address) or
 * LB_SRC_BACKEND (some backend's address); lb_src_port_key(addr, port id)
 * -> index into src_hosts[] of a backend address on its VIP's out port. */
#define LB_SRC_LOCAL 0
#define LB_SRC_BACKEND 1
#define LB_KEY_PROTO_SRC 255      /* not a protocol lb-graph balances */
#define LB_KEY_PROTO_SRC_PORT 254

#define LB_SRC_FILTER_LOG2 9
#define LB_SRC_FILTER_BITS (1u << LB_SRC_FILTER_LOG2)

static __rte_always_inline uint32_t
lb_src_filter_bit(uint32_t mult, rte_be32_t addr)
{
	return (uint32_t)(addr * mult) >> (32 - LB_SRC_FILTER_LOG2);
}

struct lb_src_host {
	struct rte_ether_addr mac; /* its frames' source MAC, when check_mac */
	bool check_mac;
};

/* A return-path entry: the backend whose replies a rev_table key maps. */
struct lb_rev_entry {
	uint16_t vip;     /* index into vips[] */
	uint16_t backend; /* index into that VIP's backends[] */
};

struct rte_hash;
struct lb_key_table;
struct lb_tables {
	/* lb_key_make(addr, port, proto) of a VIP -> index into vips[]; a local
	 * address (a VIP's or a port's, answered for ICMP echo) is
	 * lb_key_make(addr, 0, IPPROTO_ICMP) -> LB_KEY_LOCAL. */
	struct lb_key_table *vip_table;
	struct lb_key_table *rev_table; /* a backend's lb_key -> index into rev[] */
	struct lb_rev_entry *rev;
	struct lb_key_table *src_table; /* see LB_SRC_LOCAL */
	/* A bit per lb_src_filter_bit of every address the source table has:
	 * most sources (clients) are none, and one L1 line says so. */
	uint64_t src_filter[LB_SRC_FILTER_BITS / 64];
	uint32_t src_filter_mult; /* random, odd, per build */
	struct lb_src_host *src_hosts;
	struct lb_flow_key flow_key;     /* lb_hash's, from [lb] flow_hash and hash_seed */
	uint32_t nb_vips;
	struct lb_vip *vips[LB_MAX_VIPS];
	uint16_t nb_ports;
	uint16_t nb_addr_ports;          /* ports with an address: ARP is on */
	uint16_t port_ids[LB_MAX_PORTS]; /* defined ports, in INI order */
	struct lb_port_dp ports[RTE_MAX_ETHPORTS];
};

/* Neighbours found by ARP: lb_neigh_hash maps an IPv4 address (be32) to a
 * struct lb_neigh. Lock-free readers; the control plane is the only writer
 * and never changes an entry in place: it publishes a new one and frees the
 * old after an RCU grace period (control/lb_arp.c). */
struct lb_neigh {
	struct rte_ether_addr mac;
	uint16_t port_id;
};
extern struct rte_hash *lb_neigh_hash;

/* Rings between the workers and the control plane (app/slowpath.c):
 * lb_punt_ring: ARP frames to the control plane (multi-producer);
 * lb_ctl_tx_ring: frames the control plane sends, via worker 0's lb_ctl_out;
 * lb_resolve_ring: next hops the return path found no MAC for. */
struct rte_ring;
extern struct rte_ring *lb_punt_ring, *lb_ctl_tx_ring, *lb_resolve_ring;

/* The table the workers use now. Read it with lb_tables_get(). */
extern struct lb_tables *lb_tables_current;
/* Global drop switch ("traffic control"): VIP traffic goes to lb_drop-policy. */
extern bool lb_drop_all;
/* The node loop of the graphs created next ([lb] node_loop resolved: true =
 * scalar, false = quad, lb_node_util.h): read by the nodes' init() only,
 * which picks their process function; the fast path never reads it. Set
 * it before rte_graph_create (the unit harness makes one graph of each). */
extern bool lb_graph_loop_scalar;

static inline struct lb_tables *
lb_tables_get(void)
{
	return __atomic_load_n(&lb_tables_current, __ATOMIC_ACQUIRE);
}

/* Per-packet metadata handed from node to node in the mbuf private area. */
struct lb_mbuf_meta {
	const struct lb_vip *vip;
	const struct lb_backend *backend;
	uint16_t l3_off; /* from the start of the frame */
	uint16_t l4_off;
};
#define LB_MBUF_PRIV_SIZE RTE_CACHE_LINE_SIZE /* librte_node wants >= 64 */
static_assert(sizeof(struct lb_mbuf_meta) <= LB_MBUF_PRIV_SIZE, "meta must fit the mbuf private area");

static inline struct lb_mbuf_meta *
lb_meta(struct rte_mbuf *m)
{
	return (struct lb_mbuf_meta *)rte_mbuf_to_priv(m);
}

/* Drop reasons: one registered node "lb_drop-<name>" each. */
#define LB_DROP_REASONS(X)                                                              \
	X(NO_VIP, "no_vip", "TCP/UDP to no VIP and from no backend; other protocols")      \
	X(TRUNCATED, "truncated", "frame ends inside the Ethernet, VLAN, IPv4 or L4 header")   \
	X(NOT_FOR_US, "not_for_us", "destination MAC: another host's (unless dst_mac = any), or broadcast/multicast and not ARP") \
	X(ETHERTYPE, "ethertype", "not IPv4 after one 802.1Q tag at most (IPv6, QinQ; ARP without port addr)")  \
	X(BAD_VERSION, "bad_version", "IP version field is not 4")                            \
	X(BAD_IHL, "bad_ihl", "IPv4 header length below 20 bytes")                            \
	X(BAD_TOTAL_LEN, "bad_total_len", "IPv4 total length below the header length or beyond the frame") \
	X(FRAGMENT, "fragment", "IPv4 fragment, first or not (no reassembly)")                \
	X(TTL_EXPIRED, "ttl_expired", "TTL 0 or 1: would expire on this hop")                 \
	X(MARTIAN_SRC, "martian_src", "source 0/8, 127/8, 224/3, a VIP or a port address; ICMP echo from a subnet broadcast") \
	X(SPOOFED_BACKEND, "spoofed_backend", "a backend's address or endpoint from where that backend is not") \
	X(MARTIAN_DST, "martian_dst", "return traffic to 0/8, 127/8, 224/3, a subnet's network/broadcast, a VIP or a port address") \
	X(BAD_L4_LEN, "bad_l4_len", "UDP length outside 8..IP payload; TCP data offset below 5 or past it") \
	X(POLICY, "policy", "VIP traffic while the global drop switch is on")                \
	X(NO_BACKEND, "no_backend", "the VIP has no backend with a weight")                                 \
	X(NO_NEIGHBOR, "no_neighbor", "no MAC known yet for the next hop (ARP asked)")         \
	X(NO_ROUTE, "no_route", "return traffic to an address no port reaches")                \
	X(PUNT_FULL, "punt_full", "the control plane's queue was full (ARP)")                  \
	X(ICMP_RATE, "icmp_rate", "echo replies beyond the port's icmp_rate")                  \
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

/* Per-worker counters, written only by that worker (index = graph id) and
 * summed by the main lcore on read: no atomics, no locks. */
struct lb_worker_counters {
	uint64_t rx;        /* packets entering lb_classify */
	uint64_t forwarded; /* packets handed to ethdev_tx (ctl_out's included) */
	uint64_t punted;    /* packets handed to the control plane (ARP) */
	uint64_t generated; /* packets the control plane made (ARP), sent by ctl_out */
	uint64_t drops[LB_DROP_COUNT];
	uint64_t vip_pkts[LB_MAX_VIPS];
	uint64_t backend_pkts[LB_MAX_BACKEND_SLOTS];
} __rte_cache_aligned;

extern struct lb_worker_counters lb_counters[LB_MAX_WORKERS];
/* Every packet ends once: rx + generated = sent + drops + punted, with
 * sent = forwarded - drops[tx_full]. */

/* Sum of every worker's counters. */
void lb_counters_sum(struct lb_worker_counters *total);

/* The lookup entry of a 32-bit hash: hash * size / 2^32, which spreads a
 * uniform hash as evenly as hash % size without a division (Lemire's
 * "fastrange"). Everything that predicts lb-graph's choice uses this. */
static inline uint32_t
lb_lookup_slot(uint32_t hash, uint32_t size)
{
	return (uint32_t)(((uint64_t)hash * size) >> 32);
}

/* The entry of a flow hash in a lookup table (lb_hash reads it). */
static inline const uint16_t *
lb_lookup_entry(const struct lb_lookup *lu, uint32_t hash)
{
	return &lu->entry[lb_lookup_slot(hash, lu->size)];
}

static inline const struct lb_backend *
lb_vip_select(const struct lb_vip *vip, uint32_t hash)
{
	return &vip->backends[*lb_lookup_entry(vip->lookup, hash)];
}
