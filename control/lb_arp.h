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

#define LB_NEIGH_MAX 4096         /* entries in the neighbour table */
#define LB_NEIGH_REFRESH_MS 60000 /* ask again when an entry is this old */
#define LB_NEIGH_EXPIRE_MS 300000 /* forget it when it is this old */
#define LB_NEIGH_RETRY_MS 1000    /* at most one request a second per address */

struct lb_arp_stats {
	uint64_t requests_in, replies_in, requests_out, replies_out;
	uint64_t learned, changed, expired, table_full, ignored, tx_full;
	uint64_t generation; /* grows with every change of the table */
};

/* The table (lb_neigh_hash) and what answers are made from; workers
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
/* Periodic work: resolve and refresh what the config needs, expire the rest. */
void lb_arp_tick(uint64_t now_ms);

void lb_arp_stats_get(struct lb_arp_stats *s);

struct lb_arp_entry {
	rte_be32_t addr;
	struct rte_ether_addr mac;
	uint16_t port_id;
	uint64_t age_ms;
};
/* Up to max entries from the first-th on; returns how many; *generation
 * says which state of the table they are from. */
unsigned lb_arp_entries(struct lb_arp_entry *out, unsigned first, unsigned max, uint64_t now_ms,
			unsigned *total, uint64_t *generation);
