/* INI file -> struct lb_config. inih does the lexing; this file knows the
 * sections and their keys (one table of key descriptors per section kind)
 * and validates everything, so the app can refuse a bad file before the
 * EAL or any port is touched. */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wordexp.h>

#include <ini.h>

#include "control/lb_config.h"
#include "nodes/lb_frag_table.h"
#include "control/lb_lookup_fill.h"

#define MAX_SECTIONS (2 + LB_MAX_PORTS + LB_MAX_WORKERS + LB_MAX_VIPS)
#define MAX_KEYS 32 /* per section kind (the tables are checked against it below) */
#define STR(x) #x
#define XSTR(x) STR(x)

struct parse_state;

/* How a key's value is read: into a field of the section's object
 * (lb_config for [eal] and [lb], else lb_cfg_port, lb_cfg_worker or
 * lb_cfg_vip) by type, or by a function of its own. */
enum key_kind { KEY_U32, KEY_BOOL, KEY_WORD, KEY_FN };
#define KEY_REQUIRED 1u
#define KEY_REPEATABLE 2u

struct key_word {
	const char *word;
	int value;
};

struct key_desc {
	const char *name;
	enum key_kind kind;
	uint16_t offset, size;         /* the field: KEY_U32, KEY_BOOL, KEY_WORD */
	uint32_t min, max;             /* KEY_U32 */
	const char *what;              /* KEY_U32: the subject of "must be MIN..MAX" */
	const struct key_word *words;  /* KEY_WORD: ends with a NULL word */
	int (*parse)(struct parse_state *st, void *obj, const char *key, const char *value); /* KEY_FN */
	unsigned flags;                /* KEY_REQUIRED, KEY_REPEATABLE */
	const char *excludes;          /* a key of the section that must not be given too */
	const char *dflt;              /* read as the value when the key (and what it excludes) is absent */
};

#define FIELD(type, field) .offset = offsetof(type, field), .size = sizeof(((type *)0)->field)
#define U32(type, field, lo, hi, subject) .kind = KEY_U32, FIELD(type, field), .min = (lo), .max = (hi), .what = subject
#define BOOL(type, field) .kind = KEY_BOOL, FIELD(type, field)
#define WORD(type, field, list) .kind = KEY_WORD, FIELD(type, field), .words = list
#define FN(fn) .kind = KEY_FN, .parse = fn

struct section_desc {
	const char *name; /* "eal", "lb", or the prefix of "port.N", "worker.L", "vip.NAME" */
	const struct key_desc *keys;
	unsigned nb_keys;
	/* the object of a new section named prefix + suffix, or NULL after fail() */
	void *(*begin)(struct parse_state *st, const char *suffix);
	/* rules between keys of one section, after defaults; 1 or 0 after fail() */
	int (*end)(struct parse_state *st, void *obj);
};

/* One section of the file as read. */
struct section {
	char name[LB_NAME_SIZE + 8];
	const struct section_desc *desc;
	void *obj;
	int line;
	int key_line[MAX_KEYS]; /* per key of desc: the line it was given on, 0 = absent */
};

struct parse_state {
	struct lb_config *cfg;
	FILE *f;
	int line;         /* line the reader handed out last */
	int err_line;     /* first error; 0 = none */
	char err[512];
	char section[LB_NAME_SIZE + 8]; /* named in errors without a key */
	struct section *cur;            /* NULL: before the first section, or an unknown one */
	unsigned nb_sections;
	struct section sections[MAX_SECTIONS];
	uint16_t next_slot; /* backend counter slots, in file order */
};

