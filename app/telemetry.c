/* The control API: "/lb/..." commands on DPDK's telemetry socket
 * (/var/run/dpdk/<file-prefix>/dpdk_telemetry.v2). Callbacks run on the
 * telemetry thread, never on a worker. Every reply is a JSON object; a
 * refused command answers {"error": "<reason>"} and changes nothing. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "app/lb_app.h"
#include "control/lb_arp.h"
#include "control/lb_control.h"

#define PARAMS_MAX 256
#define VIP_PAGE 100    /* backends per /lb/vip reply (telemetry arrays hold 512) */
#define CONFIG_PAGE 7000 /* characters per /lb/config reply (strings hold 8192) */

static int
reply_error(struct rte_tel_data *d, const char *reason)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", reason);
	return 0;
}

/* Split "A B C..." into at most max words; returns the count, -1 if more
 * (the caller answers with its usage) or TOO_LONG. */
#define TOO_LONG (-2)
static int
split(const char *params, char *buf, size_t size, char **words, int max)
{
	int n = 0;
	char *save;

	if (!params)
		params = "";
	if (strlen(params) >= size)
		return TOO_LONG;
	strcpy(buf, params);
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		words[n++] = w;
	}
	return n;
}

/* The error for a failed split: too long, or the command's usage. */
static int
reply_usage(struct rte_tel_data *d, int n, const char *usage)
{
	return reply_error(d, n == TOO_LONG ? "parameters longer than 255 characters" : usage);
}

static int
reply_done(struct rte_tel_data *d, int rc, const char *err, const char *what)
{
	if (rc < 0)
		return reply_error(d, err);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "ok", what);
	rte_tel_data_add_dict_u64(d, "publish_us", (uint64_t)lb_control_last_publish_us());
	return 0;
}

static int
cmd_backend_add(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], err[128], *w[5];
	int n = split(params, buf, sizeof(buf), w, 4);

	if (n < 3)
		return reply_usage(d, n, "usage: /lb/backend_add,VIP IP:PORT MAC [weight=N]");
	const char *spec = params + (w[1] - buf);
	while (*spec == ' ' || *spec == '\t')
		spec++;
	return reply_done(d, lb_control_backend_add(w[0], spec, err, sizeof(err)), err, "backend added");
}

static int
cmd_backend_del(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], err[128], *w[2];

	int n = split(params, buf, sizeof(buf), w, 2);

	if (n != 2)
		return reply_usage(d, n, "usage: /lb/backend_del,VIP IP:PORT");
	return reply_done(d, lb_control_backend_del(w[0], w[1], err, sizeof(err)), err, "backend removed");
}

static int
cmd_backend_weight(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], err[128], *w[3];

	int n = split(params, buf, sizeof(buf), w, 3);

	if (n != 3)
		return reply_usage(d, n, "usage: /lb/backend_weight,VIP IP:PORT WEIGHT");
	return reply_done(d, lb_control_backend_weight(w[0], w[1], w[2], err, sizeof(err)), err,
			  "weight set");
}

static int
cmd_backend_drain(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], err[128], *w[2];

	int n = split(params, buf, sizeof(buf), w, 2);

	if (n != 2)
		return reply_usage(d, n, "usage: /lb/backend_drain,VIP IP:PORT");
	return reply_done(d, lb_control_backend_weight(w[0], w[1], "0", err, sizeof(err)), err,
			  "backend drained (weight 0)");
}

static int
cmd_drop(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], err[128], *w[1];
	int n = split(params, buf, sizeof(buf), w, 1);

	if (n < 0)
		return reply_usage(d, n, "usage: /lb/drop[,on|off]");
	if (n == 1 && lb_control_drop(w[0], err, sizeof(err)) < 0)
		return reply_error(d, err);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "drop", __atomic_load_n(&lb_drop_all, __ATOMIC_ACQUIRE) ? "on" : "off");
	return 0;
}

