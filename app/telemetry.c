/* The control API: "/lb/..." commands on DPDK's telemetry socket
 * (/var/run/dpdk/<file-prefix>/dpdk_telemetry.v2). Callbacks run on the
 * telemetry thread, never on a worker. Every reply is a JSON object; a
 * refused command answers {"error": "<reason>"} and changes nothing. */
#include <arpa/inet.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "app/lb_api.h"
#include "app/lb_app.h"
#include "control/lb_arp.h"
#include "control/lb_flow_lookup.h"
#include "control/lb_health.h"
#include "control/lb_kernel_if.h"
#include "control/lb_control.h"
#include "nodes/lb_frag_table.h"

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
reply_done(struct rte_tel_data *d, int rc, const struct lb_control_result *r, const char *what)
{
	if (rc < 0)
		return reply_error(d, r->err);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, LB_KEY_OK, what);
	rte_tel_data_add_dict_u64(d, LB_KEY_PUBLISH_US, (uint64_t)r->publish_us);
	rte_tel_data_add_dict_u64(d, LB_KEY_GENERATION, r->generation);
	return 0;
}

/* "IP:PORT" of a backend, or the error reply. */
static int
parse_endpoint(struct rte_tel_data *d, const char *s, rte_be32_t *addr, uint16_t *port)
{
	const char *why;
	char msg[160];
	if (lb_parse_addr_port(s, addr, port, &why) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "backend: %s", why);
	reply_error(d, msg);
	return -1;
}

static int
cmd_backend_add(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], msg[160], *w[5];
	struct lb_cfg_backend be = {0};
	struct lb_control_result r = {0};
	const char *why;
	int n = split(params, buf, sizeof(buf), w, 4);

	if (n < 2)
		return reply_usage(d, n, "usage: " LB_API_BACKEND_ADD ",VIP IP:PORT [MAC] [weight=N]");
	const char *spec = params + (w[1] - buf);
	while (*spec == ' ' || *spec == '\t')
		spec++;
	if (lb_parse_backend(spec, &be, &why) < 0) {
		snprintf(msg, sizeof(msg), "backend: %s", why);
		return reply_error(d, msg);
	}
	return reply_done(d, lb_control_backend_add(w[0], &be, &r), &r, "backend added");
}

static int
cmd_backend_del(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], *w[2];
	struct lb_control_result r = {0};
	rte_be32_t addr;
	uint16_t port;
	int n = split(params, buf, sizeof(buf), w, 2);

	if (n != 2)
		return reply_usage(d, n, "usage: " LB_API_BACKEND_DEL ",VIP IP:PORT");
	if (parse_endpoint(d, w[1], &addr, &port) < 0)
		return 0;
	return reply_done(d, lb_control_backend_del(w[0], addr, port, &r), &r, "backend removed");
}

static int
set_weight(struct rte_tel_data *d, const char *vip, const char *endpoint, const char *weight, const char *what)
{
	struct lb_control_result r = {0};
	rte_be32_t addr;
	uint16_t port;
	uint32_t wt;

	if (parse_endpoint(d, endpoint, &addr, &port) < 0)
		return 0;
	if (lb_parse_u32(weight, 0, LB_MAX_WEIGHT, &wt) < 0)
		return reply_error(d, "weight must be 0.." RTE_STR(LB_MAX_WEIGHT) " (decimal)");
	return reply_done(d, lb_control_backend_weight(vip, addr, port, wt, &r), &r, what);
}

static int
cmd_backend_weight(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], *w[3];
	int n = split(params, buf, sizeof(buf), w, 3);

	if (n != 3)
		return reply_usage(d, n, "usage: " LB_API_BACKEND_WEIGHT ",VIP IP:PORT WEIGHT");
	return set_weight(d, w[0], w[1], w[2], "weight set");
}

static int
cmd_backend_drain(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], *w[2];
	int n = split(params, buf, sizeof(buf), w, 2);

	if (n != 2)
		return reply_usage(d, n, "usage: " LB_API_BACKEND_DRAIN ",VIP IP:PORT");
	return set_weight(d, w[0], w[1], "0", "backend drained (weight 0)");
}

