/* INI file -> struct lb_config. inih does the lexing; this file knows the
 * sections and keys and validates everything, so the app can refuse a bad
 * file before the EAL or any port is touched. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wordexp.h>

#include <ini.h>

#include "control/lb_config.h"
#include "control/lb_lookup_fill.h"

#define MAX_SECTIONS (2 + LB_MAX_PORTS + LB_MAX_WORKERS + LB_MAX_VIPS)

enum section_kind { SEC_NONE, SEC_EAL, SEC_LB, SEC_PORT, SEC_WORKER, SEC_VIP };

struct parse_state {
	struct lb_config *cfg;
	FILE *f;
	int line;         /* line the reader handed out last */
	int err_line;     /* first error; 0 = none */
	char err[512];
	/* the section being read */
	enum section_kind kind;
	char section[LB_NAME_SIZE + 8];
	void *obj; /* lb_cfg_port, lb_cfg_worker or lb_cfg_vip */
	unsigned *keys_seen;
	/* every section seen, to refuse duplicates */
	unsigned nb_sections;
	char sections[MAX_SECTIONS][LB_NAME_SIZE + 8];
	unsigned eal_keys_seen, lb_keys_seen;
	/* lines of keys that later checks refer to */
	int worker_rx_line[LB_MAX_WORKERS];
	int port_rxq_line[LB_MAX_PORTS];
	int vip_out_port_line[LB_MAX_VIPS];
	int port_gw_line[LB_MAX_PORTS];
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

/* ---- value parsers ---- */

/* Decimal only, no leading zero: "0443" is no port 443 (nor 291, as base 0
 * read it). */
static int
parse_decimal(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s) || (s[0] == '0' && s[1]))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int
lb_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (parse_decimal(s, &v) < 0 || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
lb_parse_seed(const char *s, uint64_t seed[2])
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		const char *h = s + 2;
		const size_t n = strlen(h);
		if (n == 0 || n > 32 || strspn(h, "0123456789abcdefABCDEF") != n)
			return -1;
		seed[0] = seed[1] = 0;
		for (size_t i = 0; i < n; i++) {
			const unsigned d = isdigit((unsigned char)h[i]) ? h[i] - '0' : (tolower((unsigned char)h[i]) - 'a' + 10);
			seed[1] = seed[1] << 4 | seed[0] >> 60;
			seed[0] = seed[0] << 4 | d;
		}
		return 0;
	}
	seed[1] = 0;
	return parse_decimal(s, &seed[0]);
}

#define SEED_SYNTAX "expected 0x and 1 to 32 hex digits, or a decimal number below 2^64 without leading zeros"

/* The seed from a file only its owner can read. NULL, or why not. */
static const char *
read_seed_file(const char *path, uint64_t seed[2], char *why, size_t why_size)
{
	struct stat sb;
	char line[128];
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(why, why_size, "cannot open '%s': %s", path, strerror(errno));
		return why;
	}
	if (fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, why_size, "'%s' is not a regular file", path);
	} else if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(why, why_size, "'%s' is readable or writable by group or others (mode %04o): chmod 600 it",
			 path, (unsigned)(sb.st_mode & 07777));
	} else if (!fgets(line, sizeof(line), f)) {
		snprintf(why, why_size, "'%s' is empty", path);
	} else {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (lb_parse_seed(line, seed) == 0) {
			fclose(f);
			return NULL;
		}
		snprintf(why, why_size, "'%s': " SEED_SYNTAX, path);
	}
	fclose(f);
	return why;
}

int
lb_parse_ipv4(const char *s, rte_be32_t *addr)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*addr = a.s_addr;
	return 0;
}