/* Printable copy of untrusted text for error messages. */
static const char *
printable(const char *s, char *buf, size_t size)
{
	size_t o = 0;
	for (; *s && o + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (isprint(c))
			buf[o++] = c;
		else
			o += snprintf(buf + o, size - o, "\\x%02x", c);
	}
	if (*s && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int
fail(struct parse_state *st, int line, const char *key, const char *fmt, ...)
{
	char what[128], reason[320];
	va_list ap;

	if (st->err_line)
		return 0; /* keep the first error */
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	st->err_line = line > 0 ? line : 1;
	if (key)
		snprintf(st->err, sizeof(st->err), "key '%s': %s",
			 printable(key, what, sizeof(what)), reason);
	else
		snprintf(st->err, sizeof(st->err), "section '%s': %s",
			 printable(st->section, what, sizeof(what)), reason);
	return 0;
}

/* The line key was given on in the section whose object is obj; 0 = not given. */
static int
key_line(const struct parse_state *st, const void *obj, const char *key)
{
	for (unsigned i = 0; i < st->nb_sections; i++) {
		const struct section *s = &st->sections[i];
		if (s->obj != obj)
			continue;
		for (unsigned k = 0; k < s->desc->nb_keys; k++)
			if (strcmp(s->desc->keys[k].name, key) == 0)
				return s->key_line[k];
	}
	return 0;
}

static bool
valid_name(const char *s)
{
	if (!*s || strlen(s) >= LB_NAME_SIZE)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* ---- [eal] ---- */

static int
eal_args(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_config *cfg = obj;
	if (strlen(value) >= sizeof(cfg->eal_args))
		return fail(st, st->line, key, "longer than %zu characters", sizeof(cfg->eal_args) - 1);
	/* Split as the EAL will get them, then look for the arguments
	 * lb-graph derives from the file's own sections: a quoted
	 * "--vdev=..." is one of them too. */
	static const char *const owned[] = {"-l", "--lcores", "-c", "--main-lcore",
					    "--vdev", "-a", "--allow", "-b", "--block"};
	wordexp_t we;
	int wrc = wordexp(value, &we, WRDE_NOCMD);
	if (wrc != 0)
		return fail(st, st->line, key, "%s",
			    wrc == WRDE_SYNTAX   ? "unbalanced quotes or shell syntax"
			    : wrc == WRDE_CMDSUB ? "command substitution is not allowed"
						 : "cannot split into words");
	for (size_t w = 0; w < we.we_wordc; w++) {
		const char *tok = we.we_wordv[w];
		for (unsigned i = 0; i < RTE_DIM(owned); i++) {
			size_t l = strlen(owned[i]);
			if (strncmp(tok, owned[i], l) == 0 && (tok[l] == '\0' || tok[l] == '=' ||
			    (owned[i][1] != '-' && tok[l] != '\0'))) {
				wordfree(&we);
				return fail(st, st->line, key,
					    "'%s' is set by lb-graph from [worker.L], [eal] main_lcore and [port.N] dev",
					    owned[i]);
			}
		}
	}
	wordfree(&we);
	strcpy(cfg->eal_args, value);
	return 1;
}

static const struct key_desc eal_keys[] = {
	{"args", FN(eal_args)},
	{"main_lcore", U32(struct lb_config, main_lcore, 0, RTE_MAX_LCORE - 1, "main_lcore"), .dflt = "0"},
	{"main_cpu", U32(struct lb_config, main_cpu, 0, 1023, "main_cpu")}, /* default: main_lcore */
	{"mbufs", U32(struct lb_config, mbufs, 1024, 16u << 20, "mbufs")},  /* default: sized by lb-graph */
};

static void *
eal_begin(struct parse_state *st, const char *suffix)
{
	return st->cfg;
}

static int
eal_end(struct parse_state *st, void *obj)
{
	struct lb_config *cfg = obj;
	if (!key_line(st, obj, "main_cpu"))
		cfg->main_cpu = cfg->main_lcore;
	return 1;
}

/* ---- [lb] ---- */

static int
lb_hash_seed(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_config *cfg = obj;
	if (lb_parse_seed(value, cfg->hash_seed) < 0)
		return fail(st, st->line, key, LB_SEED_SYNTAX);
	return 1;
}

static int
lb_hash_seed_file(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_config *cfg = obj;
	char why[LB_CFG_STR_SIZE + 128];
	if (strlen(value) >= sizeof(cfg->hash_seed_file))
		return fail(st, st->line, key, "longer than %zu characters", sizeof(cfg->hash_seed_file) - 1);
	if (lb_parse_seed_file(value, cfg->hash_seed, why, sizeof(why)))
		return fail(st, st->line, key, "%s", why);
	strcpy(cfg->hash_seed_file, value);
	return 1;
}

static const struct key_word flow_hash_words[] = {
	{"keyed", LB_FLOW_HASH_KEYED}, {"crc32c", LB_FLOW_HASH_CRC32C}, {NULL, 0}};
static const struct key_word node_loop_words[] = {
	{"auto", LB_LOOP_AUTO}, {"quad", LB_LOOP_QUAD}, {"scalar", LB_LOOP_SCALAR}, {NULL, 0}};

static int
lb_flow_entries(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_config *cfg = obj;
	if (lb_parse_u32(value, 1024, 1u << 26, &cfg->flow_entries) < 0 || (cfg->flow_entries & (cfg->flow_entries - 1)))
		return fail(st, st->line, key, "expected a power of two, 1024..67108864 (16 bytes each, per worker)");
	return 1;
}

static int
lb_frag_entries(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_config *cfg = obj;
	if (lb_parse_u32(value, 64, 1u << 20, &cfg->frag_entries) < 0 || (cfg->frag_entries & (cfg->frag_entries - 1)))
		return fail(st, st->line, key, "expected a power of two, 64..1048576 (64 bytes each, per worker)");
	return 1;
}

static const struct key_desc lb_keys[] = {
	{"hash_seed", FN(lb_hash_seed), .excludes = "hash_seed_file", .dflt = "0x1b873593"},
	{"hash_seed_file", FN(lb_hash_seed_file), .excludes = "hash_seed"},
	{"flow_hash", WORD(struct lb_config, flow_hash, flow_hash_words), .dflt = "keyed"},
	{"drop", BOOL(struct lb_config, drop), .dflt = "off"},
	{"stats_interval", U32(struct lb_config, stats_interval, 0, 3600, "stats_interval (seconds)"), .dflt = "1"},
	{"graph_stats", BOOL(struct lb_config, graph_stats), .dflt = "off"},
	{"node_loop", WORD(struct lb_config, node_loop, node_loop_words), .dflt = "auto"},
	{"flow_entries", FN(lb_flow_entries), .dflt = "262144"},
	{"flow_timeout_syn", U32(struct lb_config, flow_timeout_s[0], 1, 86400, "flow_timeout_syn (seconds)"), .dflt = "10"},
	{"flow_timeout_tcp", U32(struct lb_config, flow_timeout_s[1], 1, 86400, "flow_timeout_tcp (seconds)"), .dflt = "300"},
	{"flow_timeout_fin", U32(struct lb_config, flow_timeout_s[2], 1, 86400, "flow_timeout_fin (seconds)"), .dflt = "10"},
	{"flow_timeout_udp", U32(struct lb_config, flow_timeout_s[3], 1, 86400, "flow_timeout_udp (seconds)"), .dflt = "60"},
	{"flow_guard_rate", U32(struct lb_config, flow_guard_rate, 1, 100000000, "flow_guard_rate (new flows per second)"),
	 .dflt = "1000000"},
	{"frag_entries", FN(lb_frag_entries), .dflt = "4096"},
	{"frag_timeout_ms", U32(struct lb_config, frag_timeout_ms, 10, 60000, "frag_timeout_ms"), .dflt = "1000"},
	{"frag_hold", U32(struct lb_config, frag_hold, 0, LB_FRAG_MAX_HOLD, "frag_hold (fragments per worker)"),
	 .dflt = "64"},
};

/* ---- [port.N] ---- */

static bool
is_pci_address(const char *s)
{
	unsigned d, b, dev, fn;
	char tail;
	return sscanf(s, "%x:%x:%x.%x%c", &d, &b, &dev, &fn, &tail) == 4 ||
	       sscanf(s, "%x:%x.%x%c", &b, &dev, &fn, &tail) == 3;
}

static int
port_dev(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_port *p = obj;
	if (strlen(value) >= sizeof(p->dev))
		return fail(st, st->line, key, "longer than %zu characters", sizeof(p->dev) - 1);
	if (strncmp(value, "net_", 4) != 0 && !is_pci_address(value))
		return fail(st, st->line, key,
			    "expected a DPDK virtual device (net_pcap0,...) or a PCI address (0000:01:00.0)");
	if (strpbrk(value, " \t"))
		return fail(st, st->line, key, "no spaces allowed in a device string");
	strcpy(p->dev, value);
	return 1;
}

static int
port_addr(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_port *p = obj;
	char buf[32], *slash;
	uint32_t len;
	snprintf(buf, sizeof(buf), "%s", value);
	slash = strchr(buf, '/');
	if (!slash)
		return fail(st, st->line, key, "expected ADDRESS/PREFIX_LENGTH, e.g. 192.0.2.1/24");
	*slash = '\0';
	if (lb_parse_ipv4(buf, &p->addr) < 0 || lb_parse_u32(slash + 1, 8, 32, &len) < 0)
		return fail(st, st->line, key, "expected ADDRESS/PREFIX_LENGTH with a length of 8..32");
	p->prefix_len = len;
	return 1;
}

static int
port_gateway(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_port *p = obj;
	if (lb_parse_ipv4(value, &p->gateway) < 0)
		return fail(st, st->line, key, "bad IPv4 address '%s'", value);
	return 1;
}

static int
port_kernel(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_port *p = obj;
	const size_t n = strlen(value);
	if (n == 0 || n >= sizeof(p->kernel) || strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n ||
	    strcmp(value, ".") == 0 || strcmp(value, "..") == 0)
		return fail(st, st->line, key, "expected an interface name of 1..%zu characters of [A-Za-z0-9_.-]",
			    sizeof(p->kernel) - 1);
	strcpy(p->kernel, value);
	return 1;
}

static const struct key_word dst_mac_words[] = {{"own", false}, {"any", true}, {NULL, 0}};

static const struct key_desc port_keys[] = {
	{"dev", FN(port_dev), .flags = KEY_REQUIRED},
	{"rx_queues", U32(struct lb_cfg_port, rx_queues, 1, 16, "rx_queues"), .dflt = "1"},
	{"rx_desc", U32(struct lb_cfg_port, rx_desc, 64, 16384, "rx_desc"), .dflt = "1024"},
	{"tx_desc", U32(struct lb_cfg_port, tx_desc, 64, 16384, "tx_desc"), .dflt = "1024"},
	{"promiscuous", BOOL(struct lb_cfg_port, promiscuous), .dflt = "off"},
	{"addr", FN(port_addr)},
	{"gateway", FN(port_gateway)},
	{"dst_mac", WORD(struct lb_cfg_port, any_dst_mac, dst_mac_words), .dflt = "own"},
	{"check_gateway_mac", BOOL(struct lb_cfg_port, check_gateway_mac), .dflt = "off"},
	{"icmp_rate", U32(struct lb_cfg_port, icmp_rate, 0, LB_MAX_ICMP_RATE, "icmp_rate (echo replies per second)"),
	 .dflt = XSTR(LB_DEFAULT_ICMP_RATE)},
	{"icmp_burst", U32(struct lb_cfg_port, icmp_burst, 1, LB_MAX_ICMP_RATE, "icmp_burst")}, /* default: icmp_rate */
	{"kernel", FN(port_kernel)},
	{"kernel_rate", U32(struct lb_cfg_port, kernel_rate, 1, LB_MAX_KERNEL_RATE, "kernel_rate (packets per second)"),
	 .dflt = XSTR(LB_DEFAULT_KERNEL_RATE)},
	{"kernel_burst", U32(struct lb_cfg_port, kernel_burst, 1, LB_MAX_KERNEL_RATE, "kernel_burst")}, /* default: kernel_rate */
	{"mtu", U32(struct lb_cfg_port, mtu, LB_MIN_MTU, LB_MAX_MTU, "mtu (bytes of IPv4)"), .dflt = XSTR(LB_DEFAULT_MTU)},
};

static void *
port_begin(struct parse_state *st, const char *suffix)
{
	uint32_t n;
	if (lb_parse_u32(suffix, 0, LB_MAX_PORTS - 1, &n) < 0 || !isdigit((unsigned char)suffix[0])) {
		fail(st, st->line, NULL, "port number must be 0..%d", LB_MAX_PORTS - 1);
		return NULL;
	}
	struct lb_cfg_port *p = &st->cfg->ports[n];
	p->defined = true;
	p->line = st->line;
	return p;
}

static int
port_end(struct parse_state *st, void *obj)
{
	struct lb_cfg_port *p = obj;
	const int gw_line = key_line(st, obj, "gateway");
	if (p->gateway && !p->addr)
		return fail(st, gw_line, "gateway", "needs the port's own addr");
	if (p->gateway && !lb_cfg_port_on_link(p, p->gateway))
		return fail(st, gw_line, "gateway", "not in the port's subnet");
	if (p->kernel[0] && !p->addr)
		return fail(st, key_line(st, obj, "kernel"), "kernel", "needs the port's own addr");
	return 1;
}

/* ---- [worker.L] ---- */

static int
worker_rx(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_worker *w = obj;
	char copy[LB_CFG_STR_SIZE], *save, *tok;
	snprintf(copy, sizeof(copy), "%s", value);
	for (tok = strtok_r(copy, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		uint32_t port, queue;
		char *colon = strchr(tok, ':');
		if (!colon)
			return fail(st, st->line, key, "expected PORT:QUEUE, got '%s'", tok);
		*colon = '\0';
		if (lb_parse_u32(tok, 0, LB_MAX_PORTS - 1, &port) < 0 ||
		    lb_parse_u32(colon + 1, 0, 15, &queue) < 0)
			return fail(st, st->line, key, "expected PORT:QUEUE with port 0..%d and queue 0..15",
				    LB_MAX_PORTS - 1);
		if (w->nb_rx >= LB_CFG_MAX_RX_PER_WORKER)
			return fail(st, st->line, key, "more than %d queues", LB_CFG_MAX_RX_PER_WORKER);
		w->rx[w->nb_rx++] = (struct lb_cfg_rxq){.port = port, .queue = queue};
	}
	if (w->nb_rx == 0)
		return fail(st, st->line, key, "expected at least one PORT:QUEUE");
	return 1;
}

static const struct key_desc worker_keys[] = {
	{"rx", FN(worker_rx), .flags = KEY_REQUIRED},
	{"cpu", U32(struct lb_cfg_worker, cpu, 0, 1023, "cpu")}, /* default: the lcore's number */
};

static void *
worker_begin(struct parse_state *st, const char *suffix)
{
	struct lb_config *cfg = st->cfg;
	uint32_t n;
	if (lb_parse_u32(suffix, 0, RTE_MAX_LCORE - 1, &n) < 0 || !isdigit((unsigned char)suffix[0])) {
		fail(st, st->line, NULL, "worker lcore must be 0..%d", RTE_MAX_LCORE - 1);
		return NULL;
	}
	if (cfg->nb_workers >= LB_MAX_WORKERS) {
		fail(st, st->line, NULL, "more than %d workers", LB_MAX_WORKERS);
		return NULL;
	}
	struct lb_cfg_worker *w = &cfg->workers[cfg->nb_workers++];
	w->lcore = n;
	w->cpu = n;
	w->line = st->line;
	return w;
}

/* ---- [vip.NAME] ---- */

static int
vip_addr(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_vip *v = obj;
	if (lb_parse_ipv4(value, &v->addr) < 0)
		return fail(st, st->line, key, "bad IPv4 address '%s'", value);
	return 1;
}

static int
vip_backend(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_vip *v = obj;
	struct lb_cfg_backend be = {.line = st->line};
	const char *why;
	if (lb_parse_backend(value, &be, &why) < 0)
		return fail(st, st->line, key, "%s", why);
	if (v->nb_backends >= LB_MAX_BACKENDS)
		return fail(st, st->line, key, "more than %d backends", LB_MAX_BACKENDS);
	for (uint32_t i = 0; i < v->nb_backends; i++)
		if (v->backends[i].addr == be.addr && v->backends[i].port == be.port)
			return fail(st, st->line, key, "duplicate backend (also on line %d)", v->backends[i].line);
	be.slot = st->next_slot++;
	v->backends[v->nb_backends++] = be;
	return 1;
}

static int
vip_table_size(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_vip *v = obj;
	if (lb_parse_u32(value, 3, LB_MAX_TABLE_SIZE, &v->table_size) < 0)
		return fail(st, st->line, key, "table_size must be 3..%u", LB_MAX_TABLE_SIZE);
	if (!lb_is_prime(v->table_size))
		return fail(st, st->line, key, "%u is not prime (Maglev needs a prime table size)", v->table_size);
	return 1;
}

static int
check_text(struct parse_state *st, const char *key, const char *value, char *dst, size_t size)
{
	const size_t n = strlen(value);
	if (n >= size)
		return fail(st, st->line, key, "longer than %zu characters", size - 1);
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)value[i]))
			return fail(st, st->line, key, "printable characters only");
	strcpy(dst, value);
	return 1;
}

static int
vip_check_path(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_vip *v = obj;
	if (value[0] != '/' || strpbrk(value, " \t"))
		return fail(st, st->line, key, "expected a path that starts with '/' and has no spaces");
	return check_text(st, key, value, v->check.path, sizeof(v->check.path));
}

static int
vip_check_host(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_vip *v = obj;
	if (!*value || strpbrk(value, " \t:/"))
		return fail(st, st->line, key, "expected a host name, without spaces, ':' or '/'");
	return check_text(st, key, value, v->check.host, sizeof(v->check.host));
}

/* "200", "200-399", "200,204,301-302": codes 100..599. */
static int
vip_check_status(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_vip *v = obj;
	char copy[64], *save, *tok;
	if (strlen(value) >= sizeof(copy))
		return fail(st, st->line, key, "longer than %zu characters", sizeof(copy) - 1);
	snprintf(copy, sizeof(copy), "%s", value);
	memset(v->check.status, 0, sizeof(v->check.status));
	bool any = false;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint32_t lo, hi;
		char *dash = strchr(tok, '-');
		if (dash)
			*dash = '\0';
		if (lb_parse_u32(tok, 100, 599, &lo) < 0 || lb_parse_u32(dash ? dash + 1 : tok, lo, 599, &hi) < 0)
			return fail(st, st->line, key, "expected HTTP status codes 100..599 and ranges, e.g. 200-399 or 200,204");
		for (uint32_t c = lo; c <= hi; c++)
			v->check.status[(c - 100) / 64] |= 1ull << ((c - 100) % 64);
		any = true;
	}
	if (!any)
		return fail(st, st->line, key, "expected HTTP status codes 100..599 and ranges, e.g. 200-399 or 200,204");
	snprintf(v->check.status_text, sizeof(v->check.status_text), "%s", value);
	return 1;
}