struct vip_query {
	const char *name;
	uint32_t first;
	struct rte_tel_data *d;
	const char *error;
};

static void
fill_vips(const struct lb_config *cfg, void *arg)
{
	struct rte_tel_data *d = arg;
	char addr[INET_ADDRSTRLEN], val[64];

	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < cfg->nb_vips; i++) {
		const struct lb_cfg_vip *v = &cfg->vips[i];
		inet_ntop(AF_INET, &v->addr, addr, sizeof(addr));
		snprintf(val, sizeof(val), "%s:%u/%s", addr, v->port, lb_proto_name(v->proto));
		rte_tel_data_add_dict_string(d, v->name, val);
	}
}

static int
cmd_vips(const char *cmd, const char *params, struct rte_tel_data *d)
{
	lb_control_read(fill_vips, d);
	return 0;
}

static uint64_t
backend_pkts(uint16_t slot)
{
	uint64_t n = 0;
	for (unsigned w = 0; w < LB_MAX_WORKERS; w++)
		n += __atomic_load_n(&lb_counters[w].backend_pkts[slot], __ATOMIC_RELAXED);
	return n;
}

static void
fill_vip(const struct lb_config *cfg, void *arg)
{
	struct vip_query *q = arg;
	const struct lb_cfg_vip *v = NULL;
	char addr[INET_ADDRSTRLEN], text[128];
	uint64_t pkts = 0;

	for (unsigned i = 0; i < cfg->nb_vips && !v; i++)
		if (strcmp(cfg->vips[i].name, q->name) == 0)
			v = &cfg->vips[i];
	if (!v) {
		q->error = "no such VIP";
		return;
	}
	for (unsigned w = 0; w < LB_MAX_WORKERS; w++)
		pkts += __atomic_load_n(&lb_counters[w].vip_pkts[v - cfg->vips], __ATOMIC_RELAXED);

	struct rte_tel_data *be = rte_tel_data_alloc(), *mac = rte_tel_data_alloc(),
			    *weight = rte_tel_data_alloc(), *state = rte_tel_data_alloc(),
			    *bpkts = rte_tel_data_alloc();
	if (!be || !mac || !weight || !state || !bpkts) {
		q->error = "out of memory";
		rte_tel_data_free(be), rte_tel_data_free(mac), rte_tel_data_free(weight);
		rte_tel_data_free(state), rte_tel_data_free(bpkts);
		return;
	}
	rte_tel_data_start_array(be, RTE_TEL_STRING_VAL);
	rte_tel_data_start_array(mac, RTE_TEL_STRING_VAL);
	rte_tel_data_start_array(weight, RTE_TEL_U64_VAL);
	rte_tel_data_start_array(state, RTE_TEL_STRING_VAL);
	rte_tel_data_start_array(bpkts, RTE_TEL_U64_VAL);
	uint32_t last = RTE_MIN(v->nb_backends, q->first + VIP_PAGE);
	for (uint32_t b = q->first; b < last; b++) {
		const struct lb_cfg_backend *cb = &v->backends[b];
		inet_ntop(AF_INET, &cb->addr, addr, sizeof(addr));
		snprintf(text, sizeof(text), "%s:%u", addr, cb->port);
		rte_tel_data_add_array_string(be, text);
		rte_ether_format_addr(text, sizeof(text), &cb->mac);
		rte_tel_data_add_array_string(mac, text);
		rte_tel_data_add_array_u64(weight, cb->weight);
		rte_tel_data_add_array_string(state, cb->weight ? "active" : "drained");
		rte_tel_data_add_array_u64(bpkts, backend_pkts(cb->slot));
	}

	struct rte_tel_data *d = q->d;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", v->name);
	inet_ntop(AF_INET, &v->addr, addr, sizeof(addr));
	rte_tel_data_add_dict_string(d, "addr", addr);
	rte_tel_data_add_dict_u64(d, "port", v->port);
	rte_tel_data_add_dict_string(d, "proto", lb_proto_name(v->proto));
	rte_tel_data_add_dict_u64(d, "out_port", v->out_port);
	rte_tel_data_add_dict_string(d, "hash", v->hash == LB_HASH_MAGLEV ? "maglev" : "modulo");
	rte_tel_data_add_dict_u64(d, "table_size", v->table_size);
	rte_tel_data_add_dict_u64(d, "pkts", pkts);
	rte_tel_data_add_dict_u64(d, "nb_backends", v->nb_backends);
	rte_tel_data_add_dict_u64(d, "first", q->first);
	rte_tel_data_add_dict_container(d, "backend", be, 0);
	rte_tel_data_add_dict_container(d, "mac", mac, 0);
	rte_tel_data_add_dict_container(d, "weight", weight, 0);
	rte_tel_data_add_dict_container(d, "state", state, 0);
	rte_tel_data_add_dict_container(d, "backend_pkts", bpkts, 0);
}

