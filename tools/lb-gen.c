/* lb-gen: a DPDK traffic generator for lb-graph. It sends TCP and UDP
 * frames of N flows to the VIPs of an lb-graph INI file over DPDK port 0
 * (net_memif, net_af_packet, a NIC...), at full speed or a set rate,
 * counts what comes back, and tells which backend each returned flow went
 * to. Frames are those of lb-pcapgen (tools/fixtures.c), padded to --size.
 *
 *   lb-gen [EAL options] -- -c lb.ini [--flows N] [--duration S] [--rate PPS]
 *                           [--size BYTES] [--vip NAME] [--backends]
 *
 * e.g. lb-gen -l 0 --no-huge -m 512 --no-pci --file-prefix=gen \
 *        --vdev=net_memif0,role=client,socket=/run/lb.sock -- -c lb.ini -d 5
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "control/lb_config.h"
#include "tools/fixtures.h"
#include "tools/rundir.h"
#include "tools/pkt.h"

#define BURST 32

static volatile sig_atomic_t quit;
static void on_signal(int sig) { (void)sig; quit = 1; }

struct gen {
	struct lb_config cfg;
	uint32_t flows, size;
	double duration, rate;
	int vip; /* -1: all */
	bool backends;
	struct fixture_flows frames; /* one per flow */
	uint32_t *flow_backend; /* returned flows: backend address seen */
};

static int
parse_args(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"flows", required_argument, NULL, 'f'},
		{"duration", required_argument, NULL, 'd'}, {"rate", required_argument, NULL, 'r'},
		{"size", required_argument, NULL, 's'}, {"vip", required_argument, NULL, 'v'},
		{"backends", no_argument, NULL, 'b'}, {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *vip = NULL;
	int c;

	g->flows = 1024, g->size = 60, g->duration = 5, g->rate = 0, g->vip = -1;
	while ((c = getopt_long(argc, argv, "c:f:d:r:s:v:b", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'c': config = optarg; break;
		case 'f': if (lb_parse_u32(optarg, 1, 1u << 22, &g->flows) < 0) return -1; break;
		case 'd': g->duration = strtod(optarg, &end); if (*end || g->duration <= 0) return -1; break;
		case 'r': g->rate = strtod(optarg, &end); if (*end || g->rate < 0) return -1; break;
		case 's': if (lb_parse_u32(optarg, FIXTURE_MIN_FRAME, 1514, &g->size) < 0) return -1; break;
		case 'v': vip = optarg; break;
		case 'b': g->backends = true; break;
		default: return -1;
		}
	}
	if (!config || lb_config_load(config, &g->cfg, stderr) < 0)
		return -1;
	for (unsigned i = 0; vip && i < g->cfg.nb_vips; i++)
		if (strcmp(g->cfg.vips[i].name, vip) == 0)
			g->vip = i;
	if (vip && g->vip < 0) {
		fprintf(stderr, "lb-gen: no vip.%s in %s\n", vip, config);
		return -1;
	}
	return 0;
}

/* One frame per flow (fixture_flow_frames), to every VIP in turn or to --vip. */
static int
build_frames(struct gen *g)
{
	struct fixture_vip vips[LB_MAX_VIPS];
	unsigned n = 0;

	for (unsigned v = 0; v < g->cfg.nb_vips; v++)
		if (g->vip < 0 || (unsigned)g->vip == v)
			vips[n++] = (struct fixture_vip){.addr = g->cfg.vips[v].addr, .port = g->cfg.vips[v].port,
							 .proto = g->cfg.vips[v].proto, .index = v};
	g->flow_backend = calloc(g->flows, sizeof(*g->flow_backend));
	if (!g->flow_backend)
		return -1;
	return fixture_flow_frames(vips, n, g->flows, g->size, &g->frames);
}

static void
note_returned(struct gen *g, struct rte_mbuf *m)
{
	uint8_t buf[256];
	struct pkt_view v;
	struct fixture_payload fp;
	size_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), sizeof(buf));
	const uint8_t *p = rte_pktmbuf_read(m, 0, len, buf);

	if (!p || p != buf)
		memcpy(buf, p, len);
	if (pkt_parse(buf, len, &v) < 0)
		return;
	size_t hdr = v.proto == IPPROTO_TCP ? 20 : 8;
	if (v.l4 + hdr < len && fixture_payload_get(v.l4p + hdr, len - v.l4 - hdr, &fp) &&
	    fp.flow < g->flows)
		g->flow_backend[fp.flow] = v.dst;
}

