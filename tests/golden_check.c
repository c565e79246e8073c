/* golden-check: compare what lb-graph wrote to pcap files with what it must
 * have written, byte for byte.
 *
 *   golden-check -c lb.ini -i in.pcap [-i in2.pcap] -o out.pcap [-o ...]
 *                -e expect.txt -l lb-graph.log
 *
 * Expected output frames are made from the input by an independent reference
 * (tools/pkt.c): destination and port of the backend that lb_flow_hash and
 * the VIP's lookup table (control/lb_lookup_fill.c) pick under the INI's seed, TTL - 1, port MAC to backend MAC, and both checksums
 * recomputed in full (a UDP checksum of 0 stays 0). Then the printed totals
 * are checked against the generator's expectations: RX = frames in, TX =
 * frames out, and every drop reason's count. */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lb_config.h"
#include "control/lb_lookup_fill.h"
#include "nodes/lb_flow_hash.h"
#include "tools/fixtures.h"
#include "tools/pkt.h"

#define MAX_FILES 4

static unsigned passed, failed;

#define CHECK(cond, ...)                                  \
	do {                                              \
		if (cond) {                               \
			passed++;                         \
		} else {                                  \
			failed++;                         \
			if (failed <= 20) {               \
				printf("FAIL: " __VA_ARGS__); \
				printf("\n");             \
			}                                 \
		}                                         \
	} while (0)

struct in_frame {
	uint64_t key; /* vip, flow, seq */
	uint32_t len;
	uint8_t *bytes;
};

static struct in_frame *ins;
static size_t nb_in, cap_in;
static unsigned long in_total;
static struct lb_config cfg;
static struct rte_ether_addr port_mac[LB_MAX_PORTS];
static uint16_t *lut[LB_MAX_VIPS]; /* each VIP's lookup, built as lb-graph builds it */
static uint32_t lut_size[LB_MAX_VIPS];

static uint64_t
key_of(const struct fixture_payload *p)
{
	return (uint64_t)p->vip << 48 | (uint64_t)p->flow << 16 | p->seq;
}

static int
cmp_key(const void *a, const void *b)
{
	uint64_t x = ((const struct in_frame *)a)->key, y = ((const struct in_frame *)b)->key;
	return x < y ? -1 : x > y;
}

static const uint8_t *
payload_of(const struct pkt_view *v, size_t *len)
{
	size_t hdr = v->proto == IPPROTO_TCP ? (v->l4p[12] >> 4) * 4u : 8u;
	size_t ip_end = v->l3 + (((size_t)v->ip[2] << 8) | v->ip[3]);
	if (v->l4 + hdr > ip_end || ip_end > v->len)
		return NULL;
	*len = ip_end - v->l4 - hdr;
	return v->l4p + hdr;
}

static void
read_inputs(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = pcap_open_offline(path, err);

	if (!p) {
		fprintf(stderr, "%s: %s\n", path, err);
		exit(2);
	}
	while (pcap_next_ex(p, &h, &data) == 1) {
		uint8_t buf[PKT_MAX];
		struct pkt_view v;
		struct fixture_payload fp;
		const uint8_t *pl;
		size_t pl_len;

		in_total++;
		memcpy(buf, data, h->caplen);
		if (pkt_parse(buf, h->caplen, &v) < 0 || !(pl = payload_of(&v, &pl_len)) ||
		    !fixture_payload_get(pl, pl_len, &fp))
			continue; /* a frame lb-graph must drop */
		if (nb_in == cap_in) {
			cap_in = cap_in ? 2 * cap_in : 1024;
			ins = realloc(ins, cap_in * sizeof(*ins));
		}
		ins[nb_in].key = key_of(&fp);
		ins[nb_in].len = h->caplen;
		ins[nb_in].bytes = malloc(h->caplen);
		memcpy(ins[nb_in].bytes, data, h->caplen);
		nb_in++;
	}
	pcap_close(p);
}