static int
cmd_vip(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], *w[2];
	int n = split(params, buf, sizeof(buf), w, 2);
	struct vip_query q = {.d = d};

	if (n < 1)
		return reply_usage(d, n, "usage: /lb/vip,VIP [FIRST_BACKEND]");
	q.name = w[0];
	if (n == 2 && lb_parse_u32(w[1], 0, LB_MAX_BACKENDS, &q.first) < 0)
		return reply_error(d, "FIRST_BACKEND must be 0..1024");
	lb_control_read(fill_vip, &q);
	return q.error ? reply_error(d, q.error) : 0;
}

struct config_page {
	uint32_t page;
	char *text;
	size_t len;
};

static void
dump_config(const struct lb_config *cfg, void *arg)
{
	struct config_page *c = arg;
	FILE *f = open_memstream(&c->text, &c->len);
	if (!f)
		return;
	lb_config_write(f, cfg);
	fclose(f);
}

/* Page p of the INI text: whole lines, CONFIG_PAGE characters at most; an
 * empty string past the end. */
static int
cmd_config(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct config_page c = {0};
	char buf[PARAMS_MAX], *w[1];
	int n = split(params, buf, sizeof(buf), w, 1);

	if (n < 0 || (n == 1 && lb_parse_u32(w[0], 0, 100000, &c.page) < 0))
		return reply_usage(d, n, "usage: /lb/config[,PAGE]");
	lb_control_read(dump_config, &c);
	if (!c.text)
		return reply_error(d, "out of memory");
	size_t start = 0, end = 0;
	for (uint32_t p = 0; p <= c.page; p++) {
		start = end;
		end = start;
		while (end < c.len) {
			const char *nl = memchr(c.text + end, '\n', c.len - end);
			size_t next = nl ? (size_t)(nl - c.text) + 1 : c.len;
			if (next - start > CONFIG_PAGE && end > start)
				break;
			end = next;
		}
	}
	c.text[end] = '\0';
	rte_tel_data_string(d, c.text + start);
	free(c.text);
	return 0;
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct lb_stats_snapshot s;

	lb_stats_snapshot(&s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx_pps", s.rx_pps);
	rte_tel_data_add_dict_u64(d, "tx_pps", s.tx_pps);
	rte_tel_data_add_dict_u64(d, "drop_pps", s.drop_pps);
	rte_tel_data_add_dict_u64(d, "rx", s.rx);
	rte_tel_data_add_dict_u64(d, "tx", s.tx);
	rte_tel_data_add_dict_u64(d, "drop", s.drop);
	rte_tel_data_add_dict_u64(d, "punt", s.punt);
	rte_tel_data_add_dict_u64(d, "gen", s.gen);
	rte_tel_data_add_dict_u64(d, "mbufs_in_use", s.mbufs_in_use);
	for (unsigned r = 0; r < LB_DROP_COUNT; r++) {
		char key[64];
		snprintf(key, sizeof(key), "drop_%s", lb_drop_reason_names[r]);
		rte_tel_data_add_dict_u64(d, key, s.drops[r]);
	}
	return 0;
}

/* Neighbour table and ARP counters; 100 entries per page. */
static int
cmd_arp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static struct lb_arp_entry e[100];
	char buf[PARAMS_MAX], *w[1], text[128], addr[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint32_t first = 0;
	unsigned total;
	struct lb_arp_stats st;
	int n = split(params, buf, sizeof(buf), w, 1);

	if (n < 0 || (n == 1 && lb_parse_u32(w[0], 0, LB_NEIGH_MAX, &first) < 0))
		return reply_usage(d, n, "usage: /lb/arp[,FIRST]");
	unsigned got = lb_arp_entries(e, first, RTE_DIM(e), lb_arp_now_ms(), &total);
	struct rte_tel_data *entries = rte_tel_data_alloc();
	if (!entries)
		return reply_error(d, "out of memory");
	rte_tel_data_start_array(entries, RTE_TEL_STRING_VAL);
	for (unsigned i = 0; i < got; i++) {
		inet_ntop(AF_INET, &e[i].addr, addr, sizeof(addr));
		rte_ether_format_addr(mac, sizeof(mac), &e[i].mac);
		snprintf(text, sizeof(text), "%s %s port %u age %lus", addr, mac, e[i].port_id,
			 (unsigned long)(e[i].age_ms / 1000));
		rte_tel_data_add_array_string(entries, text);
	}
	lb_arp_stats_get(&st);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "entries_total", total);
	rte_tel_data_add_dict_u64(d, "first", first);
	rte_tel_data_add_dict_u64(d, "requests_in", st.requests_in);
	rte_tel_data_add_dict_u64(d, "replies_in", st.replies_in);
	rte_tel_data_add_dict_u64(d, "requests_out", st.requests_out);
	rte_tel_data_add_dict_u64(d, "replies_out", st.replies_out);
	rte_tel_data_add_dict_u64(d, "learned", st.learned);
	rte_tel_data_add_dict_u64(d, "changed", st.changed);
	rte_tel_data_add_dict_u64(d, "expired", st.expired);
	rte_tel_data_add_dict_u64(d, "table_full", st.table_full);
	rte_tel_data_add_dict_u64(d, "ignored", st.ignored);
	rte_tel_data_add_dict_u64(d, "tx_full", st.tx_full);
	rte_tel_data_add_dict_container(d, "entries", entries, 0);
	return 0;
}