static int
cmd_drop(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], msg[160], *w[1];
	bool on;
	int n = split(params, buf, sizeof(buf), w, 1);

	if (n < 0)
		return reply_usage(d, n, "usage: " LB_API_DROP "[,on|off]");
	if (n == 1) {
		if (lb_parse_bool(w[0], &on) < 0) {
			snprintf(msg, sizeof(msg), "expected " LB_BOOL_WORDS ", got '%.64s'", w[0]);
			return reply_error(d, msg);
		}
		lb_control_drop(on);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "drop", __atomic_load_n(&lb_dp.drop_all, __ATOMIC_ACQUIRE) ? "on" : "off");
	return 0;
}

/* "up: HTTP 200 (12 s)", with what overrides it; "-" without a check. */
static void
health_text(const struct lb_health_view *h, char *out, size_t size)
{
	const uint64_t age = (lb_arp_now_ms() - h->since_ms) / 1000;
	snprintf(out, size, "%s%s%s: %s (%" PRIu64 " s)", lb_health_name(h->health),
		 h->force == LB_FORCE_UP ? ", forced up" : h->force == LB_FORCE_DOWN ? ", forced down" : "",
		 h->checks_on ? "" : ", checks off", h->last, age);
}

struct vip_query {
	const char *name;
	uint32_t first;
	struct rte_tel_data *d;
	const char *error;
};

/* Parallel arrays, one entry per VIP: every name the INI accepts shows. */
static void
fill_vips(const struct lb_config *cfg, uint64_t generation, void *arg)
{
	struct rte_tel_data *d = arg;
	char addr[INET_ADDRSTRLEN];
	struct rte_tel_data *names = rte_tel_data_alloc(), *addrs = rte_tel_data_alloc(),
			    *ports = rte_tel_data_alloc(), *protos = rte_tel_data_alloc();

	rte_tel_data_start_dict(d);
	if (!names || !addrs || !ports || !protos) {
		rte_tel_data_free(names), rte_tel_data_free(addrs), rte_tel_data_free(ports), rte_tel_data_free(protos);
		rte_tel_data_add_dict_string(d, LB_KEY_ERROR, "out of memory");
		return;
	}
	rte_tel_data_start_array(names, RTE_TEL_STRING_VAL);
	rte_tel_data_start_array(addrs, RTE_TEL_STRING_VAL);
	rte_tel_data_start_array(ports, RTE_TEL_U64_VAL);
	rte_tel_data_start_array(protos, RTE_TEL_STRING_VAL);
	for (unsigned i = 0; i < cfg->nb_vips; i++) {
		const struct lb_cfg_vip *v = &cfg->vips[i];
		inet_ntop(AF_INET, &v->addr, addr, sizeof(addr));
		rte_tel_data_add_array_string(names, v->name);
		rte_tel_data_add_array_string(addrs, addr);
		rte_tel_data_add_array_u64(ports, v->port);
		rte_tel_data_add_array_string(protos, lb_proto_name(v->proto));
	}
	rte_tel_data_add_dict_u64(d, LB_KEY_GENERATION, generation);
	rte_tel_data_add_dict_container(d, LB_KEY_NAME, names, 0);
	rte_tel_data_add_dict_container(d, LB_KEY_ADDR, addrs, 0);
	rte_tel_data_add_dict_container(d, LB_KEY_PORT, ports, 0);
	rte_tel_data_add_dict_container(d, LB_KEY_PROTO, protos, 0);
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
fill_vip(const struct lb_config *cfg, uint64_t generation, void *arg)
{
	struct vip_query *q = arg;
	const struct lb_cfg_vip *v = NULL;
	char addr[INET_ADDRSTRLEN], text[192];
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
			    *bpkts = rte_tel_data_alloc(), *health = rte_tel_data_alloc();
	if (!be || !mac || !weight || !state || !bpkts || !health) {
		q->error = "out of memory";
		rte_tel_data_free(be), rte_tel_data_free(mac), rte_tel_data_free(weight);
		rte_tel_data_free(state), rte_tel_data_free(bpkts), rte_tel_data_free(health);
		return;
	}
	rte_tel_data_start_array(health, RTE_TEL_STRING_VAL);
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
		struct lb_health_view h;
		if (lb_health_get(v->name, cb->addr, cb->port, &h))
			health_text(&h, text, sizeof(text));
		else
			snprintf(text, sizeof(text), "-");
		rte_tel_data_add_array_string(health, text);
	}

	struct rte_tel_data *d = q->d;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, LB_KEY_GENERATION, generation);
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
	rte_tel_data_add_dict_container(d, "health", health, 0);
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

