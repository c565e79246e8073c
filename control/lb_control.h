/* Live changes to the running configuration. Every call validates all of
 * its input first and changes nothing when it refuses (reason in err).
 * Accepted backend changes rebuild that VIP's tables beside the old ones,
 * publish them with one pointer swap, wait for every worker's quiescent
 * state and only then return: once a removal is acknowledged no worker can
 * pick the removed backend. Calls are serialised by one mutex (control
 * plane only; workers never take it). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "control/lb_tables_build.h"

/* Take over cfg (the running configuration) for live changes. */
void lb_control_init(struct lb_config *cfg, const struct lb_port_info ports[LB_MAX_PORTS],
		     struct rte_rcu_qsbr *qs);

int lb_control_backend_add(const char *vip, const char *spec, char *err, size_t err_size);
int lb_control_backend_del(const char *vip, const char *addr_port, char *err, size_t err_size);
int lb_control_backend_weight(const char *vip, const char *addr_port, const char *weight, char *err,
			      size_t err_size);
int lb_control_drop(const char *on_off, char *err, size_t err_size);

/* The neighbour table's MAC for addr appeared, changed or went: rebuild
 * the VIPs whose backends have it as next hop. */
void lb_control_neigh_changed(rte_be32_t addr);

/* Read access to the running configuration under the control lock. */
void lb_control_read(void (*fn)(const struct lb_config *cfg, void *arg), void *arg);

/* Let go of the configuration (before it is freed): later calls find no
 * VIP and read an empty configuration. */
void lb_control_stop(void);

/* How long the last table rebuild and publication took, in microseconds. */
double lb_control_last_publish_us(void);