/* The reference rewrite: what lb-graph must emit for this input frame. */
static void
expected_output(const struct in_frame *in, unsigned vip, uint8_t *out, const struct lb_cfg_backend **be)
{
	const struct lb_cfg_vip *v = &cfg.vips[vip];
	struct pkt_view pv;
	uint16_t old_l4_cksum;

	memcpy(out, in->bytes, in->len);
	pkt_parse(out, in->len, &pv);
	old_l4_cksum = pv.l4_cksum;
	struct lb_flow_key key;
	lb_flow_key_init(&key, cfg.flow_hash, cfg.hash_seed);
	uint32_t h = lb_flow_hash(&key, pv.src, pv.dst, htons(pv.sport), htons(pv.dport), pv.proto);
	*be = &v->backends[lut[vip][lb_lookup_slot(h, lut_size[vip])]];
	memcpy(out, (*be)->mac.addr_bytes, 6);
	memcpy(out + 6, port_mac[v->out_port].addr_bytes, 6);
	memcpy(pv.ip + 16, &(*be)->addr, 4);
	pv.l4p[2] = (*be)->port >> 8;
	pv.l4p[3] = (*be)->port & 0xff;
	pv.ip[8]--;
	pkt_fix_cksums(&pv);
	if (pv.proto == IPPROTO_UDP && old_l4_cksum == 0)
		pv.l4p[6] = pv.l4p[7] = 0;
}

static unsigned long
check_output(const char *path, uint32_t *flow_backend)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long n = 0, mismatched = 0, unknown = 0, moved = 0;
	pcap_t *p = pcap_open_offline(path, err);

	if (!p) {
		CHECK(0, "%s: %s", path, err);
		return 0;
	}
	while (pcap_next_ex(p, &h, &data) == 1) {
		uint8_t buf[PKT_MAX], want[PKT_MAX];
		struct pkt_view v;
		struct fixture_payload fp;
		const uint8_t *pl;
		size_t pl_len;
		const struct lb_cfg_backend *be;

		n++;
		memcpy(buf, data, h->caplen);
		if (pkt_parse(buf, h->caplen, &v) < 0 || !(pl = payload_of(&v, &pl_len)) ||
		    !fixture_payload_get(pl, pl_len, &fp) || fp.vip >= cfg.nb_vips) {
			unknown++; /* a malformed or non-VIP frame got through */
			continue;
		}
		struct in_frame key = {.key = key_of(&fp)};
		struct in_frame *in = bsearch(&key, ins, nb_in, sizeof(*ins), cmp_key);
		if (!in) {
			unknown++;
			continue;
		}
		expected_output(in, fp.vip, want, &be);
		if (h->caplen != in->len || memcmp(want, data, in->len) != 0) {
			if (mismatched++ < 3)
				printf("  %s: frame %lu (vip %u flow %u) differs from the reference rewrite\n",
				       path, n, fp.vip, fp.flow);
		}
		uint32_t *seen = &flow_backend[fp.flow % (1u << 22)];
		if (*seen && *seen != be->addr)
			moved++;
		*seen = be->addr;
	}
	pcap_close(p);
	CHECK(unknown == 0, "%s: %lu frames in the output that must have been dropped", path, unknown);
	CHECK(mismatched == 0, "%s: %lu of %lu frames differ from the reference rewrite", path, mismatched, n);
	CHECK(moved == 0, "%s: %lu frames of a flow went to another backend", path, moved);
	return n;
}

static long
log_value(const char *log, const char *prefix, const char *key)
{
	char line[1024], want[128];
	FILE *f = fopen(log, "r");
	long v = -1;

	snprintf(want, sizeof(want), "%s=", key);
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, prefix, strlen(prefix)) != 0)
			continue;
		char *at = strstr(line, want);
		if (at && (at == line || at[-1] == ' '))
			v = strtol(at + strlen(want), NULL, 10);
	}
	if (f)
		fclose(f);
	return v;
}

