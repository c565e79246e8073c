/* struct lb_config -> INI text that lb_config_load reads back to the same
 * configuration (the running configuration's dump, /lb/config). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "control/lb_config.h"

static void
write_mac(FILE *f, const struct rte_ether_addr *mac)
{
	char buf[RTE_ETHER_ADDR_FMT_SIZE];
	rte_ether_format_addr(buf, sizeof(buf), mac);
	fputs(buf, f);
}

static void
write_check(FILE *f, const struct lb_cfg_check *c)
{
	static const char *const kinds[] = {"none", "tcp", "http", "udp"};
	if (c->kind == LB_CHECK_NONE)
		return;
	fprintf(f, "check = %s\ncheck_interval_ms = %u\ncheck_timeout_ms = %u\ncheck_rise = %u\ncheck_fall = %u\n",
		kinds[c->kind], c->interval_ms, c->timeout_ms, c->rise, c->fall);
	if (c->port)
		fprintf(f, "check_port = %u\n", c->port);
	if (c->kind == LB_CHECK_HTTP) {
		fprintf(f, "check_path = %s\ncheck_status = %s\n", c->path, c->status_text);
		if (c->host[0])
			fprintf(f, "check_host = %s\n", c->host);
	}
	if (c->kind == LB_CHECK_UDP) {
		fprintf(f, "check_send = %s\n", c->send);
		if (c->expect[0])
			fprintf(f, "check_expect = %s\n", c->expect);
	}
}

void
lb_config_write(FILE *f, const struct lb_config *cfg)
{
	char addr[INET_ADDRSTRLEN];

	fprintf(f, "[eal]\n");
	if (cfg->eal_args[0])
		fprintf(f, "args = %s\n", cfg->eal_args);
	fprintf(f, "main_lcore = %u\nmain_cpu = %u\n", cfg->main_lcore, cfg->main_cpu);
	if (cfg->mbufs)
		fprintf(f, "mbufs = %u\n", cfg->mbufs);
	fprintf(f, "\n[lb]\n");
	/* The seed is a secret: by reference, or not at all. */
	if (cfg->hash_seed_file[0])
		fprintf(f, "hash_seed_file = %s\n", cfg->hash_seed_file);
	else
		fprintf(f, "; hash_seed: secret, not shown (keep it in a hash_seed_file to dump it by reference)\n");
	fprintf(f, "flow_hash = %s\ndrop = %s\nstats_interval = %u\ngraph_stats = %s\nnode_loop = %s\n",
		cfg->flow_hash == LB_FLOW_HASH_KEYED ? "keyed" : "crc32c", cfg->drop ? "on" : "off",
		cfg->stats_interval, cfg->graph_stats ? "on" : "off", lb_node_loop_name(cfg->node_loop));
	fprintf(f, "flow_entries = %u\nflow_timeout_syn = %u\nflow_timeout_tcp = %u\nflow_timeout_fin = %u\n"
		   "flow_timeout_udp = %u\nflow_guard_rate = %u\n",
		cfg->flow_entries, cfg->flow_timeout_s[0], cfg->flow_timeout_s[1], cfg->flow_timeout_s[2],
		cfg->flow_timeout_s[3], cfg->flow_guard_rate);
	fprintf(f, "frag_entries = %u\nfrag_timeout_ms = %u\nfrag_hold = %u\n", cfg->frag_entries, cfg->frag_timeout_ms,
		cfg->frag_hold);
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		const struct lb_cfg_port *cp = &cfg->ports[p];
		if (!cp->defined)
			continue;
		fprintf(f, "\n[port.%u]\ndev = %s\nrx_queues = %u\nrx_desc = %u\ntx_desc = %u\npromiscuous = %s\n",
			p, cp->dev, cp->rx_queues, cp->rx_desc, cp->tx_desc, cp->promiscuous ? "on" : "off");
		if (cp->addr) {
			inet_ntop(AF_INET, &cp->addr, addr, sizeof(addr));
			fprintf(f, "addr = %s/%u\n", addr, cp->prefix_len);
		}
		if (cp->gateway) {
			inet_ntop(AF_INET, &cp->gateway, addr, sizeof(addr));
			fprintf(f, "gateway = %s\n", addr);
		}
		fprintf(f, "dst_mac = %s\ncheck_gateway_mac = %s\nicmp_rate = %u\n", cp->any_dst_mac ? "any" : "own",
			cp->check_gateway_mac ? "on" : "off", cp->icmp_rate);
		if (cp->icmp_burst)
			fprintf(f, "icmp_burst = %u\n", cp->icmp_burst);
		if (cp->kernel[0])
			fprintf(f, "kernel = %s\n", cp->kernel);
		fprintf(f, "kernel_rate = %u\n", cp->kernel_rate);
		if (cp->kernel_burst)
			fprintf(f, "kernel_burst = %u\n", cp->kernel_burst);
		fprintf(f, "mtu = %u\n", cp->mtu);
	}
	for (unsigned w = 0; w < cfg->nb_workers; w++) {
		const struct lb_cfg_worker *cw = &cfg->workers[w];
		fprintf(f, "\n[worker.%u]\nrx =", cw->lcore);
		for (unsigned r = 0; r < cw->nb_rx; r++)
			fprintf(f, " %u:%u", cw->rx[r].port, cw->rx[r].queue);
		fprintf(f, "\ncpu = %u\n", cw->cpu);
	}
	for (unsigned i = 0; i < cfg->nb_vips; i++) {
		const struct lb_cfg_vip *v = &cfg->vips[i];
		inet_ntop(AF_INET, &v->addr, addr, sizeof(addr));
		fprintf(f, "\n[vip.%s]\naddr = %s\nport = %u\nproto = %s\nout_port = %u\nhash = %s\n", v->name,
			addr, v->port, lb_proto_name(v->proto), v->out_port,
			v->hash == LB_HASH_MAGLEV ? "maglev" : "modulo");
		fprintf(f, "table_size = %u\nall_down = %s\naffinity = %s\n", v->table_size,
			v->all_down == LB_ALL_DOWN_OPEN ? "open" : "drop", v->affinity ? "flow" : "none");
		write_check(f, &v->check);
		for (uint32_t b = 0; b < v->nb_backends; b++) {
			const struct lb_cfg_backend *be = &v->backends[b];
			inet_ntop(AF_INET, &be->addr, addr, sizeof(addr));
			fprintf(f, "backend = %s:%u ", addr, be->port);
			if (be->has_mac) {
				write_mac(f, &be->mac);
				fputc(' ', f);
			}
			fprintf(f, "weight=%u\n", be->weight);
		}
	}
}