static int
vip_check_send(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_vip *v = obj;
	return check_text(st, key, value, v->check.send, sizeof(v->check.send));
}

static int
vip_check_expect(struct parse_state *st, void *obj, const char *key, const char *value)
{
	struct lb_cfg_vip *v = obj;
	return check_text(st, key, value, v->check.expect, sizeof(v->check.expect));
}

static const struct key_word affinity_words[] = {{"none", false}, {"flow", true}, {NULL, 0}};
static const struct key_word check_words[] = {
	{"none", LB_CHECK_NONE}, {"tcp", LB_CHECK_TCP}, {"http", LB_CHECK_HTTP}, {"udp", LB_CHECK_UDP}, {NULL, 0}};
static const struct key_word all_down_words[] = {{"drop", LB_ALL_DOWN_DROP}, {"open", LB_ALL_DOWN_OPEN}, {NULL, 0}};

static const struct key_word proto_words[] = {{"tcp", IPPROTO_TCP}, {"udp", IPPROTO_UDP}, {NULL, 0}};
static const struct key_word hash_words[] = {{"maglev", LB_HASH_MAGLEV}, {"modulo", LB_HASH_MODULO}, {NULL, 0}};

static const struct key_desc vip_keys[] = {
	{"addr", FN(vip_addr), .flags = KEY_REQUIRED},
	{"port", U32(struct lb_cfg_vip, port, 1, 65535, "port"), .flags = KEY_REQUIRED},
	{"proto", WORD(struct lb_cfg_vip, proto, proto_words), .flags = KEY_REQUIRED},
	{"out_port", U32(struct lb_cfg_vip, out_port, 0, LB_MAX_PORTS - 1, "out_port"), .flags = KEY_REQUIRED},
	{"backend", FN(vip_backend), .flags = KEY_REPEATABLE},
	{"hash", WORD(struct lb_cfg_vip, hash, hash_words), .dflt = "maglev"},
	{"table_size", FN(vip_table_size), .dflt = XSTR(LB_DEFAULT_TABLE_SIZE)},
	{"check", WORD(struct lb_cfg_vip, check.kind, check_words), .dflt = "none"},
	{"check_port", U32(struct lb_cfg_vip, check.port, 1, 65535, "check_port")}, /* default: the backend's */
	{"check_interval_ms", U32(struct lb_cfg_vip, check.interval_ms, 100, 3600000, "check_interval_ms"), .dflt = "2000"},
	{"check_timeout_ms", U32(struct lb_cfg_vip, check.timeout_ms, 10, 60000, "check_timeout_ms"), .dflt = "1000"},
	{"check_rise", U32(struct lb_cfg_vip, check.rise, 1, 100, "check_rise"), .dflt = "2"},
	{"check_fall", U32(struct lb_cfg_vip, check.fall, 1, 100, "check_fall"), .dflt = "3"},
	{"check_path", FN(vip_check_path), .dflt = "/"},
	{"check_host", FN(vip_check_host)},
	{"check_status", FN(vip_check_status), .dflt = "200-399"},
	{"check_send", FN(vip_check_send), .dflt = "ping"},
	{"check_expect", FN(vip_check_expect)},
	{"all_down", WORD(struct lb_cfg_vip, all_down, all_down_words), .dflt = "drop"},
	{"affinity", WORD(struct lb_cfg_vip, affinity, affinity_words), .dflt = "flow"},
};

