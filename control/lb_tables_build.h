/* Control plane: build the data-plane tables from a config and publish them
 * to the workers by RCU. May allocate and block; never call from a node. */
#pragma once

#include <stddef.h>

#include <rte_rcu_qsbr.h>

#include "control/lb_config.h"
#include "nodes/lb_dataplane.h"

/* What the app learnt about each INI port once the ports were set up. */
struct lb_port_info {
	bool defined;
	uint16_t port_id;           /* ethdev port id */
	struct rte_ether_addr mac;
	rte_edge_t tx_edge;         /* transmitting nodes -> ethdev_tx-<port_id> */
	bool multi_seg;             /* the device sends chained mbufs (offload enabled) */
	/* [port] kernel: the port's kernel interface, a net_tap port */
	bool has_kernel;
	uint16_t kernel_port_id;    /* its ethdev port id */
	rte_edge_t kernel_tx_edge;  /* transmitting nodes -> ethdev_tx-<kernel_port_id> */
};

/* The address a backend's MAC is the MAC of: the backend itself when it is
 * on the out port's subnet, else the port's gateway (0: none). */
rte_be32_t lb_backend_next_hop(const struct lb_config *cfg, const struct lb_cfg_vip *v,
			       const struct lb_cfg_backend *b);

/* Every VIP of cfg, and the VIP hash. NULL on failure, reason in err. */
struct lb_tables *lb_tables_build(const struct lb_config *cfg,
				  const struct lb_port_info ports[LB_MAX_PORTS], char *err,
				  size_t err_size);
/* Free t with its VIPs and its hash (nothing may use them any more). */
void lb_tables_free(struct lb_tables *t);

/* VIP index i made from cv (cfg's VIP i, or a changed copy of it), as
 * lb_tables_build makes it; cfg gives the ports and the seed. */
struct lb_vip *lb_vip_build(const struct lb_config *cfg, uint16_t i, const struct lb_cfg_vip *cv,
			    const struct lb_port_info ports[LB_MAX_PORTS], char *err, size_t err_size);
void lb_vip_free(struct lb_vip *v);

/* A copy of cur whose VIP `index` is v; it shares cur's other VIPs and VIP
 * hash and has a return-path hash of its own. NULL when out of memory. */
struct lb_tables *lb_tables_with_vip(const struct lb_tables *cur, uint16_t index, struct lb_vip *v);
/* Free what lb_tables_with_vip made: the table and its return-path hash. */
void lb_tables_free_shallow(struct lb_tables *t);

/* Publish t with one atomic pointer store, wait until every worker
 * registered in qs has gone through a quiescent state (qs may be NULL when
 * no worker runs), and return the table it replaced: no worker uses it now. */
struct lb_tables *lb_tables_swap(struct lb_tables *t, struct rte_rcu_qsbr *qs);

/* lb_tables_swap, then lb_tables_free of the old table. */
void lb_tables_publish(struct lb_tables *t, struct rte_rcu_qsbr *qs);
