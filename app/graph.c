/* Plug lb_classify behind librte_node's ethdev_rx and lb_drop-tx_full behind
 * its ethdev_tx, clone those per port/queue, and create one graph per worker
 * lcore from the same node patterns ("per-core graph clones" on 22.11). */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_graph.h>
#include <rte_lcore.h>
#include <rte_node_eth_api.h>

#include "app/lb_app.h"
#include "setup/lb_edges.h"

/* librte_node 22.11: ethdev_rx has edges {ip4_lookup, pkt_cls} and always
 * forwards to pkt_cls; ethdev_tx has {pkt_drop} for what the queue refused.
 * Every edge of both is redirected, so no stock node joins our graphs. */
#define TX_DROP_NODE LB_DROP_NODE_PREFIX "tx_full"

static int
clone_edges_ok(const struct lb_app *app)
{
	char name[RTE_NODE_NAMESIZE];

	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		const struct lb_port_info *pi = &app->ports[p];
		if (!pi->defined)
			continue;
		for (uint16_t q = 0; q < app->cfg.ports[p].rx_queues; q++) {
			snprintf(name, sizeof(name), "ethdev_rx-%u-%u", pi->port_id, q);
			if (!lb_edge_all_lead_to(name, "lb_classify")) {
				fprintf(stderr, "%s does not lead to lb_classify\n", name);
				return -1;
			}
		}
		snprintf(name, sizeof(name), "ethdev_tx-%u", pi->port_id);
		if (!lb_edge_all_lead_to(name, TX_DROP_NODE)) {
			fprintf(stderr, "%s does not lead to %s\n", name, TX_DROP_NODE);
			return -1;
		}
		if (!pi->has_kernel)
			continue;
		snprintf(name, sizeof(name), "ethdev_rx-%u-0", pi->kernel_port_id);
		if (!lb_edge_all_lead_to(name, "lb_from_kernel")) {
			fprintf(stderr, "%s does not lead to lb_from_kernel\n", name);
			return -1;
		}
	}
	return 0;
}

int
lb_graph_setup(struct lb_app *app)
{
	const struct lb_config *cfg = &app->cfg;
	struct rte_node_ethdev_config eth[2 * LB_MAX_PORTS];
	char name[RTE_NODE_NAMESIZE];
	uint16_t nb_eth = 0;

	/* Before rte_node_eth_config() clones them: clones copy the edges. */
	if (lb_edge_redirect_all("ethdev_rx", "lb_classify") < 0 ||
	    lb_edge_redirect_all("ethdev_tx", TX_DROP_NODE) < 0) {
		fprintf(stderr, "cannot redirect librte_node's ethdev_rx/ethdev_tx edges\n");
		return -1;
	}
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		if (!app->ports[p].defined)
			continue;
		eth[nb_eth++] = (struct rte_node_ethdev_config){
			.port_id = app->ports[p].port_id,
			.num_rx_queues = cfg->ports[p].rx_queues,
			.num_tx_queues = cfg->nb_workers,
			.mp = &app->pool,
			.mp_count = 1,
		};
		if (app->ports[p].has_kernel)
			eth[nb_eth++] = (struct rte_node_ethdev_config){
				.port_id = app->ports[p].kernel_port_id,
				.num_rx_queues = 1,
				.num_tx_queues = cfg->nb_workers,
				.mp = &app->pool,
				.mp_count = 1,
			};
	}
	int rc = rte_node_eth_config(eth, nb_eth, cfg->nb_workers);
	if (rc < 0) {
		fprintf(stderr, "rte_node_eth_config: %s\n", strerror(-rc));
		return -1;
	}
	/* What the kernel sends never enters lb_classify. */
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		if (!app->ports[p].defined || !app->ports[p].has_kernel)
			continue;
		snprintf(name, sizeof(name), "ethdev_rx-%u-0", app->ports[p].kernel_port_id);
		if (lb_edge_redirect_all(name, "lb_from_kernel") < 0) {
			fprintf(stderr, "cannot point %s at lb_from_kernel\n", name);
			return -1;
		}
	}
	if (clone_edges_ok(app) < 0)
		return -1;
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		if (!app->ports[p].defined)
			continue;
		snprintf(name, sizeof(name), "ethdev_tx-%u", app->ports[p].port_id);
		app->ports[p].tx_edge = lb_edge_add_tx(name);
		if (app->ports[p].tx_edge == RTE_EDGE_ID_INVALID) {
			fprintf(stderr, "cannot add the edges to %s (same index from every sending node)\n", name);
			return -1;
		}
		if (!app->ports[p].has_kernel)
			continue;
		snprintf(name, sizeof(name), "ethdev_tx-%u", app->ports[p].kernel_port_id);
		app->ports[p].kernel_tx_edge = lb_edge_add_tx(name);
		if (app->ports[p].kernel_tx_edge == RTE_EDGE_ID_INVALID) {
			fprintf(stderr, "cannot add the edges to %s (same index from every sending node)\n", name);
			return -1;
		}
	}

	/* ethdev_tx sends on queue = graph id, so ids must run 0..n-1. */
	for (unsigned w = 0; w < cfg->nb_workers; w++) {
		const struct lb_cfg_worker *cw = &cfg->workers[w];
		static char rx_names[LB_CFG_MAX_RX_PER_WORKER][RTE_NODE_NAMESIZE];
		static char kernel_names[LB_CFG_MAX_RX_PER_WORKER][RTE_NODE_NAMESIZE];
		/* the sources: every lb node they lead to joins by its edges
		 * (lb_from_kernel only behind a kernel interface's RX: alone,
		 * it would be an isolated node, which rte_graph refuses) */
		const char *patterns[2 * LB_CFG_MAX_RX_PER_WORKER + 3] = {"lb_ctl_out", "lb_flow_query", "lb_frag_held"};
		uint16_t nb = 3;
		char gname[RTE_GRAPH_NAMESIZE];

		for (unsigned r = 0; r < cw->nb_rx; r++) {
			snprintf(rx_names[r], sizeof(rx_names[r]), "ethdev_rx-%u-%u",
				 app->ports[cw->rx[r].port].port_id, cw->rx[r].queue);
			patterns[nb++] = rx_names[r];
			/* a kernel interface: polled with its port's queue 0 */
			const struct lb_port_info *pi = &app->ports[cw->rx[r].port];
			if (cw->rx[r].queue == 0 && pi->has_kernel) {
				snprintf(kernel_names[r], sizeof(kernel_names[r]), "ethdev_rx-%u-0", pi->kernel_port_id);
				patterns[nb++] = kernel_names[r];
			}
		}
		struct rte_graph_param prm = {
			.socket_id = rte_lcore_to_socket_id(cw->lcore),
			.nb_node_patterns = nb,
			.node_patterns = patterns,
		};
		snprintf(gname, sizeof(gname), "worker_%u", cw->lcore);
		app->graphs[w] = rte_graph_create(gname, &prm);
		if (app->graphs[w] == RTE_GRAPH_ID_INVALID) {
			fprintf(stderr, "rte_graph_create(%s): %s\n", gname, rte_strerror(rte_errno));
			return -1;
		}
		if (app->graphs[w] != w) {
			fprintf(stderr, "%s got graph id %u, expected %u\n", gname, app->graphs[w], w);
			return -1;
		}
	}
	return 0;
}

void
lb_graph_teardown(struct lb_app *app)
{
	for (unsigned w = 0; w < app->cfg.nb_workers; w++)
		if (app->graphs[w] != RTE_GRAPH_ID_INVALID)
			rte_graph_destroy(app->graphs[w]);
}
