/* The value parsers: text -> one value, shared by the INI loader
 * (lb_config_load.c), the control API and the tools. No state. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "control/lb_config.h"

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

const char *
lb_parse_seed_file(const char *path, uint64_t seed[2], char *why, size_t why_size)
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
		snprintf(why, why_size, "'%s': " LB_SEED_SYNTAX, path);
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