static void
read_port_macs(const char *log)
{
	char line[1024];
	FILE *f = fopen(log, "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned p;
		char mac[32];
		if (sscanf(line, "[PORT] %u ethdev=%*u mac=%31s", &p, mac) == 2 && p < LB_MAX_PORTS)
			rte_ether_unformat_addr(mac, &port_mac[p]);
	}
	if (f)
		fclose(f);
}

int
main(int argc, char **argv)
{
	const char *config = NULL, *expect = NULL, *log = NULL, *in_files[MAX_FILES], *out_files[MAX_FILES];
	unsigned nb_in_files = 0, nb_out_files = 0;
	int c;

	while ((c = getopt(argc, argv, "c:i:o:e:l:")) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'i': if (nb_in_files < MAX_FILES) in_files[nb_in_files++] = optarg; break;
		case 'o': if (nb_out_files < MAX_FILES) out_files[nb_out_files++] = optarg; break;
		case 'e': expect = optarg; break;
		case 'l': log = optarg; break;
		default: goto usage;
		}
	}
	if (!config || !expect || !log || !nb_in_files || !nb_out_files)
		goto usage;
	if (lb_config_load(config, &cfg, stderr) < 0)
		return 2;
	read_port_macs(log);
	for (unsigned i = 0; i < cfg.nb_vips; i++)
		if (!(lut[i] = lb_lookup_new(&cfg.vips[i], lb_config_seed32(&cfg), &lut_size[i]))) {
			fprintf(stderr, "vip.%s: no backend to check against\n", cfg.vips[i].name);
			return 2;
		}
	for (unsigned i = 0; i < nb_in_files; i++)
		read_inputs(in_files[i]);
	qsort(ins, nb_in, sizeof(*ins), cmp_key);

	uint32_t *flow_backend = calloc(1u << 22, sizeof(uint32_t));
	unsigned long out_total = 0;
	for (unsigned i = 0; i < nb_out_files; i++)
		out_total += check_output(out_files[i], flow_backend);

	/* The generator's expectations hold for each input file. */
	FILE *f = fopen(expect, "r");
	char name[64];
	unsigned long n;
	CHECK(f != NULL, "%s: cannot read", expect);
	while (f && fscanf(f, "%63s %lu", name, &n) == 2) {
		if (strcmp(name, "forward") == 0) {
			CHECK(out_total == n * nb_in_files, "frames out: %lu, expected %lu", out_total, n * nb_in_files);
			CHECK(log_value(log, "[TOTAL]", "TX") == (long)(n * nb_in_files),
			      "[TOTAL] TX=%ld, expected %lu", log_value(log, "[TOTAL]", "TX"), n * nb_in_files);
		} else {
			long got = log_value(log, "[DROP]", name);
			CHECK(got == (long)(n * nb_in_files), "[DROP] %s=%ld, expected %lu", name, got, n * nb_in_files);
		}
	}
	if (f)
		fclose(f);
	CHECK(log_value(log, "[TOTAL]", "RX") == (long)in_total, "[TOTAL] RX=%ld, frames in: %lu",
	      log_value(log, "[TOTAL]", "RX"), in_total);
	CHECK(log_value(log, "[TOTAL]", "RX") ==
		      log_value(log, "[TOTAL]", "TX") + log_value(log, "[TOTAL]", "DROP"),
	      "RX != TX + DROP");
	printf("golden: %lu frames in, %lu out; %u passed, %u failed\n", in_total, out_total, passed, failed);
	free(flow_backend);
	for (size_t i = 0; i < nb_in; i++)
		free(ins[i].bytes);
	free(ins);
	for (unsigned i = 0; i < cfg.nb_vips; i++)
		free(lut[i]);
	lb_config_free(&cfg);
	return failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: %s -c lb.ini -i in.pcap... -o out.pcap... -e expect.txt -l lb-graph.log\n", argv[0]);
	return 2;
}