/* The INI text of one generation of the live state, rendered once and
 * served page by page (telemetry threads share it). */
static struct {
	pthread_mutex_t lock;
	uint64_t generation;
	char *text;
	size_t len;
} rendered = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void
render_config(const struct lb_config *cfg, uint64_t generation, void *arg)
{
	char *text = NULL;
	size_t len = 0;

	if (rendered.text && rendered.generation == generation)
		return;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	lb_config_write(f, cfg);
	fclose(f);
	free(rendered.text);
	rendered.text = text;
	rendered.len = len;
	rendered.generation = generation;
}

/* Page p of the INI text: whole lines, CONFIG_PAGE characters at most,
 * after a comment line naming the generation; past the end, the comment
 * line alone. */
static int
cmd_config(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], *w[1], head[96];
	uint32_t page = 0;
	int n = split(params, buf, sizeof(buf), w, 1);

	if (n < 0 || (n == 1 && lb_parse_u32(w[0], 0, 100000, &page) < 0))
		return reply_usage(d, n, "usage: " LB_API_CONFIG "[,PAGE]");
	pthread_mutex_lock(&rendered.lock);
	lb_control_read(render_config, NULL);
	if (!rendered.text) {
		pthread_mutex_unlock(&rendered.lock);
		return reply_error(d, "out of memory");
	}
	const char *text = rendered.text;
	size_t start = 0, end = 0;
	for (uint32_t p = 0; p <= page; p++) {
		start = end;
		while (end < rendered.len) {
			const char *nl = memchr(text + end, '\n', rendered.len - end);
			size_t next = nl ? (size_t)(nl - text) + 1 : rendered.len;
			if (next - start > CONFIG_PAGE && end > start)
				break;
			end = next;
		}
	}
	snprintf(head, sizeof(head), LB_CONFIG_PAGE_HEAD "%" PRIu64 "\n", rendered.generation);
	char *out = malloc(strlen(head) + end - start + 1);
	if (out) {
		strcpy(out, head);
		memcpy(out + strlen(head), text + start, end - start);
		out[strlen(head) + end - start] = '\0';
	}
	pthread_mutex_unlock(&rendered.lock);
	if (!out)
		return reply_error(d, "out of memory");
	rte_tel_data_string(d, out);
	free(out);
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
	rte_tel_data_add_dict_u64(d, "from_kernel", s.from_kernel);
	rte_tel_data_add_dict_u64(d, "to_kernel", s.to_kernel);
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
	struct lb_arp_entry e[100];
	char buf[PARAMS_MAX], *w[1], text[128], addr[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint32_t first = 0;
	unsigned total;
	struct lb_arp_stats st;
	int n = split(params, buf, sizeof(buf), w, 1);

	if (n < 0 || (n == 1 && lb_parse_u32(w[0], 0, LB_NEIGH_MAX, &first) < 0))
		return reply_usage(d, n, "usage: /lb/arp[,FIRST]");
	uint64_t generation;
	unsigned got = lb_arp_entries(e, first, RTE_DIM(e), lb_arp_now_ms(), &total, &generation);
	struct rte_tel_data *entries = rte_tel_data_alloc();
	if (!entries)
		return reply_error(d, "out of memory");
	rte_tel_data_start_array(entries, RTE_TEL_STRING_VAL);
	for (unsigned i = 0; i < got; i++) {
		inet_ntop(AF_INET, &e[i].addr, addr, sizeof(addr));
		rte_ether_format_addr(mac, sizeof(mac), &e[i].mac);
		snprintf(text, sizeof(text), "%s %s port %u age %lus %s", addr, mac, e[i].port_id,
			 (unsigned long)(e[i].age_ms / 1000), e[i].kind);
		rte_tel_data_add_array_string(entries, text);
	}
	lb_arp_stats_get(&st);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, LB_KEY_GENERATION, generation);
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
	rte_tel_data_add_dict_u64(d, "evicted", st.evicted);
	rte_tel_data_add_dict_u64(d, "unsolicited", st.unsolicited);
	rte_tel_data_add_dict_u64(d, "unverified", st.unverified);
	rte_tel_data_add_dict_u64(d, "change_limited", st.change_limited);
	rte_tel_data_add_dict_u64(d, "requests_limited", st.requests_limited);
	rte_tel_data_add_dict_u64(d, "to_kernel", st.to_kernel);
	rte_tel_data_add_dict_u64(d, "kernel_limited", st.kernel_limited);
	struct lb_kernel_if_stats ks;
	lb_kernel_if_stats_get(&ks);
	rte_tel_data_add_dict_u64(d, "kernel_pinned", ks.pinned);
	rte_tel_data_add_dict_u64(d, "kernel_routes", ks.routes);
	rte_tel_data_add_dict_u64(d, "kernel_sync_errors", ks.errors);
	rte_tel_data_add_dict_u64(d, "neigh_rebuilds", lb_control_neigh_rebuilds());
	rte_tel_data_add_dict_container(d, "entries", entries, 0);
	return 0;
}

