/* Port set-up: one mempool, [port.N] rx_queues RX queues and one TX queue per
 * worker (librte_node's ethdev_tx sends on queue = graph id). */
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_graph.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "app/lb_app.h"
#include "control/lb_kernel_if.h"

#define KERNEL_DESC 512 /* per queue of a kernel interface */

static int
port_id_of(const char *dev, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN], pci[RTE_ETH_NAME_MAX_LEN + 8];
	size_t n = strcspn(dev, ",");

	snprintf(name, sizeof(name), "%.*s", (int)n, dev);
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	snprintf(pci, sizeof(pci), "0000:%s", name); /* short PCI form */
	return rte_eth_dev_get_port_by_name(pci, port_id);
}

unsigned
lb_ports_pool_size(const struct lb_config *cfg)
{
	unsigned n = 0;

	if (cfg->mbufs)
		return cfg->mbufs;
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		if (cfg->ports[p].defined)
			n += cfg->ports[p].rx_queues * cfg->ports[p].rx_desc +
			     cfg->nb_workers * cfg->ports[p].tx_desc;
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		if (cfg->ports[p].defined && cfg->ports[p].kernel[0])
			n += (1 + cfg->nb_workers) * KERNEL_DESC;
	/* objects held in node streams and mempool caches */
	n += cfg->nb_workers * (4 * RTE_GRAPH_BURST_SIZE + 512) + 2048;
	return RTE_MAX(n, 8191u);
}

static void
kernel_vdev_name(unsigned p, char *name, size_t size)
{
	snprintf(name, size, "net_tap_lb%u", p);
}

/* Port p's kernel interface: a net_tap port with the port's MAC, one RX
 * queue (polled by the worker of port p's queue 0) and a TX queue per
 * worker; its sysctls set before its link goes up (lb_ports_start). */
static int
kernel_setup(struct lb_app *app, unsigned p)
{
	const struct lb_cfg_port *cp = &app->cfg.ports[p];
	struct lb_port_info *pi = &app->ports[p];
	const uint16_t nb_txq = app->cfg.nb_workers;
	char name[32], args[96], mac[RTE_ETHER_ADDR_FMT_SIZE], err[256];
	uint16_t kid;
	int rc;

	rte_ether_format_addr(mac, sizeof(mac), &pi->mac);
	kernel_vdev_name(p, name, sizeof(name));
	snprintf(args, sizeof(args), "iface=%s,mac=%s", cp->kernel, mac);
	rc = rte_vdev_init(name, args);
	if (rc < 0 || rte_eth_dev_get_port_by_name(name, &kid) < 0) {
		fprintf(stderr, "port.%u: cannot create kernel interface %s (%s %s): %s\n", p, cp->kernel, name,
			args, rte_strerror(rc < 0 ? -rc : ENODEV));
		return -1;
	}
	pi->has_kernel = true;
	pi->kernel_port_id = kid;
	if (lb_kernel_if_prepare(cp->kernel, err, sizeof(err)) < 0) {
		fprintf(stderr, "port.%u: kernel interface %s: %s\n", p, cp->kernel, err);
		return -1;
	}
	struct rte_eth_conf conf = {0};
	rc = rte_eth_dev_configure(kid, 1, nb_txq, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(kid, 0, KERNEL_DESC, rte_eth_dev_socket_id(kid), NULL, app->pool);
	for (uint16_t q = 0; q < nb_txq && rc >= 0; q++)
		rc = rte_eth_tx_queue_setup(kid, q, KERNEL_DESC, rte_eth_dev_socket_id(kid), NULL);
	if (rc < 0) {
		fprintf(stderr, "port.%u: kernel interface %s: set-up failed: %s\n", p, cp->kernel, rte_strerror(-rc));
		return -1;
	}
	printf("[KERNEL] port %u iface=%s ethdev=%u mac=%s\n", p, cp->kernel, kid, mac);
	return 0;
}

int
lb_ports_setup(struct lb_app *app)
{
	const struct lb_config *cfg = &app->cfg;
	const uint16_t nb_txq = cfg->nb_workers;

	app->pool = rte_pktmbuf_pool_create("lb_mbufs", lb_ports_pool_size(cfg), 256, LB_MBUF_PRIV_SIZE,
					    RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (!app->pool) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		const struct lb_cfg_port *cp = &cfg->ports[p];
		struct lb_port_info *pi = &app->ports[p];
		struct rte_eth_dev_info info;
		struct rte_eth_conf conf = {0};
		uint16_t pid, rxd = cp->rx_desc, txd = cp->tx_desc;
		int rc;

		if (!cp->defined)
			continue;
		if (port_id_of(cp->dev, &pid) < 0) {
			fprintf(stderr, "port.%u: no ethdev for '%s'\n", p, cp->dev);
			return -1;
		}
		pi->defined = true;
		pi->port_id = pid;
		rc = rte_eth_dev_info_get(pid, &info);
		if (rc < 0)
			goto err;
		if (info.max_rx_queues < cp->rx_queues || info.max_tx_queues < nb_txq) {
			fprintf(stderr,
				"port.%u (%s): %u RX queues wanted, device has %u; %u TX queues needed "
				"(one per worker), device has %u\n",
				p, cp->dev, cp->rx_queues, info.max_rx_queues, nb_txq, info.max_tx_queues);
			return -1;
		}
		/* Chained mbufs (jumbo frames over small mbufs) leave only where the
		 * device can send them; elsewhere the nodes drop them (tx_chained). */
		if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
			conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
			pi->multi_seg = true;
		}
		/* Several RX queues: RSS spreads flows over them, by the 5-tuple
		 * for TCP/UDP and by addresses for fragments (NICs cannot see a
		 * later fragment's ports), so a flow, and every fragment of one
		 * datagram, stays on one queue and one worker (its flow table and
		 * fragment table are that worker's). */
		const uint64_t rss = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		if (cp->rx_queues > 1 && rss) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = rss;
		} else if (cp->rx_queues > 1) {
			printf("[PORT] %u: %s has no RSS: its driver decides which queue a frame takes\n", p, cp->dev);
		}
		rc = rte_eth_dev_configure(pid, cp->rx_queues, nb_txq, &conf);
		if (rc < 0)
			goto err;
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &rxd, &txd);
		if (rc < 0)
			goto err;
		for (uint16_t q = 0; q < cp->rx_queues && rc >= 0; q++)
			rc = rte_eth_rx_queue_setup(pid, q, rxd, rte_eth_dev_socket_id(pid), NULL, app->pool);
		for (uint16_t q = 0; q < nb_txq && rc >= 0; q++)
			rc = rte_eth_tx_queue_setup(pid, q, txd, rte_eth_dev_socket_id(pid), NULL);
		if (rc < 0)
			goto err;
		rc = rte_eth_macaddr_get(pid, &pi->mac);
		if (rc < 0)
			goto err;
		if (cp->promiscuous && (rc = rte_eth_promiscuous_enable(pid)) < 0)
			goto err;
		char mac[RTE_ETHER_ADDR_FMT_SIZE];
		rte_ether_format_addr(mac, sizeof(mac), &pi->mac);
		printf("[PORT] %u ethdev=%u mac=%s rxq=%u txq=%u dev=%s\n", p, pid, mac, cp->rx_queues,
		       nb_txq, cp->dev);
		if (cp->kernel[0] && kernel_setup(app, p) < 0)
			return -1;
		continue;