static void
print_backends(const struct gen *g)
{
	char addr[INET_ADDRSTRLEN];
	uint32_t none = 0;

	for (unsigned i = 0; i < g->cfg.nb_vips; i++)
		for (uint32_t b = 0; b < g->cfg.vips[i].nb_backends; b++) {
			const struct lb_cfg_backend *be = &g->cfg.vips[i].backends[b];
			uint32_t n = 0;
			for (uint32_t f = 0; f < g->flows; f++)
				n += g->flow_backend[f] == be->addr &&
				     (g->vip >= 0 ? (unsigned)g->vip : f % g->cfg.nb_vips) == i;
			inet_ntop(AF_INET, &be->addr, addr, sizeof(addr));
			printf("[GEN] vip.%s backend %s:%u flows=%u\n", g->cfg.vips[i].name, addr, be->port, n);
		}
	for (uint32_t f = 0; f < g->flows; f++)
		none += g->flow_backend[f] == 0;
	printf("[GEN] flows never returned=%u\n", none);
}

/* One burst from port 0, noted (--backends) and freed; how many. */
static uint16_t
receive(struct gen *g)
{
	struct rte_mbuf *r[BURST];
	uint16_t got = rte_eth_rx_burst(0, 0, r, BURST);

	if (g->backends)
		for (uint16_t i = 0; i < got; i++)
			note_returned(g, r[i]);
	rte_pktmbuf_free_bulk(r, got);
	return got;
}

int
main(int argc, char **argv)
{
	static struct gen g;
	struct rte_eth_conf conf = {0};
	struct rte_mempool *pool;
	uint64_t tx = 0, rx = 0, last_tx = 0, last_rx = 0;

	int n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "lb-gen: EAL init failed\n");
		return 1;
	}
	lb_rundir_remove_at_exit();
	if (parse_args(&g, argc - n, argv + n) < 0) {
		fprintf(stderr, "usage: lb-gen [EAL options] -- -c lb.ini [--flows N] [--duration S] "
				"[--rate PPS] [--size BYTES] [--vip NAME] [--backends]\n");
		return 2;
	}
	if (rte_eth_dev_count_avail() < 1 || build_frames(&g) < 0) {
		fprintf(stderr, "lb-gen: no DPDK port (give one with --vdev or -a), or no memory\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("gen", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (!pool || rte_eth_dev_configure(0, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(0, 0, 1024, rte_socket_id(), NULL, pool) < 0 ||
	    rte_eth_tx_queue_setup(0, 0, 1024, rte_socket_id(), NULL) < 0 || rte_eth_dev_start(0) < 0) {
		fprintf(stderr, "lb-gen: port 0 set-up failed\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	const uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), end = start + (uint64_t)(g.duration * hz);
	uint64_t next_report = start + hz, now;
	while (!quit && (now = rte_rdtsc()) < end) {
		/* sending: as many as the rate allows so far (all when no rate) */
		uint64_t allowed = g.rate > 0 ? (uint64_t)((now - start) * g.rate / hz) - tx : BURST;
		if (allowed > 0) {
			struct rte_mbuf *m[BURST];
			unsigned k = RTE_MIN(allowed, (uint64_t)BURST);
			if (rte_pktmbuf_alloc_bulk(pool, m, k) == 0) {
				fixture_flows_fill(&g.frames, m, k);
				uint16_t sent = rte_eth_tx_burst(0, 0, m, k);
				rte_pktmbuf_free_bulk(m + sent, k - sent);
				tx += sent;
			}
		}
		rx += receive(&g);
		if (now >= next_report) {
			printf("[GEN] TX_PPS=%" PRIu64 " RX_PPS=%" PRIu64 "\n", tx - last_tx, rx - last_rx);
			fflush(stdout);
			last_tx = tx, last_rx = rx, next_report += hz;
		}
	}
	/* what is still on its way back */
	for (uint64_t t = rte_rdtsc() + hz / 10; rte_rdtsc() < t;) {
		rx += receive(&g);
	}
	double secs = (double)(rte_rdtsc() - start) / hz;
	printf("[GEN] TX=%" PRIu64 " RX=%" PRIu64 " seconds=%.2f TX_MPPS=%.3f RX_MPPS=%.3f\n", tx, rx, secs,
	       tx / secs / 1e6, rx / secs / 1e6);
	if (g.backends)
		print_backends(&g);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return 0;
}
