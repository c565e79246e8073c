/* The control core: the one live state and the typed calls that change it.
 *
 * The live state is the control plane's own copy of the validated
 * configuration, with a generation number that grows with every published
 * change. Calls take parsed values (front ends parse text with the INI's
 * parsers, lb_config.h); each checks all of its input first and changes
 * nothing when it refuses (reason in the result). A change copies what it
 * touches (the VIP's backend array), applies the change to the copy, builds
 * that VIP's tables beside the old ones, publishes them with one pointer
 * swap, waits for every worker's quiescent state, and only then commits the
 * copy: on any failure the live state is as it was, with nothing to
 * restore. Once a removal is acknowledged no worker can pick the removed
 * backend. Calls are serialised by one mutex (control plane only; workers
 * never take it); nothing slow but the rebuild itself runs under it:
 * readers copy what they need and print or send after. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/lb_tables_build.h"

struct lb_control_result {
	char err[160];       /* why it was refused */
	double publish_us;   /* this change: rebuild, swap and grace period */
	uint64_t generation; /* the live state's after the call */
};

/* Take a copy of cfg as the live state (a previous one is freed). */
void lb_control_init(const struct lb_config *cfg, const struct lb_port_info ports[LB_MAX_PORTS],
		     struct rte_rcu_qsbr *qs);

int lb_control_backend_add(const char *vip, const struct lb_cfg_backend *be, struct lb_control_result *r);
int lb_control_backend_del(const char *vip, rte_be32_t addr, uint16_t port, struct lb_control_result *r);
int lb_control_backend_weight(const char *vip, rte_be32_t addr, uint16_t port, uint32_t weight,
			      struct lb_control_result *r);
/* The backend's run-time state (health, or forced: lb_cfg_backend.down):
 * its VIP rebuilt and published when it changed. */
int lb_control_backend_down(const char *vip, rte_be32_t addr, uint16_t port, bool down,
			    struct lb_control_result *r);
void lb_control_drop(bool on);

/* A batch of neighbour changes (lb_arp_tick, once per tick): kept in the
 * control plane's own copy, which table builds read (never the workers'
 * table), and each VIP whose backends have a changed next hop is rebuilt
 * once. */
struct lb_neigh_change;
void lb_control_neigh_update(const struct lb_neigh_change *changes, unsigned n);
/* How many VIP rebuilds neighbour changes caused. */
uint64_t lb_control_neigh_rebuilds(void);
/* From that copy; for table builds, under the control lock (or before the
 * control plane runs). */
bool lb_control_neigh_mac(rte_be32_t addr, struct rte_ether_addr *mac);

/* fn reads the live state and its generation under the control lock: it
 * copies or renders, and must not print, send or wait. */
void lb_control_read(void (*fn)(const struct lb_config *cfg, uint64_t generation, void *arg), void *arg);

/* Let go of the live state: later calls find no VIP and read an empty
 * configuration. First at shutdown, before what it uses goes. */
void lb_control_stop(void);