err:
		fprintf(stderr, "port.%u (%s): set-up failed: %s\n", p, cp->dev, rte_strerror(-rc));
		return -1;
	}
	return 0;
}

int
lb_ports_start(struct lb_app *app)
{
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		if (!app->ports[p].defined)
			continue;
		const struct lb_cfg_port *cp = &app->cfg.ports[p];
		int rc = rte_eth_dev_start(app->ports[p].port_id);
		if (rc == 0 && app->ports[p].has_kernel)
			rc = rte_eth_dev_start(app->ports[p].kernel_port_id);
		/* the host's own packets no larger than the port sends (frames of
		 * more than 1500 bytes would need chained mbufs: left at 1500) */
		if (rc == 0 && app->ports[p].has_kernel && cp->mtu < RTE_ETHER_MTU)
			rc = rte_eth_dev_set_mtu(app->ports[p].kernel_port_id, (uint16_t)cp->mtu);
		if (rc < 0) {
			fprintf(stderr, "port.%u: start failed: %s\n", p, rte_strerror(-rc));
			return -1;
		}
	}
	return 0;
}

void
lb_ports_print(const struct lb_app *app)
{
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		const struct lb_port_info *pi = &app->ports[p];
		struct rte_eth_stats st;
		if (!pi->defined || rte_eth_stats_get(pi->port_id, &st) < 0)
			continue;
		printf("[PORT] %u ethdev=%u ipackets=%" PRIu64 " imissed=%" PRIu64 " ierrors=%" PRIu64
		       " opackets=%" PRIu64 " oerrors=%" PRIu64 "\n",
		       p, pi->port_id, st.ipackets, st.imissed, st.ierrors, st.opackets, st.oerrors);
		if (pi->has_kernel && rte_eth_stats_get(pi->kernel_port_id, &st) == 0)
			printf("[KERNEL] port %u ethdev=%u from_kernel=%" PRIu64 " to_kernel=%" PRIu64 " oerrors=%" PRIu64 "\n",
			       p, pi->kernel_port_id, st.ipackets, st.opackets, st.oerrors);
	}
}

/* Stopping and closing flushes pcap TX files. */
void
lb_ports_close(struct lb_app *app)
{
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		if (!app->ports[p].defined)
			continue;
		rte_eth_dev_stop(app->ports[p].port_id);
		rte_eth_dev_close(app->ports[p].port_id);
		app->ports[p].defined = false;
		if (app->ports[p].has_kernel) {
			char name[32];
			kernel_vdev_name(p, name, sizeof(name));
			rte_eth_dev_stop(app->ports[p].kernel_port_id);
			rte_eth_dev_close(app->ports[p].kernel_port_id);
			rte_vdev_uninit(name);
			app->ports[p].has_kernel = false;
		}
	}
}
