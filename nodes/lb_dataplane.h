/* The data-path contract: everything the graph nodes read from outside the
 * packet, in one struct lb_dp.
 *
 * Set up before any worker starts (setup/lb_dataplane_setup.c), so no node
 * checks for a missing ring or table. Who writes what:
 * - tables: the control plane publishes a new struct lb_tables with an atomic
 *   swap and frees the old one after an RCU grace period;
 * - drop_all: the control plane, an atomic store;
 * - neigh: the ARP module (control/lb_arp.c) is its only writer; lock-free
 *   readers; an entry is never changed in place but replaced, the old one
 *   freed after a grace period;
 * - the rings: multi-producer from the workers (punt, resolve), or from the
 *   control plane to worker 0 (ctl_tx), single consumer each. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "nodes/lb_counters.h"
#include "nodes/lb_drop_reasons.h"
#include "nodes/lb_flow_table.h"
#include "nodes/lb_limits.h"
#include "nodes/lb_meta.h"
#include "nodes/lb_tables.h"

/* A neighbour found by ARP: lb_dp.neigh maps an IPv4 address (be32) to one. */
struct lb_neigh {
	struct rte_ether_addr mac;
	uint16_t port_id;
};

struct rte_hash;
struct rte_ring;
struct lb_frag_table;
struct lb_dataplane {
	struct lb_tables *tables; /* the tables in use: read with lb_tables_get() */
	bool drop_all;            /* "traffic control": VIP traffic goes to lb_drop-policy */
	struct rte_hash *neigh;   /* next hops of the return path */
	struct rte_ring *punt;    /* ARP frames to the control plane */
	struct rte_ring *ctl_tx;  /* frames the control plane sends, via worker 0's lb_ctl_out */
	struct rte_ring *resolve; /* next hops the return path found no MAC for */
	struct lb_flow_table *flows[LB_MAX_WORKERS]; /* each worker's own (index = graph id); NULL: none */
	struct lb_frag_table *frags[LB_MAX_WORKERS]; /* each worker's own; NULL: none (fragments are orphans) */
};
extern struct lb_dataplane lb_dp;

static inline struct lb_tables *
lb_tables_get(void)
{
	return __atomic_load_n(&lb_dp.tables, __ATOMIC_ACQUIRE);
}
