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
	rte_edge_t tx_edge;         /* lb_rewrite -> ethdev_tx-<port_id> */
};

/* NULL on failure, with the reason in err. */
struct lb_tables *lb_tables_build(const struct lb_config *cfg,
				  const struct lb_port_info ports[LB_MAX_PORTS], char *err,
				  size_t err_size);
void lb_tables_free(struct lb_tables *t);

/* Publish t (one atomic pointer store) and free the previous table once every
 * worker registered in qs has gone through a quiescent state. qs may be NULL
 * when no worker runs yet. */
void lb_tables_publish(struct lb_tables *t, struct rte_rcu_qsbr *qs);