/* The check keys fit the kind, and the probes have their way out: the
 * out_port's kernel interface (checked with the ports, check_config). */
static int
vip_end(struct parse_state *st, void *obj)
{
	const struct lb_cfg_vip *v = obj;
	static const struct {
		const char *key;
		enum lb_check_kind kind;
	} only[] = {{"check_path", LB_CHECK_HTTP}, {"check_host", LB_CHECK_HTTP}, {"check_status", LB_CHECK_HTTP},
		    {"check_send", LB_CHECK_UDP}, {"check_expect", LB_CHECK_UDP}};
	for (unsigned i = 0; i < RTE_DIM(only); i++) {
		const int line = key_line(st, obj, only[i].key);
		if (line && v->check.kind != only[i].kind)
			return fail(st, line, only[i].key, "only for check = %s", only[i].kind == LB_CHECK_HTTP ? "http" : "udp");
	}
	static const char *const timing[] = {"check_port", "check_interval_ms", "check_timeout_ms", "check_rise",
					     "check_fall"};
	for (unsigned i = 0; i < RTE_DIM(timing) && v->check.kind == LB_CHECK_NONE; i++) {
		const int line = key_line(st, obj, timing[i]);
		if (line)
			return fail(st, line, timing[i], "needs a check (check = tcp, http or udp)");
	}
	if (v->check.timeout_ms > v->check.interval_ms)
		return fail(st, key_line(st, obj, "check_timeout_ms") ? key_line(st, obj, "check_timeout_ms") : v->line,
			    "check_timeout_ms", "longer than check_interval_ms (%u)", v->check.interval_ms);
	return 1;
}

