/* What the workers count. */
#pragma once

#include <stdint.h>

#include <rte_common.h>

#include "nodes/lb_drop_reasons.h"
#include "nodes/lb_limits.h"

/* Per-worker counters, written only by that worker (index = graph id) and
 * summed by the main lcore on read: no atomics, no locks. */
struct lb_worker_counters {
	uint64_t rx;        /* packets entering lb_classify */
	uint64_t forwarded; /* packets handed to ethdev_tx (ctl_out's included) */
	uint64_t punted;    /* packets handed to the control plane (ARP) */
	uint64_t generated; /* packets the control plane made (ARP), sent by ctl_out */
	uint64_t from_kernel; /* packets the kernel interfaces sent, entering lb_from_kernel */
	uint64_t to_kernel;   /* of forwarded: handed to a kernel interface */
	uint64_t frag_held;   /* later fragments held for their first now (lb_frag): in, not yet out */
	uint64_t drops[LB_DROP_COUNT];
	uint64_t vip_pkts[LB_MAX_VIPS];
	uint64_t backend_pkts[LB_MAX_BACKEND_SLOTS];
} __rte_cache_aligned;

extern struct lb_worker_counters lb_counters[LB_MAX_WORKERS];
/* Every packet ends once: rx + generated + from_kernel = sent + drops +
 * punted + frag_held, with sent = forwarded - drops[tx_full]. */

/* Sum of every worker's counters. */
void lb_counters_sum(struct lb_worker_counters *total);
