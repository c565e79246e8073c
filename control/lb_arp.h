/* ARP and the neighbour table, on the control plane (never on a worker):
 * answer requests for VIP and port addresses, learn senders the way RFC 826
 * says, resolve what the data path needs (backends without a MAC in the INI,
 * gateways, return-path next hops), refresh entries before they expire and
 * keep the table bounded. Every frame the workers punt comes here; every
 * frame this sends leaves by worker 0's lb_ctl_out node. */
#pragma once

#include <stdint.h>
#include <time.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "control/lb_tables_build.h"

/* Room per class: what the configuration needs (next hops of backends
 * without a MAC, gateways) always fits; return-path next hops and learnt
 * hosts are bounded, the oldest evicted first. */
#define LB_NEIGH_CONFIG_MAX (LB_MAX_BACKEND_SLOTS + LB_MAX_PORTS)
#define LB_NEIGH_RETURN_MAX 4096
#define LB_NEIGH_LEARNED_MAX 1024
#define LB_NEIGH_MAX (LB_NEIGH_CONFIG_MAX + LB_NEIGH_RETURN_MAX + LB_NEIGH_LEARNED_MAX)
#define LB_NEIGH_REFRESH_MS 60000   /* ask again when an entry is this old */
#define LB_NEIGH_EXPIRE_MS 300000   /* forget it when it is this old */
#define LB_NEIGH_RETRY_MS 1000      /* at most one request a second per address */
#define LB_NEIGH_SOLICITED_MS 1000  /* a reply this soon after our request answers it */
#define LB_NEIGH_VERIFY_MS 300      /* an unsolicited MAC change is checked this long */
#define LB_NEIGH_CHANGE_MIN_MS 1000 /* one MAC change per entry per second (Linux's locktime) */
#define LB_ARP_REQUESTS_PER_S 500   /* requests out, all targets together */
#define LB_ARP_REQUESTS_BURST 500

struct lb_arp_stats {
	uint64_t requests_in, replies_in, requests_out, replies_out;
	uint64_t learned, changed, expired, table_full, ignored, tx_full;
	uint64_t evicted;          /* oldest return-path or learnt entries, for room */
	uint64_t unsolicited;      /* MAC changes claimed unasked: verified by a request */
	uint64_t unverified;       /* ... of which nobody answered for: the known MAC stays */
	uint64_t change_limited;   /* verified changes refused by the per-entry rate */
	uint64_t requests_limited; /* requests not sent: the global budget was spent */
	uint64_t to_kernel;        /* copies of frames handed to a port's kernel interface */
	uint64_t kernel_limited;   /* ... not made: beyond the port's kernel_rate */
	uint64_t generation;       /* grows with every change of the table */
};

/* Fills lb_dp.neigh (made by setup/lb_dataplane_setup.c) and answers; workers
 * registered in qs read the table. 0 or -1. */
int lb_arp_init(const struct lb_config *cfg, const struct lb_port_info ports[LB_MAX_PORTS],
		struct rte_mempool *pool, struct rte_rcu_qsbr *qs);
void lb_arp_fini(void);

/* The clock every now_ms below is read from (monotonic milliseconds). */
static inline uint64_t
lb_arp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One punted frame: learn from it, answer it; m is consumed. */
void lb_arp_input(struct rte_mbuf *m, uint64_t now_ms);
/* The data path found no MAC for this next hop. */
void lb_arp_want(rte_be32_t addr, uint64_t now_ms);
/* Periodic work (every 100 ms): resolve and refresh what the config needs,
 * end verifications, expire; then, outside the lock, hand the changes to
 * the control plane in one batch, free replaced entries after one grace
 * period and print what there is to log. */
void lb_arp_tick(uint64_t now_ms);

void lb_arp_stats_get(struct lb_arp_stats *s);

struct lb_arp_entry {
	rte_be32_t addr;
	struct rte_ether_addr mac;
	uint16_t port_id;
	uint64_t age_ms;
	const char *kind; /* "config", "return" or "learned" */
};

/* What the control plane is told, once per tick, of every changed entry. */
struct lb_neigh_change {
	rte_be32_t addr;
	bool present; /* false: the entry went */
	struct rte_ether_addr mac;
};
/* Up to max entries from the first-th on; returns how many; *generation
 * says which state of the table they are from. */
unsigned lb_arp_entries(struct lb_arp_entry *out, unsigned first, unsigned max, uint64_t now_ms,
			unsigned *total, uint64_t *generation);