static void *
vip_begin(struct parse_state *st, const char *suffix)
{
	struct lb_config *cfg = st->cfg;
	if (!valid_name(suffix)) {
		fail(st, st->line, NULL, "VIP name must be 1..%d characters of [A-Za-z0-9_-]", LB_NAME_SIZE - 1);
		return NULL;
	}
	if (cfg->nb_vips >= LB_MAX_VIPS) {
		fail(st, st->line, NULL, "more than %d VIPs", LB_MAX_VIPS);
		return NULL;
	}
	struct lb_cfg_vip *v = &cfg->vips[cfg->nb_vips++];
	snprintf(v->name, sizeof(v->name), "%s", suffix);
	v->line = st->line;
	v->backends = calloc(LB_MAX_BACKENDS, sizeof(*v->backends));
	if (!v->backends) {
		fail(st, st->line, NULL, "out of memory");
		return NULL;
	}
	return v;
}

#define KEYS(list) .keys = list, .nb_keys = RTE_DIM(list)
static const struct section_desc section_descs[] = {
	{"eal", KEYS(eal_keys), .begin = eal_begin, .end = eal_end},
	{"lb", KEYS(lb_keys), .begin = eal_begin},
	{"port.", KEYS(port_keys), .begin = port_begin, .end = port_end},
	{"worker.", KEYS(worker_keys), .begin = worker_begin},
	{"vip.", KEYS(vip_keys), .begin = vip_begin, .end = vip_end},
};
#define SINGLETONS 2 /* eal and lb: their defaults hold when the file has no such section */
static_assert(RTE_DIM(eal_keys) <= MAX_KEYS && RTE_DIM(lb_keys) <= MAX_KEYS && RTE_DIM(port_keys) <= MAX_KEYS &&
		      RTE_DIM(worker_keys) <= MAX_KEYS && RTE_DIM(vip_keys) <= MAX_KEYS,
	      "a section has more keys than struct section can track");