int
lb_telemetry_register(void)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{"/lb/vips", cmd_vips, "VIP names and addresses. No parameters"},
		{"/lb/vip", cmd_vip, "One VIP: backends, weights, state, packets. Parameters: VIP [FIRST_BACKEND]"},
		{"/lb/backend_add", cmd_backend_add, "Add a backend. Parameters: VIP IP:PORT MAC [weight=N]"},
		{"/lb/backend_del", cmd_backend_del, "Remove a backend. Parameters: VIP IP:PORT"},
		{"/lb/backend_weight", cmd_backend_weight, "Set a weight. Parameters: VIP IP:PORT WEIGHT"},
		{"/lb/backend_drain", cmd_backend_drain, "Weight 0: no new flow. Parameters: VIP IP:PORT"},
		{"/lb/drop", cmd_drop, "Global drop switch. Parameters: [on|off]"},
		{"/lb/stats", cmd_stats, "Packet counters and rates. No parameters"},
		{"/lb/config", cmd_config, "Running configuration as INI, page by page. Parameters: [PAGE]"},
		{"/lb/arp", cmd_arp, "Neighbour table and ARP counters. Parameters: [FIRST]"},
	};
	for (unsigned i = 0; i < RTE_DIM(cmds); i++)
		if (rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help) < 0)
			return -1;
	return 0;
}