int
lb_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"on", "yes", "true", "1"};
	static const char *const no[] = {"off", "no", "false", "0"};
	for (unsigned i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int
lb_parse_addr_port(const char *s, rte_be32_t *addr, uint16_t *port, const char **why)
{
	char buf[64], *colon;
	uint32_t p;

	if (strlen(s) >= sizeof(buf)) {
		*why = "expected IP:PORT";
		return -1;
	}
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (!colon) {
		*why = "expected IP:PORT: the port is missing";
		return -1;
	}
	*colon = '\0';
	if (lb_parse_ipv4(buf, addr) < 0) {
		*why = "bad IPv4 address";
		return -1;
	}
	if (lb_parse_u32(colon + 1, 1, 65535, &p) < 0) {
		*why = "port must be 1..65535";
		return -1;
	}
	*port = p;
	return 0;
}

/* "IP:PORT MAC [weight=N]" */
int
lb_parse_backend(const char *s, struct lb_cfg_backend *be, const char **why)
{
	char buf[160], *save, *addr, *mac, *opt, *extra;

	if (strlen(s) >= sizeof(buf)) {
		*why = "too long";
		return -1;
	}
	strcpy(buf, s);
	addr = strtok_r(buf, " \t", &save);
	mac = strtok_r(NULL, " \t", &save);
	opt = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (!addr) {
		*why = "expected 'IP:PORT MAC [weight=N]'";
		return -1;
	}
	if (lb_parse_addr_port(addr, &be->addr, &be->port, why) < 0)
		return -1;
	be->weight = 1;
	be->has_mac = false;
	memset(&be->mac, 0, sizeof(be->mac));
	if (mac && strncmp(mac, "weight=", 7) == 0) { /* no MAC: ARP finds it */
		extra = opt;
		opt = mac;
		mac = NULL;
	}
	if (mac) {
		if (strlen(mac) != 17 || rte_ether_unformat_addr(mac, &be->mac) < 0) {
			*why = "bad MAC address (expected xx:xx:xx:xx:xx:xx)";
			return -1;
		}
		if (!lb_mac_is_host(&be->mac)) {
			*why = "the MAC must be a unicast, non-zero address (not broadcast or multicast)";
			return -1;
		}
		be->has_mac = true;
	}
	if (opt && (strncmp(opt, "weight=", 7) != 0 ||
		    lb_parse_u32(opt + 7, 0, LB_MAX_WEIGHT, &be->weight) < 0)) {
		*why = "expected weight=N (0..1000) after the MAC";
		return -1;
	}
	if (extra) {
		*why = "unexpected text after weight=N";
		return -1;
	}
	return 0;
}

const char *
lb_proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

const char *
lb_node_loop_name(enum lb_node_loop loop)
{
	return loop == LB_LOOP_QUAD ? "quad" : loop == LB_LOOP_SCALAR ? "scalar" : "auto";
}

/* ---- sections ---- */

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

/* Called by the reader for each "[name]" line, so that empty and duplicate
 * sections are seen too. */
static void
section_begin(struct parse_state *st, const char *name)
{
	struct lb_config *cfg = st->cfg;
	uint32_t n;

	snprintf(st->section, sizeof(st->section), "%s", name);
	st->kind = SEC_NONE;
	st->obj = NULL;
	st->keys_seen = NULL;
	for (unsigned i = 0; i < st->nb_sections; i++)
		if (strcmp(st->sections[i], name) == 0) {
			fail(st, st->line, NULL, "duplicate section");
			return;
		}
	if (st->nb_sections >= MAX_SECTIONS || strlen(name) >= sizeof(st->sections[0])) {
		fail(st, st->line, NULL, "too many sections or name too long");
		return;
	}
	strcpy(st->sections[st->nb_sections++], name);

	if (strcmp(name, "eal") == 0) {
		st->kind = SEC_EAL;
		st->keys_seen = &st->eal_keys_seen;
	} else if (strcmp(name, "lb") == 0) {
		st->kind = SEC_LB;
		st->keys_seen = &st->lb_keys_seen;
	} else if (strncmp(name, "port.", 5) == 0) {
		if (lb_parse_u32(name + 5, 0, LB_MAX_PORTS - 1, &n) < 0 || !isdigit((unsigned char)name[5])) {
			fail(st, st->line, NULL, "port number must be 0..%d", LB_MAX_PORTS - 1);
			return;
		}
		struct lb_cfg_port *p = &cfg->ports[n];
		p->defined = true;
		p->line = st->line;
		st->kind = SEC_PORT;
		st->obj = p;
		st->keys_seen = &p->keys_seen;
	} else if (strncmp(name, "worker.", 7) == 0) {
		if (lb_parse_u32(name + 7, 0, RTE_MAX_LCORE - 1, &n) < 0 || !isdigit((unsigned char)name[7])) {
			fail(st, st->line, NULL, "worker lcore must be 0..%d", RTE_MAX_LCORE - 1);
			return;
		}
		if (cfg->nb_workers >= LB_MAX_WORKERS) {
			fail(st, st->line, NULL, "more than %d workers", LB_MAX_WORKERS);
			return;
		}
		struct lb_cfg_worker *w = &cfg->workers[cfg->nb_workers++];
		w->lcore = n;
		w->cpu = n;
		w->line = st->line;
		st->kind = SEC_WORKER;
		st->obj = w;
		st->keys_seen = &w->keys_seen;
	} else if (strncmp(name, "vip.", 4) == 0) {
		if (!valid_name(name + 4)) {
			fail(st, st->line, NULL, "VIP name must be 1..%d characters of [A-Za-z0-9_-]",
			     LB_NAME_SIZE - 1);
			return;
		}
		if (cfg->nb_vips >= LB_MAX_VIPS) {
			fail(st, st->line, NULL, "more than %d VIPs", LB_MAX_VIPS);
			return;
		}
		struct lb_cfg_vip *v = &cfg->vips[cfg->nb_vips++];
		snprintf(v->name, sizeof(v->name), "%s", name + 4);
		v->line = st->line;
		v->hash = LB_HASH_MAGLEV;
		v->table_size = LB_DEFAULT_TABLE_SIZE;
		v->backends = calloc(LB_MAX_BACKENDS, sizeof(*v->backends));
		if (!v->backends) {
			fail(st, st->line, NULL, "out of memory");
			return;
		}
		st->kind = SEC_VIP;
		st->obj = v;
		st->keys_seen = &v->keys_seen;
	} else {
		fail(st, st->line, NULL, "unknown section (expected eal, lb, port.N, worker.L or vip.NAME)");
	}
}

/* Index of key in the section's key list, or -1 after recording why: an
 * unknown key, or a second time for a key not in `repeatable` (a bit mask). */
static int
section_key(struct parse_state *st, const char *key, const char *const *keys, unsigned n,
	    unsigned repeatable)
{
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(key, keys[i]) != 0)
			continue;
		if ((*st->keys_seen & (1u << i)) && !(repeatable & (1u << i))) {
			fail(st, st->line, key, "duplicate key");
			return -1;
		}
		*st->keys_seen |= 1u << i;
		return (int)i;
	}
	char list[256] = "";
	for (unsigned i = 0; i < n; i++) {
		strcat(list, i ? ", " : "");
		strcat(list, keys[i]);
	}
	fail(st, st->line, key, "unknown key (this section takes: %s)", list);
	return -1;
}