/* ---- reading a key ---- */

static void
store(void *obj, const struct key_desc *k, uint32_t v)
{
	uint8_t *field = (uint8_t *)obj + k->offset;
	switch (k->size) {
	case 1: {
		const uint8_t x = v;
		memcpy(field, &x, 1);
		break;
	}
	case 2: {
		const uint16_t x = v;
		memcpy(field, &x, 2);
		break;
	}
	default: /* 4: uint32_t, unsigned or an enum */
		memcpy(field, &v, 4);
		break;
	}
}

/* The value of key k into obj: 1, or 0 after fail(). */
static int
read_value(struct parse_state *st, const struct key_desc *k, void *obj, const char *value)
{
	switch (k->kind) {
	case KEY_U32: {
		uint32_t v;
		if (lb_parse_u32(value, k->min, k->max, &v) < 0)
			return fail(st, st->line, k->name, "%s must be %u..%u", k->what, k->min, k->max);
		store(obj, k, v);
		return 1;
	}
	case KEY_BOOL: {
		bool b;
		if (lb_parse_bool(value, &b) < 0)
			return fail(st, st->line, k->name, "expected " LB_BOOL_WORDS);
		store(obj, k, b);
		return 1;
	}
	case KEY_WORD: {
		char list[128] = "";
		unsigned n = 0;
		for (const struct key_word *w = k->words; w->word; w++, n++)
			if (strcmp(value, w->word) == 0) {
				store(obj, k, (uint32_t)w->value);
				return 1;
			}
		for (unsigned i = 0; i < n; i++) {
			strcat(list, i == 0 ? "" : i + 1 == n ? " or " : ", ");
			strcat(list, k->words[i].word);
		}
		return fail(st, st->line, k->name, "expected %s", list);
	}
	case KEY_FN:
		return k->parse(st, obj, k->name, value);
	}
	return 0;
}

static int
key_index(const struct section_desc *d, const char *key)
{
	for (unsigned i = 0; i < d->nb_keys; i++)
		if (strcmp(d->keys[i].name, key) == 0)
			return (int)i;
	return -1;
}

static int
handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *st = user;
	struct section *s = st->cur;
	(void)section; /* the reader tracks sections itself */

	if (st->err_line)
		return 0;
	if (!s)
		return fail(st, st->line, key, "key outside any section");
	const struct section_desc *d = s->desc;
	const int i = key_index(d, key);
	if (i < 0) {
		char list[256] = "";
		for (unsigned k = 0; k < d->nb_keys; k++) {
			strcat(list, k ? ", " : "");
			strcat(list, d->keys[k].name);
		}
		return fail(st, st->line, key, "unknown key (this section takes: %s)", list);
	}
	const struct key_desc *k = &d->keys[i];
	if (s->key_line[i] && !(k->flags & KEY_REPEATABLE))
		return fail(st, st->line, key, "duplicate key");
	if (k->excludes && s->key_line[key_index(d, k->excludes)]) {
		const bool first = i < key_index(d, k->excludes);
		return fail(st, st->line, key, "%s and %s exclude each other", first ? key : k->excludes,
			    first ? k->excludes : key);
	}
	s->key_line[i] = st->line;
	return read_value(st, k, s->obj, value);
}

/* The end of a section: defaults of the keys not given, then the keys it
 * requires and its own rules. 1, or 0 after fail(). */
static int
section_end(struct parse_state *st, struct section *s)
{
	const struct section_desc *d = s->desc;
	const int line = st->line;

	snprintf(st->section, sizeof(st->section), "%s", s->name);
	for (unsigned i = 0; i < d->nb_keys; i++) {
		const struct key_desc *k = &d->keys[i];
		if (s->key_line[i])
			continue;
		if (k->flags & KEY_REQUIRED)
			return fail(st, s->line, NULL, "missing key '%s'", k->name);
		if (k->dflt && !(k->excludes && s->key_line[key_index(d, k->excludes)])) {
			st->line = s->line; /* a default that does not parse is a bug: name the section */
			const int ok = read_value(st, k, s->obj, k->dflt);
			st->line = line;
			if (!ok)
				return 0;
		}
	}
	return d->end ? d->end(st, s->obj) : 1;
}

