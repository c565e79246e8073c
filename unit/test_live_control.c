/* Live control under load: a worker lcore walks the test graph nonstop
 * while the control plane adds and removes backends through the same calls
 * the telemetry commands use. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "control/lb_control.h"
#include "tools/fixtures.h"
#include "unit/harness.h"
#include "unit/tests.h"

#define CHURN 1000
#define NB_FRAMES 256
/* The sink counts by the low 16 bits of the address: keep the churned
 * backends (10.200.16.0 on) apart from the static ones (10.0.0.1, .2). */
#define CHURN_BASE 0x1000u

static uint32_t
churn_addr(unsigned i)
{
	return htonl(0x0ac80000u + CHURN_BASE + i);
}

static uint8_t frames[NB_FRAMES][256];
static size_t lens[NB_FRAMES];

static const char churn_ini[] =
	"[lb]\nhash_seed = 0x77\n[port.0]\ndev = net_null0\n[worker.1]\nrx = 0:0\n"
	"[vip.web]\naddr = 198.51.100.10\nport = 80\nproto = tcp\nout_port = 0\n"
	"backend = 10.0.0.1:8080 02:00:00:00:00:01\nbackend = 10.0.0.2:8080 02:00:00:00:00:02\n";

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* 256 flows to the VIP, and every 8th frame one the classifier drops. */
static void
make_frames(const struct lb_config *cfg)
{
	struct fixture_vip v = {.addr = cfg->vips[0].addr, .port = cfg->vips[0].port,
				.proto = cfg->vips[0].proto};
	unsigned bad = 0;
	for (unsigned i = 0; i < NB_FRAMES; i++) {
		if (i % 8 == 7) {
			while (fixtures[bad % nb_fixtures].verdict == FIXTURE_FORWARD)
				bad++;
			const struct fixture *fx = &fixtures[bad++ % nb_fixtures];
			lens[i] = fx->build(frames[i], sizeof(frames[i]), &v, i);
		} else {
			lens[i] = fixture_build_ok(frames[i], sizeof(frames[i]), &v, i, 0);
		}
	}
}

/* The typed calls with text in, as a front end makes them. */
static int
add_text(const char *vip, const char *spec, struct lb_control_result *r)
{
	struct lb_cfg_backend be;
	const char *why;
	if (lb_parse_backend(spec, &be, &why) < 0)
		return -1;
	return lb_control_backend_add(vip, &be, r);
}

static int
del_text(const char *vip, const char *endpoint, struct lb_control_result *r)
{
	rte_be32_t addr;
	uint16_t port;
	const char *why;
	if (lb_parse_addr_port(endpoint, &addr, &port, &why) < 0)
		return -1;
	return lb_control_backend_del(vip, addr, port, r);
}

static void
live_backends(const struct lb_config *cfg, uint64_t generation, void *arg)
{
	*(uint32_t *)arg = cfg->nb_vips ? cfg->vips[0].nb_backends : 0;
}

static void
test_churn_under_load(void)
{
	static struct lb_config cfg;
	static uint64_t at_ack[CHURN];
	static double publish_us[2 * CHURN];
	struct lb_worker_counters before, after;
	char spec[96], addr[32];
	struct lb_control_result r;
	unsigned reached = 0, late = 0;

	CU_ASSERT_EQUAL_FATAL(harness_load(churn_ini, &cfg), 0);
	lb_control_init(&cfg, harness_ports, harness_qs);
	make_frames(&cfg);
	const unsigned in_use = rte_mempool_in_use_count(harness_pool);
	lb_counters_sum(&before);
	CU_ASSERT_EQUAL_FATAL(harness_worker_start(frames, lens, NB_FRAMES), 0);

	for (unsigned i = 0; i <= CHURN; i++) {
		if (i < CHURN) { /* a backend never seen before: churn_addr(i) */
			snprintf(spec, sizeof(spec), "10.200.%u.%u:8080 02:00:00:00:%02x:%02x",
				 (CHURN_BASE + i) >> 8, (CHURN_BASE + i) & 255, i >> 8, i & 255);
			CU_ASSERT_EQUAL(add_text("web", spec, &r), 0);
			publish_us[2 * i] = r.publish_us;
		}
		if (i > 0) { /* remove the previous one; from the ack on, no packet may reach it */
			snprintf(addr, sizeof(addr), "10.200.%u.%u:8080", (CHURN_BASE + i - 1) >> 8,
				 (CHURN_BASE + i - 1) & 255);
			CU_ASSERT_EQUAL(del_text("web", addr, &r), 0);
			at_ack[i - 1] = harness_sink_count(churn_addr(i - 1));
			publish_us[2 * i - 1] = r.publish_us;
		}
	}
	/* refused commands change nothing and keep the worker running */
	const uint64_t gen = r.generation;
	CU_ASSERT_EQUAL(del_text("web", "10.200.16.0:8080", &r), -1);
	CU_ASSERT_EQUAL(add_text("nope", "10.9.9.9:80 02:00:00:00:00:09", &r), -1);
	CU_ASSERT_EQUAL(r.generation, gen); /* refused: no new state */
	const uint64_t made = harness_worker_stop();
	lb_counters_sum(&after);

	for (unsigned i = 0; i < CHURN; i++) {
		const uint64_t now = harness_sink_count(churn_addr(i));
		reached += now > 0;
		late += now != at_ack[i];
	}
	qsort(publish_us, 2 * CHURN - 1, sizeof(double), cmp_double);
	printf("\n    %u add+remove, %lu frames: %u of %u churned backends got traffic, %u got any after "
	       "their removal; publish median %.0f us, max %.0f us ",
	       CHURN, (unsigned long)made, reached, CHURN, late, publish_us[CHURN], publish_us[2 * CHURN - 2]);
	CU_ASSERT_EQUAL(late, 0);
	CU_ASSERT(reached > CHURN / 2); /* the check above had something to see */
	CU_ASSERT(made > 100000);
	/* every frame ended once: forwarded to the sink or counted as a drop */
	uint64_t drops = 0;
	for (unsigned r = 0; r < LB_DROP_COUNT; r++)
		drops += after.drops[r] - before.drops[r];
	CU_ASSERT_EQUAL(after.rx - before.rx, made);
	CU_ASSERT_EQUAL(after.forwarded - before.forwarded, harness_sink_total());
	CU_ASSERT_EQUAL(harness_sink_total() + drops, made + after.generated - before.generated);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(harness_pool), in_use);
	uint32_t nb = 0;
	lb_control_read(live_backends, &nb);
	CU_ASSERT_EQUAL(nb, 2);
	lb_config_free(&cfg);
}

void
register_live_control_tests(void)
{
	CU_pSuite s = CU_add_suite("live_control", NULL, NULL);
	CU_add_test(s, "1,000 backend add/remove under load", test_churn_under_load);
}