#define U32_KEY(dst, lo, hi, what)                                                  \
	do {                                                                        \
		uint32_t v_;                                                        \
		if (lb_parse_u32(value, lo, hi, &v_) < 0)                            \
			return fail(st, st->line, key, what " must be %u..%u",        \
				    (unsigned)(lo), (unsigned)(hi));                   \
		dst = v_;                                                           \
	} while (0)

#define BOOL_KEY(dst)                                                               \
	do {                                                                        \
		if (lb_parse_bool(value, &dst) < 0)                                 \
			return fail(st, st->line, key, "expected " LB_BOOL_WORDS);  \
	} while (0)

static int
eal_key(struct parse_state *st, const char *key, const char *value)
{
	static const char *const keys[] = {"args", "main_lcore", "main_cpu", "mbufs"};
	struct lb_config *cfg = st->cfg;
	int k = section_key(st, key, keys, RTE_DIM(keys), 0);

	if (k < 0)
		return 0;
	switch (k) {
	case 0:
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
		break;
	case 1:
		U32_KEY(cfg->main_lcore, 0, RTE_MAX_LCORE - 1, "main_lcore");
		cfg->main_cpu = cfg->main_lcore;
		break;
	case 2:
		U32_KEY(cfg->main_cpu, 0, 1023, "main_cpu");
		break;
	case 3:
		U32_KEY(cfg->mbufs, 1024, 16u << 20, "mbufs");
		break;
	}
	return 1;
}