/* Called by the reader for each "[name]" line, so that empty and duplicate
 * sections are seen too. */
static void
section_begin(struct parse_state *st, const char *name)
{
	if (st->cur && !section_end(st, st->cur))
		return;
	st->cur = NULL;
	snprintf(st->section, sizeof(st->section), "%s", name);
	for (unsigned i = 0; i < st->nb_sections; i++)
		if (strcmp(st->sections[i].name, name) == 0) {
			fail(st, st->line, NULL, "duplicate section");
			return;
		}
	if (st->nb_sections >= MAX_SECTIONS || strlen(name) >= sizeof(st->sections[0].name)) {
		fail(st, st->line, NULL, "too many sections or name too long");
		return;
	}
	const struct section_desc *d = NULL;
	const char *suffix = NULL;
	for (unsigned i = 0; i < RTE_DIM(section_descs) && !d; i++) {
		const char *n = section_descs[i].name;
		const size_t len = strlen(n);
		if (i < SINGLETONS ? strcmp(name, n) == 0 : strncmp(name, n, len) == 0)
			d = &section_descs[i], suffix = name + len;
	}
	if (!d) {
		fail(st, st->line, NULL, "unknown section (expected eal, lb, port.N, worker.L or vip.NAME)");
		return;
	}
	struct section *s = &st->sections[st->nb_sections++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->desc = d;
	s->line = st->line;
	s->obj = d->begin(st, suffix);
	if (s->obj)
		st->cur = s;
}

/* After the last line: the last section ends, and [eal] and [lb] take
 * their defaults when the file has no such section. */
static int
file_end(struct parse_state *st)
{
	if (st->cur && !section_end(st, st->cur))
		return 0;
	st->cur = NULL;
	for (unsigned i = 0; i < SINGLETONS; i++) {
		bool seen = false;
		for (unsigned j = 0; j < st->nb_sections; j++)
			seen |= st->sections[j].desc == &section_descs[i];
		if (seen)
			continue;
		struct section s = {.desc = &section_descs[i], .line = st->line, .obj = st->cfg};
		snprintf(s.name, sizeof(s.name), "%s", section_descs[i].name);
		if (!section_end(st, &s))
			return 0;
	}
	return 1;
}

/* fgets for inih that counts lines, refuses over-long ones (inih would
 * silently split them) and reports section headers as they go by. */
static char *
reader(char *buf, int size, void *stream)
{
	struct parse_state *st = stream;
	char *s;

	if (st->err_line || !fgets(buf, size, st->f))
		return NULL;
	st->line++;
	size_t len = strlen(buf);
	if (len == (size_t)size - 1 && buf[len - 1] != '\n' && !feof(st->f)) {
		fail(st, st->line, NULL, "line longer than %d characters", size - 2);
		return NULL;
	}
	if (len < (size_t)size - 1 && buf[len ? len - 1 : 0] != '\n' && !feof(st->f)) {
		fail(st, st->line, NULL, "NUL byte in line");
		return NULL;
	}
	s = buf;
	if (st->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (end) {
			char name[LB_NAME_SIZE + 8];
			size_t n = end - s - 1;
			if (n >= sizeof(name)) {
				fail(st, st->line, NULL, "section name too long");
				return NULL;
			}
			memcpy(name, s + 1, n);
			name[n] = '\0';
			section_begin(st, name);
		}
	}
	return buf;
}

/* ---- whole-file checks ---- */

static int
check_config(struct parse_state *st)
{
	struct lb_config *cfg = st->cfg;
	int polled_by[LB_MAX_PORTS][16];
	unsigned nb_ports = 0, slots = 0;

	memset(polled_by, -1, sizeof(polled_by));
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		struct lb_cfg_port *port = &cfg->ports[p];
		if (!port->defined)
			continue;
		nb_ports++;
		snprintf(st->section, sizeof(st->section), "port.%u", p);
		for (unsigned q = 0; q < p; q++)
			if (cfg->ports[q].defined && strcmp(cfg->ports[q].dev, port->dev) == 0)
				return fail(st, port->line, NULL, "same dev as port.%u", q);
		for (unsigned q = 0; q < p && port->kernel[0]; q++)
			if (cfg->ports[q].defined && strcmp(cfg->ports[q].kernel, port->kernel) == 0)
				return fail(st, key_line(st, port, "kernel"), "kernel", "port.%u has that interface already", q);
	}
	if (nb_ports == 0)
		return fail(st, st->line, "[port.N]", "no port defined");
	if (cfg->nb_workers == 0)
		return fail(st, st->line, "[worker.L]", "no worker defined");
	if (cfg->nb_vips == 0)
		return fail(st, st->line, "[vip.NAME]", "no VIP defined");

	for (unsigned i = 0; i < cfg->nb_workers; i++) {
		struct lb_cfg_worker *w = &cfg->workers[i];
		snprintf(st->section, sizeof(st->section), "worker.%u", w->lcore);
		if (w->lcore == cfg->main_lcore)
			return fail(st, w->line, NULL, "worker on the main lcore %u (set [eal] main_lcore)",
				    cfg->main_lcore);
		for (unsigned j = 0; j < i; j++)
			if (cfg->workers[j].lcore == w->lcore)
				return fail(st, w->line, NULL, "duplicate worker lcore");
		const int rx_line = key_line(st, w, "rx");
		for (unsigned r = 0; r < w->nb_rx; r++) {
			const struct lb_cfg_rxq *q = &w->rx[r];
			if (!cfg->ports[q->port].defined)
				return fail(st, rx_line, "rx", "port %u is not defined", q->port);
			if (q->queue >= cfg->ports[q->port].rx_queues)
				return fail(st, rx_line, "rx",
					    "queue %u:%u does not exist (port.%u has rx_queues = %u)",
					    q->port, q->queue, q->port, cfg->ports[q->port].rx_queues);
			int *owner = &polled_by[q->port][q->queue];
			if (*owner >= 0)
				return fail(st, rx_line, "rx",
					    "queue %u:%u is already polled by worker.%u", q->port, q->queue,
					    cfg->workers[*owner].lcore);
			*owner = i;
		}
	}
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		if (!cfg->ports[p].defined)
			continue;
		for (unsigned q = 0; q < cfg->ports[p].rx_queues; q++)
			if (polled_by[p][q] < 0) {
				snprintf(st->section, sizeof(st->section), "port.%u", p);
				const int rxq_line = key_line(st, &cfg->ports[p], "rx_queues");
				return fail(st, rxq_line ? rxq_line : cfg->ports[p].line, rxq_line ? "rx_queues" : NULL,
					    "queue %u:%u is polled by no worker", p, q);
			}
	}

	for (unsigned i = 0; i < cfg->nb_vips; i++) {
		struct lb_cfg_vip *v = &cfg->vips[i];
		snprintf(st->section, sizeof(st->section), "vip.%s", v->name);
		if (!cfg->ports[v->out_port].defined)
			return fail(st, key_line(st, v, "out_port"), "out_port", "port %u is not defined",
				    v->out_port);
		if (v->check.kind != LB_CHECK_NONE && !cfg->ports[v->out_port].kernel[0])
			return fail(st, key_line(st, v, "check"), "check",
				    "needs a kernel interface on the out_port ([port.%u] kernel): the probes leave by "
				    "the data's port and next hop", v->out_port);
		for (unsigned j = 0; j < i; j++) {
			const struct lb_cfg_vip *o = &cfg->vips[j];
			if (o->addr == v->addr && o->port == v->port && o->proto == v->proto)
				return fail(st, v->line, NULL, "duplicate VIP: same address, port and protocol as vip.%s",
					    o->name);
		}
		if (v->hash == LB_HASH_MAGLEV && v->nb_backends > v->table_size)
			return fail(st, v->line, NULL, "%u backends do not fit table_size %u", v->nb_backends,
				    v->table_size);
		for (uint32_t b = 0; b < v->nb_backends; b++) {
			const char *why = lb_config_backend_conflict(cfg, v, &v->backends[b], i);
			if (why)
				return fail(st, v->backends[b].line, "backend", "%s", why);
		}
		slots += v->nb_backends;
	}
	if (slots > LB_MAX_BACKEND_SLOTS)
		return fail(st, st->line, "backend", "more than %d backends in all", LB_MAX_BACKEND_SLOTS);
	return 1;
}

