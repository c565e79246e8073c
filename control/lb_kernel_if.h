/* The kernel side of each port's kernel interface ([port.N] kernel, a
 * net_tap port): sysctls, the port's address, host routes to off-link
 * backends through the port's gateway, and the neighbour entries of
 * backends and gateways pinned (NUD_PERMANENT) from lb-graph's own table,
 * so a stranger's ARP cannot repoint them. Control side only (netlink,
 * libnl-route-3): start-up and the slow path thread. */
#pragma once

#include <stddef.h>

#include "control/lb_config.h"

/* Before the tap's link goes up: no IPv6 on it (no router solicitations or
 * MLD out of the data port), and no ARP answers from the kernel in
 * lb-graph's place. 0, or -1 with err set. */
int lb_kernel_if_prepare(const char *ifname, char *err, size_t err_size);

/* After the taps started: their addresses, then a first sync. 0, or -1
 * with err set. */
int lb_kernel_if_setup(const struct lb_config *cfg, char *err, size_t err_size);

/* Routes and pinned neighbours as the live configuration and the
 * neighbour table now need them (only when either changed since the last
 * call); errors are printed. The slow path calls it every tick. */
void lb_kernel_if_sync(void);

/* Forget it all (the taps go with their ports, and their routes and
 * neighbours with them). */
void lb_kernel_if_fini(void);

/* What sync did so far, for lb-ctl and the tests. */
struct lb_kernel_if_stats {
	unsigned pinned, routes; /* in place now */
	uint64_t syncs, errors;
};
void lb_kernel_if_stats_get(struct lb_kernel_if_stats *s);