/* Each worker's flow table: read relaxed, the worker is its only writer. */
static int
cmd_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *lines = rte_tel_data_alloc();
	char line[256];
	unsigned tables = 0;

	if (!lines)
		return reply_error(d, "out of memory");
	rte_tel_data_start_array(lines, RTE_TEL_STRING_VAL);
	for (unsigned w = 0; w < LB_MAX_WORKERS; w++) {
		const struct lb_flow_table *ft = __atomic_load_n(&lb_dp.flows[w], __ATOMIC_ACQUIRE);
		if (!ft)
			continue;
		const struct lb_flow_stats *s = &ft->stats;
#define R(f) __atomic_load_n(&s->f, __ATOMIC_RELAXED)
		snprintf(line, sizeof(line),
			 "worker %u: entries %" PRIu64 " of %u, inserts %" PRIu64 ", hits %" PRIu64 ", expired %" PRIu64
			 ", evicted %" PRIu64 ", reselected %" PRIu64 ", flood guard %" PRIu64 " packets, %.1f s",
			 w, R(used), (ft->mask + 1) * LB_FLOW_WAYS, R(inserts), R(hits), R(expired), R(evicted), R(stale),
			 R(guarded), (double)R(guard_cycles) / rte_get_tsc_hz());
#undef R
		rte_tel_data_add_array_string(lines, line);
		tables++;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "tables", tables);
	rte_tel_data_add_dict_container(d, LB_KEY_ENTRIES, lines, 0);
	return 0;
}

/* /lb/frags: each worker's fragment table, read relaxed (its worker alone
 * writes it). */