const char *
lb_config_backend_conflict(const struct lb_config *cfg, const struct lb_cfg_vip *v,
			   const struct lb_cfg_backend *b, unsigned nb_vips)
{
	static char why[128];

	const struct lb_cfg_port *out = &cfg->ports[v->out_port];
	if (!b->has_mac && !out->addr)
		return "backend without a MAC: give one, or an addr to the out_port so that ARP finds it";
	if (!b->has_mac && !out->gateway && !lb_cfg_port_on_link(out, b->addr))
		return "backend without a MAC off the out_port's subnet, and the port has no gateway: "
		       "give a MAC or a gateway";
	for (unsigned i = 0; i < nb_vips; i++) {
		const struct lb_cfg_vip *o = &cfg->vips[i];
		if (o == v || o->proto != v->proto)
			continue;
		for (uint32_t j = 0; j < o->nb_backends; j++)
			if (o->backends[j].addr == b->addr && o->backends[j].port == b->port) {
				snprintf(why, sizeof(why),
					 "this backend also serves vip.%s: its replies could not be mapped back",
					 o->name);
				return why;
			}
	}
	return NULL;
}

int
lb_config_load_stream(FILE *f, const char *name, struct lb_config *cfg, FILE *err)
{
	struct parse_state *st = calloc(1, sizeof(*st));
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	if (!st) {
		fprintf(err, "%s: out of memory\n", name);
		return -1;
	}
	st->cfg = cfg;
	st->f = f;
	rc = ini_parse_stream(reader, st, handler, st);
	if (rc > 0 && !st->err_line) {
		st->err_line = rc;
		snprintf(st->err, sizeof(st->err), "expected '[section]' or 'key = value'");
	}
	if (!st->err_line && st->line == 0)
		fail(st, 1, NULL, "empty file");
	if (!st->err_line && file_end(st))
		check_config(st);
	rc = 0;
	if (st->err_line) {
		fprintf(err, "%s:%d: %s\n", name, st->err_line, st->err);
		lb_config_free(cfg);
		rc = -1;
	}
	free(st);
	return rc;
}

int
lb_config_load(const char *path, struct lb_config *cfg, FILE *err)
{
	struct stat sb;

	memset(cfg, 0, sizeof(*cfg));
	if (stat(path, &sb) < 0) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(err, "%s: not a regular file\n", path);
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	const int rc = lb_config_load_stream(f, path, cfg, err);
	fclose(f);
	return rc;
}

void
lb_config_free(struct lb_config *cfg)
{
	for (unsigned i = 0; i < cfg->nb_vips; i++) {
		free(cfg->vips[i].backends);
		cfg->vips[i].backends = NULL;
	}
}