static int
lb_key(struct parse_state *st, const char *key, const char *value)
{
	static const char *const keys[] = {"hash_seed", "drop",      "stats_interval", "graph_stats",
					   "node_loop", "hash_seed_file", "flow_hash"};
	char why[LB_CFG_STR_SIZE + 128];
	struct lb_config *cfg = st->cfg;
	int k = section_key(st, key, keys, RTE_DIM(keys), 0);

	if (k < 0)
		return 0;
	switch (k) {
	case 0:
		if (*st->keys_seen & (1u << 5))
			return fail(st, st->line, key, "hash_seed and hash_seed_file exclude each other");
		if (lb_parse_seed(value, cfg->hash_seed) < 0)
			return fail(st, st->line, key, SEED_SYNTAX);
		break;
	case 1:
		BOOL_KEY(cfg->drop);
		break;
	case 2:
		U32_KEY(cfg->stats_interval, 0, 3600, "stats_interval (seconds)");
		break;
	case 3:
		BOOL_KEY(cfg->graph_stats);
		break;
	case 4:
		if (strcmp(value, "auto") == 0)
			cfg->node_loop = LB_LOOP_AUTO;
		else if (strcmp(value, "quad") == 0)
			cfg->node_loop = LB_LOOP_QUAD;
		else if (strcmp(value, "scalar") == 0)
			cfg->node_loop = LB_LOOP_SCALAR;
		else
			return fail(st, st->line, key, "expected auto, quad or scalar");
		break;
	case 5:
		if (*st->keys_seen & 1u)
			return fail(st, st->line, key, "hash_seed and hash_seed_file exclude each other");
		if (strlen(value) >= sizeof(cfg->hash_seed_file))
			return fail(st, st->line, key, "longer than %zu characters", sizeof(cfg->hash_seed_file) - 1);
		if (read_seed_file(value, cfg->hash_seed, why, sizeof(why)))
			return fail(st, st->line, key, "%s", why);
		strcpy(cfg->hash_seed_file, value);
		break;
	case 6:
		if (strcmp(value, "keyed") == 0)
			cfg->flow_hash = LB_FLOW_HASH_KEYED;
		else if (strcmp(value, "crc32c") == 0)
			cfg->flow_hash = LB_FLOW_HASH_CRC32C;
		else
			return fail(st, st->line, key, "expected keyed or crc32c");
		break;
	}
	return 1;
}

static bool
is_pci_address(const char *s)
{
	unsigned d, b, dev, fn;
	char tail;
	return sscanf(s, "%x:%x:%x.%x%c", &d, &b, &dev, &fn, &tail) == 4 ||
	       sscanf(s, "%x:%x.%x%c", &b, &dev, &fn, &tail) == 3;
}

static int
port_key(struct parse_state *st, const char *key, const char *value)
{
	static const char *const keys[] = {"dev",	  "rx_queues", "rx_desc",   "tx_desc",
					   "promiscuous", "addr",      "gateway",   "dst_mac",
					   "check_gateway_mac", "icmp_rate", "icmp_burst"};
	struct lb_cfg_port *p = st->obj;
	int k = section_key(st, key, keys, RTE_DIM(keys), 0);

	if (k < 0)
		return 0;
	switch (k) {
	case 0:
		if (strlen(value) >= sizeof(p->dev))
			return fail(st, st->line, key, "longer than %zu characters", sizeof(p->dev) - 1);
		if (strncmp(value, "net_", 4) != 0 && !is_pci_address(value))
			return fail(st, st->line, key,
				    "expected a DPDK virtual device (net_pcap0,...) or a PCI address (0000:01:00.0)");
		if (strpbrk(value, " \t"))
			return fail(st, st->line, key, "no spaces allowed in a device string");
		strcpy(p->dev, value);
		break;
	case 1:
		U32_KEY(p->rx_queues, 1, 16, "rx_queues");
		st->port_rxq_line[p - st->cfg->ports] = st->line;
		break;
	case 2:
		U32_KEY(p->rx_desc, 64, 16384, "rx_desc");
		break;
	case 3:
		U32_KEY(p->tx_desc, 64, 16384, "tx_desc");
		break;
	case 4:
		BOOL_KEY(p->promiscuous);
		break;
	case 5: {
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
		break;
	}
	case 6:
		if (lb_parse_ipv4(value, &p->gateway) < 0)
			return fail(st, st->line, key, "bad IPv4 address '%s'", value);
		st->port_gw_line[p - st->cfg->ports] = st->line;
		break;
	case 7:
		if (strcmp(value, "own") == 0)
			p->any_dst_mac = false;
		else if (strcmp(value, "any") == 0)
			p->any_dst_mac = true;
		else
			return fail(st, st->line, key, "expected own or any");
		break;
	case 8:
		BOOL_KEY(p->check_gateway_mac);
		break;
	case 9:
		U32_KEY(p->icmp_rate, 0, LB_MAX_ICMP_RATE, "icmp_rate (echo replies per second)");
		break;
	case 10:
		U32_KEY(p->icmp_burst, 1, LB_MAX_ICMP_RATE, "icmp_burst");
		break;
	}
	return 1;
}

