/* lb-publish: how long one VIP's rebuild and publication take (a Maglev
 * table of 65537 entries, the pointer swap, then an RCU grace period with
 * a worker lcore walking the test graph nonstop), for 10, 100 and 1,000
 * backends, seven weight changes each; medians printed. A measurement, not
 * a test: nothing is asserted but that the changes were taken.
 * Usage: build/bench/lb-publish */
#include <stdio.h>
#include <stdlib.h>

#include "control/lb_control.h"
#include "tools/fixtures.h"
#include "unit/harness.h"

#define NB_FRAMES 256
static uint8_t frames[NB_FRAMES][256];
static size_t lens[NB_FRAMES];

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(void)
{
	static const unsigned ns[] = {10, 100, 1000};
	static char ini[64 * 1024];
	struct lb_control_result res;

	if (harness_init() < 0) {
		fprintf(stderr, "lb-publish: EAL or test graph set-up failed\n");
		return 1;
	}
	for (unsigned k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		static struct lb_config cfg;
		double us[7];
		int o = snprintf(ini, sizeof(ini), "[port.0]\ndev = net_null0\n[worker.1]\nrx = 0:0\n[vip.web]\n"
				     "addr = 198.51.100.10\nport = 80\nproto = tcp\nout_port = 0\n");
		for (unsigned b = 0; b < ns[k]; b++)
			o += snprintf(ini + o, sizeof(ini) - o, "backend = 10.1.%u.%u:80 02:00:00:00:%02x:%02x\n", b >> 8,
				      b & 255, b >> 8, b & 255);
		if (harness_load(ini, &cfg) < 0)
			return 1;
		lb_control_init(&cfg, harness_ports, harness_qs);
		struct fixture_vip v = fixture_vip_of(&cfg, 0);
		for (unsigned i = 0; i < NB_FRAMES; i++)
			lens[i] = fixture_build_ok(frames[i], sizeof(frames[i]), &v, i, 0);
		if (harness_worker_start(frames, lens, NB_FRAMES) != 0)
			return 1;
		for (unsigned r = 0; r < 7; r++) {
			if (lb_control_backend_weight("web", RTE_BE32(0x0a010000), 80, r & 1 ? 1 : 2, &res) < 0) {
				fprintf(stderr, "lb-publish: %s\n", res.err);
				return 1;
			}
			us[r] = res.publish_us;
		}
		harness_worker_stop();
		qsort(us, 7, sizeof(double), cmp_double);
		printf("N = %4u backends, M = 65537: rebuild + publish median %.0f us (min %.0f, max %.0f)\n", ns[k],
		       us[3], us[0], us[6]);
		lb_control_stop();
		lb_config_free(&cfg);
	}
	return 0;
}
