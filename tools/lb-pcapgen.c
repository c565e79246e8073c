/* lb-pcapgen: write a pcap of TCP/UDP flows to the VIPs of an lb-graph INI
 * file, optionally mixed with one frame of every kind lb-graph must drop.
 *
 *   lb-pcapgen -c lb.ini -o flows.pcap [--flows N] [--packets-per-flow K]
 *              [--first-flow F] [--bad] [--expect FILE]
 *
 * --bad adds every frame of the fixture table (tools/fixtures.c) once per
 * VIP. Every frame meant to be forwarded carries a payload that starts with
 * "LBOK", the VIP index, flags and the flow number, so a checker can match
 * lb-graph's output to its input; --expect writes how many frames each drop
 * reason must count. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lb_config.h"
#include "tools/fixtures.h"
#include "tools/pkt.h"

static struct pkt_pcap *out;
static unsigned long expect[LB_DROP_COUNT], expect_fwd;

static void
emit(const uint8_t *frame, size_t len, int verdict)
{
	pkt_pcap_write(out, frame, len);
	if (verdict == FIXTURE_FORWARD)
		expect_fwd++;
	else
		expect[verdict]++;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"out", required_argument, NULL, 'o'},
		{"flows", required_argument, NULL, 'f'}, {"packets-per-flow", required_argument, NULL, 'k'},
		{"first-flow", required_argument, NULL, 'F'}, {"bad", no_argument, NULL, 'b'},
		{"expect", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *path = NULL, *expect_path = NULL;
	uint32_t flows = 1024, per_flow = 1, first = 0;
	bool bad = false;
	static struct lb_config cfg;
	int c;

	while ((c = getopt_long(argc, argv, "c:o:f:k:F:be:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'o': path = optarg; break;
		case 'f': if (lb_parse_u32(optarg, 1, 1u << 24, &flows) < 0) goto usage; break;
		case 'k': if (lb_parse_u32(optarg, 1, 1000, &per_flow) < 0) goto usage; break;
		case 'F': if (lb_parse_u32(optarg, 0, 1u << 24, &first) < 0) goto usage; break;
		case 'b': bad = true; break;
		case 'e': expect_path = optarg; break;
		default: goto usage;
		}
	}
	if (!config || !path)
		goto usage;
	if (lb_config_load(config, &cfg, stderr) < 0)
		return 2;
	out = pkt_pcap_open(path);
	if (!out) {
		fprintf(stderr, "%s: cannot write\n", path);
		return 1;
	}
	/* Flows interleaved, as they would arrive. */
	uint8_t frame[PKT_MAX];
	for (uint32_t k = 0; k < per_flow; k++)
		for (uint32_t f = first; f < first + flows; f++) {
			struct fixture_vip v = fixture_vip_of(&cfg, f % cfg.nb_vips);
			emit(frame, fixture_build_ok(frame, sizeof(frame), &v, f, k), FIXTURE_FORWARD);
		}
	/* Every fixture once per VIP, on flows of their own. */
	for (unsigned i = 0; bad && i < nb_fixtures; i++)
		for (unsigned v = 0; v < cfg.nb_vips; v++) {
			struct fixture_vip fv = fixture_vip_of(&cfg, v);
			uint32_t flow = 0x200000 + i * LB_MAX_VIPS + v;
			emit(frame, fixtures[i].build(frame, sizeof(frame), &fv, flow), fixtures[i].verdict);
		}
	pkt_pcap_close(out);

	if (expect_path) {
		FILE *f = fopen(expect_path, "w");
		if (!f) {
			perror(expect_path);
			return 1;
		}
		fprintf(f, "forward %lu\n", expect_fwd);
		for (unsigned r = 0; r < LB_DROP_COUNT; r++)
			fprintf(f, "%s %lu\n", lb_drop_reason_names[r], expect[r]);
		fclose(f);
	}
	lb_config_free(&cfg);
	return 0;
usage:
	fprintf(stderr, "usage: %s -c lb.ini -o out.pcap [--flows N] [--packets-per-flow K] "
			"[--first-flow F] [--bad] [--expect FILE]\n", argv[0]);
	return 2;
}