static int
cmd_frags(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *lines = rte_tel_data_alloc();
	char line[256];

	(void)cmd, (void)params;
	if (!lines)
		return reply_error(d, "out of memory");
	rte_tel_data_start_array(lines, RTE_TEL_STRING_VAL);
	for (unsigned w = 0; w < LB_MAX_WORKERS; w++) {
		const struct lb_frag_table *ft = __atomic_load_n(&lb_dp.frags[w], __ATOMIC_ACQUIRE);
		if (!ft)
			continue;
		const struct lb_frag_stats *s = &ft->stats;
#define R(f) __atomic_load_n(&s->f, __ATOMIC_RELAXED)
		snprintf(line, sizeof(line),
			 "worker %u: %u entries, first fragments %" PRIu64 ", later ones followed %" PRIu64
			 ", held %" PRIu64 " (now %u of %u), handed on %" PRIu64 ", evicted %" PRIu64,
			 w, (ft->mask + 1) * LB_FRAG_WAYS, R(recorded), R(followed), R(held),
			 __atomic_load_n(&ft->nb_held, __ATOMIC_RELAXED), ft->hold_max, R(released), R(evicted));
#undef R
		rte_tel_data_add_array_string(lines, line);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_container(d, LB_KEY_ENTRIES, lines, 0);
	return 0;
}

struct flow_vip {
	const char *name;
	int index;
	uint8_t proto;
	/* the backend of a slot, rendered: "IP:PORT" */
	uint16_t slot;
	char backend[32];
};

static void
find_flow_vip(const struct lb_config *cfg, uint64_t generation, void *arg)
{
	struct flow_vip *q = arg;
	char addr[INET_ADDRSTRLEN];
	q->backend[0] = '\0';
	for (unsigned i = 0; i < cfg->nb_vips; i++) {
		if (q->index < 0 && strcmp(cfg->vips[i].name, q->name) == 0)
			q->index = (int)i, q->proto = cfg->vips[i].proto;
		for (uint32_t b = 0; b < cfg->vips[i].nb_backends; b++)
			if (cfg->vips[i].backends[b].slot == q->slot) {
				inet_ntop(AF_INET, &cfg->vips[i].backends[b].addr, addr, sizeof(addr));
				snprintf(q->backend, sizeof(q->backend), "%s:%u", addr, cfg->vips[i].backends[b].port);
			}
	}
}

/* One flow's entry in every worker's table (each worker answers for its own). */
static int
cmd_flow(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const states[] = {"syn", "established", "closing", "udp"};
	char buf[PARAMS_MAX], line[160], *w[2];
	rte_be32_t addr;
	uint16_t port;
	const char *perr;
	struct flow_vip q = {.index = -1, .slot = UINT16_MAX};
	int n = split(params, buf, sizeof(buf), w, 2);

	if (n != 2)
		return reply_usage(d, n, "usage: " LB_API_FLOW ",VIP CLIENT_IP:PORT");
	if (lb_parse_addr_port(w[1], &addr, &port, &perr) < 0)
		return reply_error(d, perr);
	q.name = w[0];
	lb_control_read(find_flow_vip, &q);
	if (q.index < 0)
		return reply_error(d, "no such VIP");
	struct rte_tel_data *lines = rte_tel_data_alloc();
	if (!lines)
		return reply_error(d, "out of memory");
	rte_tel_data_start_array(lines, RTE_TEL_STRING_VAL);
	const uint64_t key = lb_flow_key(addr, rte_cpu_to_be_16(port), (uint16_t)q.index);
	unsigned tables = 0;
	for (unsigned wk = 0; wk < LB_MAX_WORKERS; wk++) {
		struct lb_flow_mailbox a;
		const int rc = lb_flow_lookup(wk, key, &a, 200);
		if (rc == -1)
			continue;
		tables++;
		if (rc == 1) {
			q.slot = lb_flow_ref_slot(a.backend);
			lb_control_read(find_flow_vip, &q);
			snprintf(line, sizeof(line), "worker %u: %s, %s, idle %.1f s", wk, q.backend[0] ? q.backend : "a removed backend",
				 states[a.state & 3], (double)a.age / LB_FLOW_TICKS_PER_S);
		} else {
			snprintf(line, sizeof(line), "worker %u: %s", wk,
				 rc == 0 ? "not in its table" : rc == -2 ? "no answer (worker busy or stopped)" : "busy: try again");
		}
		rte_tel_data_add_array_string(lines, line);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "tables", tables);
	rte_tel_data_add_dict_container(d, LB_KEY_ENTRIES, lines, 0);
	return 0;
}

#define HEALTH_PAGE 400

struct health_page {
	uint32_t first, n, total;
	uint64_t sent, ok, failed;
	struct rte_tel_data *lines;
};

static void
add_health(const struct lb_health_view *h, void *arg)
{
	static const char *const kinds[] = {"none", "tcp", "http", "udp"};
	struct health_page *p = arg;
	char addr[INET_ADDRSTRLEN], state[160], line[320];

	p->sent += h->sent, p->ok += h->ok, p->failed += h->failed;
	if (p->total++ < p->first || p->n >= HEALTH_PAGE)
		return;
	inet_ntop(AF_INET, &h->addr, addr, sizeof(addr));
	health_text(h, state, sizeof(state));
	snprintf(line, sizeof(line), "%s %s:%u %s %s; sent %" PRIu64 " ok %" PRIu64 " failed %" PRIu64 "%s", h->vip,
		 addr, h->port, kinds[h->kind], state, h->sent, h->ok, h->failed, h->down ? "; out of selection" : "");
	rte_tel_data_add_array_string(p->lines, line);
	p->n++;
}

static int
cmd_health(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], *w[2];
	struct health_page p = {0};
	int n = split(params, buf, sizeof(buf), w, 2);

	if (n < 0 || (n >= 1 && lb_parse_u32(w[0], 0, UINT32_MAX, &p.first) < 0))
		return reply_usage(d, n, "usage: " LB_API_HEALTH "[,FIRST [VIP]]");
	p.lines = rte_tel_data_alloc();
	if (!p.lines)
		return reply_error(d, "out of memory");
	rte_tel_data_start_array(p.lines, RTE_TEL_STRING_VAL);
	lb_health_read(n == 2 ? w[1] : NULL, add_health, &p);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "checks", p.total);
	rte_tel_data_add_dict_u64(d, "sent", p.sent);
	rte_tel_data_add_dict_u64(d, "ok", p.ok);
	rte_tel_data_add_dict_u64(d, "failed", p.failed);
	rte_tel_data_add_dict_u64(d, LB_KEY_FIRST, p.first);
	rte_tel_data_add_dict_container(d, LB_KEY_ENTRIES, p.lines, 0);
	return 0;
}

