/* The INI file, parsed and validated as a whole before anything is touched. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "nodes/lb_dataplane.h"

#define LB_CFG_MAX_RX_PER_WORKER 16
#define LB_CFG_STR_SIZE 512

#define LB_MAX_WEIGHT 1000
#define LB_DEFAULT_TABLE_SIZE 65537
#define LB_MAX_TABLE_SIZE 1048573 /* largest prime below 2^20 */
#define LB_DEFAULT_ICMP_RATE 100
#define LB_MAX_ICMP_RATE 1000000
#define LB_IFNAME_SIZE 16 /* IFNAMSIZ */
#define LB_DEFAULT_KERNEL_RATE 10000
#define LB_MAX_KERNEL_RATE 10000000
#define LB_DEFAULT_MTU 1500
#define LB_MIN_MTU 576 /* RFC 791: every host takes 576-byte datagrams */
#define LB_MAX_MTU 9216

struct lb_cfg_backend {
	rte_be32_t addr;
	uint16_t port; /* host order */
	struct rte_ether_addr mac;
	bool has_mac;    /* false: found by ARP on the VIP's out_port */
	uint32_t weight; /* 0 = drained: no new flow hashes to it */
	uint16_t slot;   /* its counters in lb_worker_counters.backend_pkts */
	int line;
	/* Run time, never in the INI: its health check says down, or an
	 * operator forced it down (control/lb_health.c); kept apart from the
	 * weight, the admin state. */
	bool down;
	/* Run time: this incarnation, new on every add and every health down
	 * (flow-table entries of the old one reselect); 0 from the INI: the
	 * tables use slot + 1. */
	uint32_t id;
};

enum lb_check_kind { LB_CHECK_NONE, LB_CHECK_TCP, LB_CHECK_HTTP, LB_CHECK_UDP };
enum lb_all_down { LB_ALL_DOWN_DROP, LB_ALL_DOWN_OPEN };
#define LB_CHECK_TEXT_SIZE 256

/* [vip] check*: how its backends are checked. */
struct lb_cfg_check {
	enum lb_check_kind kind;
	uint16_t port;         /* 0: the backend's */
	uint32_t interval_ms;  /* plus up to 10% jitter */
	uint32_t timeout_ms;
	uint32_t rise, fall;
	char path[LB_CHECK_TEXT_SIZE];   /* http */
	char host[LB_CHECK_TEXT_SIZE];   /* http Host header, "" = the backend's address */
	uint64_t status[8];              /* http: bit (code - 100) for each expected code */
	char status_text[64];            /* as written, for the dump */
	char send[LB_CHECK_TEXT_SIZE];   /* udp payload */
	char expect[LB_CHECK_TEXT_SIZE]; /* udp: the reply must contain it, "" = any reply */
};

enum lb_hash_kind { LB_HASH_MAGLEV, LB_HASH_MODULO };

struct lb_cfg_vip {
	char name[LB_NAME_SIZE];
	rte_be32_t addr;
	uint16_t port; /* host order */
	uint8_t proto;
	uint16_t out_port; /* INI port index */
	enum lb_hash_kind hash;
	uint32_t table_size; /* maglev: prime number of lookup entries */
	uint32_t nb_backends;
	struct lb_cfg_backend *backends; /* malloc'ed, LB_MAX_BACKENDS at most */
	struct lb_cfg_check check;
	enum lb_all_down all_down; /* every backend with a weight down: drop, or use them all */
	bool affinity;             /* flow: connections keep their backend (the flow table); none: stateless */
	int line;
};

struct lb_cfg_port {
	bool defined;
	char dev[LB_CFG_STR_SIZE];
	uint16_t rx_queues;
	uint16_t rx_desc;
	uint16_t tx_desc;
	bool promiscuous;
	rte_be32_t addr;    /* 0: no address (no ARP on this port) */
	uint8_t prefix_len;
	rte_be32_t gateway; /* 0: none */
	bool any_dst_mac;       /* dst_mac = any: unicast frames to any MAC are ours */
	bool check_gateway_mac; /* replies of routed backends only from the gateway's MAC */
	uint32_t icmp_rate;     /* echo replies per second, 0: none */
	uint32_t icmp_burst;    /* 0: as icmp_rate */
	char kernel[LB_IFNAME_SIZE]; /* the port's kernel interface (net_tap), "" = none */
	uint32_t kernel_rate;   /* packets per second to that interface */
	uint32_t kernel_burst;  /* 0: as kernel_rate */
	uint32_t mtu;           /* the largest IPv4 packet sent on the port */
	int line;
};

/* A MAC a host can have: unicast and not all zeros. */
static inline bool
lb_mac_is_host(const struct rte_ether_addr *mac)
{
	return rte_is_unicast_ether_addr(mac) && !rte_is_zero_ether_addr(mac);
}

/* True when addr is in the port's connected subnet. */
static inline bool
lb_cfg_port_on_link(const struct lb_cfg_port *p, rte_be32_t addr)
{
	return p->addr && lb_in_subnet(addr, p->addr, lb_prefix_mask(p->prefix_len));
}

