/* The tables the control plane publishes and the nodes read.
 *
 * Immutable once published: a change builds a new struct lb_tables beside
 * the old one, swaps lb_dp.tables (nodes/lb_dataplane.h) and frees the old
 * one after an RCU grace period (control/lb_tables_build.c). Nodes read them
 * without locks; a pointer taken at the start of a node's call stays valid
 * until the worker's next quiescent state, between graph walks. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_graph.h>

#include "nodes/lb_addr.h"
#include "nodes/lb_flow_hash.h"
#include "nodes/lb_limits.h"

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
	uint32_t id;               /* this incarnation (flow-table entries name it) */
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
	uint16_t out_mtu;           /* the out port's mtu: larger packets are too big */
	struct rte_ether_addr src_mac; /* MAC of the output port */
	uint32_t nb_backends;
	struct lb_backend *backends;
	struct lb_lookup *lookup;   /* NULL when no backend has a weight and is up */
	bool all_down;              /* lookup is NULL because every weighted backend is down */
	bool affinity;              /* [vip] affinity = flow: connections keep their backend */
	char name[LB_NAME_SIZE];
};

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
	uint16_t mtu;              /* [port] mtu: the largest IPv4 packet it sends */
	uint32_t icmp_rate;        /* ICMP replies and errors per second and worker polling it; 0: none */
	uint32_t icmp_burst;
	/* [port] kernel: the port's kernel interface (a net_tap port) takes
	 * what comes for addr and lb-graph does not answer itself */
	bool has_kernel;
	rte_edge_t kernel_tx_edge; /* to ethdev_tx-<the tap> */
	uint32_t kernel_rate;      /* packets per second and worker polling the port */
	uint32_t kernel_burst;
	/* The tap's own entry (defined is false): what its kernel sends
	 * leaves by wire_tx_edge (ethdev_tx-<the port>) */
	bool is_kernel;
	bool wire_multi_seg;
	rte_edge_t wire_tx_edge;
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

/* Who holds a backend counter slot now: flow-table entries name a slot
 * and an id, valid while the slot's id is still theirs. */
struct lb_slot {
	uint16_t vip, backend; /* index into vips[], into its backends[] */
	uint32_t id;           /* 0: nobody */
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
	struct lb_slot slots[LB_MAX_BACKEND_SLOTS];
};

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