static int
worker_key(struct parse_state *st, const char *key, const char *value)
{
	static const char *const keys[] = {"rx", "cpu"};
	struct lb_cfg_worker *w = st->obj;
	int k = section_key(st, key, keys, RTE_DIM(keys), 0);

	if (k < 0)
		return 0;
	if (k == 1) {
		U32_KEY(w->cpu, 0, 1023, "cpu");
		return 1;
	}
	char copy[LB_CFG_STR_SIZE], *save, *tok;
	snprintf(copy, sizeof(copy), "%s", value);
	st->worker_rx_line[w - st->cfg->workers] = st->line;
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

static int
vip_key(struct parse_state *st, const char *key, const char *value)
{
	static const char *const keys[] = {"addr", "port", "proto", "out_port", "backend", "hash",
					   "table_size"};
	struct lb_cfg_vip *v = st->obj;
	int k = section_key(st, key, keys, RTE_DIM(keys), 1u << 4);
	const char *why;

	if (k < 0)
		return 0;
	switch (k) {
	case 0:
		if (lb_parse_ipv4(value, &v->addr) < 0)
			return fail(st, st->line, key, "bad IPv4 address '%s'", value);
		break;
	case 1:
		U32_KEY(v->port, 1, 65535, "port");
		break;
	case 2:
		if (strcmp(value, "tcp") == 0)
			v->proto = IPPROTO_TCP;
		else if (strcmp(value, "udp") == 0)
			v->proto = IPPROTO_UDP;
		else
			return fail(st, st->line, key, "expected tcp or udp");
		break;
	case 3:
		U32_KEY(v->out_port, 0, LB_MAX_PORTS - 1, "out_port");
		st->vip_out_port_line[v - st->cfg->vips] = st->line;
		break;
	case 4: {
		struct lb_cfg_backend be = {.line = st->line};
		if (lb_parse_backend(value, &be, &why) < 0)
			return fail(st, st->line, key, "%s", why);
		if (v->nb_backends >= LB_MAX_BACKENDS)
			return fail(st, st->line, key, "more than %d backends", LB_MAX_BACKENDS);
		for (uint32_t i = 0; i < v->nb_backends; i++)
			if (v->backends[i].addr == be.addr && v->backends[i].port == be.port)
				return fail(st, st->line, key, "duplicate backend (also on line %d)",
					    v->backends[i].line);
		be.slot = st->next_slot++;
		v->backends[v->nb_backends++] = be;
		break;
	}
	case 5:
		if (strcmp(value, "maglev") == 0)
			v->hash = LB_HASH_MAGLEV;
		else if (strcmp(value, "modulo") == 0)
			v->hash = LB_HASH_MODULO;
		else
			return fail(st, st->line, key, "expected maglev or modulo");
		break;
	case 6:
		U32_KEY(v->table_size, 3, LB_MAX_TABLE_SIZE, "table_size");
		if (!lb_is_prime(v->table_size))
			return fail(st, st->line, key, "%u is not prime (Maglev needs a prime table size)",
				    v->table_size);
		break;
	}
	return 1;
}

static int
handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *st = user;
	(void)section; /* the reader tracks sections itself */

	if (st->err_line)
		return 0;
	switch (st->kind) {
	case SEC_EAL:
		return eal_key(st, key, value);
	case SEC_LB:
		return lb_key(st, key, value);
	case SEC_PORT:
		return port_key(st, key, value);
	case SEC_WORKER:
		return worker_key(st, key, value);
	case SEC_VIP:
		return vip_key(st, key, value);
	case SEC_NONE:
		break;
	}
	return fail(st, st->line, key, "key outside any section");
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
		if (!port->dev[0])
			return fail(st, port->line, NULL, "missing key 'dev'");
		for (unsigned q = 0; q < p; q++)
			if (cfg->ports[q].defined && strcmp(cfg->ports[q].dev, port->dev) == 0)
				return fail(st, port->line, NULL, "same dev as port.%u", q);
		if (port->gateway && !port->addr)
			return fail(st, st->port_gw_line[p], "gateway", "needs the port's own addr");
		if (port->gateway && !lb_cfg_port_on_link(port, port->gateway))
			return fail(st, st->port_gw_line[p], "gateway", "not in the port's subnet");
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
		if (w->nb_rx == 0)
			return fail(st, w->line, NULL, "missing key 'rx'");
		for (unsigned r = 0; r < w->nb_rx; r++) {
			const struct lb_cfg_rxq *q = &w->rx[r];
			if (!cfg->ports[q->port].defined)
				return fail(st, st->worker_rx_line[i], "rx", "port %u is not defined", q->port);
			if (q->queue >= cfg->ports[q->port].rx_queues)
				return fail(st, st->worker_rx_line[i], "rx",
					    "queue %u:%u does not exist (port.%u has rx_queues = %u)",
					    q->port, q->queue, q->port, cfg->ports[q->port].rx_queues);
			int *owner = &polled_by[q->port][q->queue];
			if (*owner >= 0)
				return fail(st, st->worker_rx_line[i], "rx",
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
				return fail(st, st->port_rxq_line[p] ? st->port_rxq_line[p] : cfg->ports[p].line,
					    st->port_rxq_line[p] ? "rx_queues" : NULL,
					    "queue %u:%u is polled by no worker", p, q);
			}
	}

	for (unsigned i = 0; i < cfg->nb_vips; i++) {
		struct lb_cfg_vip *v = &cfg->vips[i];
		static const char *const required[] = {"addr", "port", "proto", "out_port"};
		snprintf(st->section, sizeof(st->section), "vip.%s", v->name);
		for (unsigned k = 0; k < RTE_DIM(required); k++)
			if (!(v->keys_seen & (1u << k)))
				return fail(st, v->line, NULL, "missing key '%s'", required[k]);
		if (!cfg->ports[v->out_port].defined)
			return fail(st, st->vip_out_port_line[i], "out_port", "port %u is not defined",
				    v->out_port);
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

static void
config_defaults(struct lb_config *cfg, const char *path)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	cfg->stats_interval = 1;
	cfg->hash_seed[0] = 0x1b873593;
	cfg->flow_hash = LB_FLOW_HASH_KEYED;
	cfg->node_loop = LB_LOOP_AUTO;
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		cfg->ports[p].rx_queues = 1;
		cfg->ports[p].rx_desc = 1024;
		cfg->ports[p].tx_desc = 1024;
		cfg->ports[p].icmp_rate = LB_DEFAULT_ICMP_RATE;
	}
}