struct lb_cfg_rxq {
	uint16_t port; /* INI port index */
	uint16_t queue;
};

struct lb_cfg_worker {
	unsigned lcore;
	unsigned cpu;
	uint16_t nb_rx;
	struct lb_cfg_rxq rx[LB_CFG_MAX_RX_PER_WORKER];
	int line;
};

struct lb_config {
	char path[LB_CFG_STR_SIZE];
	/* [eal] */
	char eal_args[LB_CFG_STR_SIZE];
	unsigned main_lcore;
	unsigned main_cpu;
	unsigned mbufs; /* 0: sized from ports and workers */
	/* [lb] */
	uint64_t hash_seed[2]; /* 128 bits, [0] the low 64; secret (never printed) */
	char hash_seed_file[LB_CFG_STR_SIZE]; /* where it was read from, or "" */
	enum lb_flow_hash_kind flow_hash;
	bool drop;
	unsigned stats_interval; /* seconds, 0 = no periodic line */
	bool graph_stats;
	/* node_loop: auto = quad on hugepages, scalar on 4 KB pages (the faster
	 * of the two on each, README "Performance"); lb-graph resolves it. */
	enum lb_node_loop { LB_LOOP_AUTO, LB_LOOP_SCALAR, LB_LOOP_QUAD } node_loop;
	/* the flow table, per worker */
	uint32_t flow_entries;  /* a power of two */
	uint32_t flow_timeout_s[4]; /* LB_FLOW_SYN, _EST, _FIN, _UDP */
	uint32_t flow_guard_rate; /* new entries per second per worker at most */
	/* the fragment table, per worker (nodes/lb_frag_table.h) */
	uint32_t frag_entries;    /* a power of two */
	uint32_t frag_timeout_ms; /* an entry's and a held fragment's life */
	uint32_t frag_hold;       /* later fragments held for their first, 0: none */
	/* [port.N], indexed by N */
	struct lb_cfg_port ports[LB_MAX_PORTS];
	/* [worker.L] in file order: graph id = position */
	unsigned nb_workers;
	struct lb_cfg_worker workers[LB_MAX_WORKERS];
	unsigned nb_vips;
	struct lb_cfg_vip vips[LB_MAX_VIPS];
};

/* The seed's low 32 bits: Maglev's permutations and flow_hash = crc32c. */
static inline uint32_t
lb_config_seed32(const struct lb_config *cfg)
{
	return (uint32_t)cfg->hash_seed[0];
}

/* Parse and validate path into cfg (control/lb_config_load.c). On error
 * print one line "path:LINE: key 'x': reason" to err and return -1. */
int lb_config_load(const char *path, struct lb_config *cfg, FILE *err);
/* The same from an open stream; name stands for the path in cfg and in
 * errors. */
int lb_config_load_stream(FILE *f, const char *name, struct lb_config *cfg, FILE *err);
void lb_config_free(struct lb_config *cfg);

/* Why backend b cannot go in VIP v of cfg (NULL when it can): a MAC is
 * needed unless the out port has an address, and one backend address and
 * port may serve one VIP per protocol only (the return path maps it back);
 * the first nb_vips VIPs of cfg are compared with. */
const char *lb_config_backend_conflict(const struct lb_config *cfg, const struct lb_cfg_vip *v,
				       const struct lb_cfg_backend *b, unsigned nb_vips);

/* Write cfg back (control/lb_config_write.c) as an INI file that lb_config_load reads to the same
 * configuration (comments are not kept). */
void lb_config_write(FILE *f, const struct lb_config *cfg);

/* Value parsers (control/lb_config_parse.c), shared with the control API
 * and the tools; 0 on success. */
int lb_parse_ipv4(const char *s, rte_be32_t *addr);
int lb_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
/* on/yes/true/1 or off/no/false/0, any case: the INI's and the API's words. */
#define LB_BOOL_WORDS "on or off (yes/no, true/false, 1/0)"
int lb_parse_bool(const char *s, bool *out);
/* A hash seed: 0x and 1..32 hex digits, or a decimal number below 2^64. */
int lb_parse_seed(const char *s, uint64_t seed[2]);
#define LB_SEED_SYNTAX "expected 0x and 1 to 32 hex digits, or a decimal number below 2^64 without leading zeros"
/* The seed from the first line of a file only its owner can read: NULL, or
 * why not (written to why). */
const char *lb_parse_seed_file(const char *path, uint64_t seed[2], char *why, size_t why_size);
/* "IP:PORT [MAC] [weight=N]" (weight 1 when absent; without a MAC,
 * has_mac is false) */
int lb_parse_backend(const char *s, struct lb_cfg_backend *be, const char **why);
/* "IP:PORT" */
int lb_parse_addr_port(const char *s, rte_be32_t *addr, uint16_t *port, const char **why);
const char *lb_proto_name(uint8_t proto);
const char *lb_node_loop_name(enum lb_node_loop loop);