static int
cmd_health_set(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], why[160], *w[2];
	bool on;
	int n = split(params, buf, sizeof(buf), w, 2);

	if (n != 2)
		return reply_usage(d, n, "usage: " LB_API_HEALTH_SET ",VIP on|off");
	if (lb_parse_bool(w[1], &on) < 0)
		return reply_error(d, "expected on or off");
	if (lb_health_switch(w[0], on, why, sizeof(why)) < 0)
		return reply_error(d, why);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, LB_KEY_OK, on ? "checks on" : "checks off: every backend serves by its weight");
	return 0;
}

static int
cmd_health_force(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[PARAMS_MAX], why[160], *w[3];
	rte_be32_t addr;
	uint16_t port;
	const char *perr;
	int n = split(params, buf, sizeof(buf), w, 3);

	if (n != 3)
		return reply_usage(d, n, "usage: " LB_API_HEALTH_FORCE ",VIP IP:PORT up|down|auto");
	if (lb_parse_addr_port(w[1], &addr, &port, &perr) < 0)
		return reply_error(d, perr);
	const enum lb_health_force f = strcmp(w[2], "up") == 0 ? LB_FORCE_UP
				       : strcmp(w[2], "down") == 0 ? LB_FORCE_DOWN
				       : strcmp(w[2], "auto") == 0 ? LB_FORCE_NONE : (enum lb_health_force)-1;
	if ((int)f < 0)
		return reply_error(d, "expected up, down or auto");
	if (lb_health_force(w[0], addr, port, f, why, sizeof(why)) < 0)
		return reply_error(d, why);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, LB_KEY_OK, f == LB_FORCE_NONE ? "health from the checks again" : "health forced");
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
		{LB_API_VIPS, cmd_vips, "VIP names and addresses. No parameters"},
		{LB_API_VIP, cmd_vip, "One VIP: backends, weights, state, packets. Parameters: VIP [FIRST_BACKEND]"},
		{LB_API_BACKEND_ADD, cmd_backend_add, "Add a backend. Parameters: VIP IP:PORT [MAC] [weight=N]"},
		{LB_API_BACKEND_DEL, cmd_backend_del, "Remove a backend. Parameters: VIP IP:PORT"},
		{LB_API_BACKEND_WEIGHT, cmd_backend_weight, "Set a weight. Parameters: VIP IP:PORT WEIGHT"},
		{LB_API_BACKEND_DRAIN, cmd_backend_drain, "Weight 0: no new flow. Parameters: VIP IP:PORT"},
		{LB_API_DROP, cmd_drop, "Global drop switch. Parameters: [on|off]"},
		{LB_API_STATS, cmd_stats, "Packet counters and rates. No parameters"},
		{LB_API_CONFIG, cmd_config, "Running configuration as INI, page by page. Parameters: [PAGE]"},
		{LB_API_ARP, cmd_arp, "Neighbour table and ARP counters. Parameters: [FIRST]"},
		{LB_API_FLOWS, cmd_flows, "Each worker's flow table. No parameters"},
		{LB_API_FRAGS, cmd_frags, "Each worker's fragment table. No parameters"},
		{LB_API_FLOW, cmd_flow, "One flow's entry in each worker's table. Parameters: VIP CLIENT_IP:PORT"},
		{LB_API_HEALTH, cmd_health, "Every health check. Parameters: [FIRST [VIP]]"},
		{LB_API_HEALTH_SET, cmd_health_set, "A VIP's checks on or off. Parameters: VIP on|off"},
		{LB_API_HEALTH_FORCE, cmd_health_force, "Force a backend's health. Parameters: VIP IP:PORT up|down|auto"},
	};
	for (unsigned i = 0; i < RTE_DIM(cmds); i++)
		if (rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help) < 0)
			return -1;
	return 0;
}