int
lb_config_load(const char *path, struct lb_config *cfg, FILE *err)
{
	struct parse_state *st;
	struct stat sb;
	int rc;

	config_defaults(cfg, path);
	if (stat(path, &sb) < 0) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(err, "%s: not a regular file\n", path);
		return -1;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		fprintf(err, "%s: out of memory\n", path);
		return -1;
	}
	st->cfg = cfg;
	st->f = fopen(path, "r");
	if (!st->f) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		free(st);
		return -1;
	}
	rc = ini_parse_stream(reader, st, handler, st);
	if (rc > 0 && !st->err_line) {
		st->err_line = rc;
		snprintf(st->err, sizeof(st->err), "expected '[section]' or 'key = value'");
	}
	if (!st->err_line && st->line == 0)
		fail(st, 1, NULL, "empty file");
	if (!st->err_line)
		check_config(st);
	fclose(st->f);
	rc = 0;
	if (st->err_line) {
		fprintf(err, "%s:%d: %s\n", path, st->err_line, st->err);
		lb_config_free(cfg);
		rc = -1;
	}
	free(st);
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

static void
write_mac(FILE *f, const struct rte_ether_addr *mac)
{
	char buf[RTE_ETHER_ADDR_FMT_SIZE];
	rte_ether_format_addr(buf, sizeof(buf), mac);
	fputs(buf, f);
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
		fprintf(f, "table_size = %u\n", v->table_size);
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
