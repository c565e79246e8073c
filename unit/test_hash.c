/* The 5-tuple hash and modulo selection: deterministic, seeded, and spread
 * evenly over 2..100 backends for random and for sequential tuples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_byteorder.h>

#include "nodes/lb_dataplane.h"
#include "nodes/lb_flow_hash.h"
#include "unit/test_rng.h"
#include "unit/tests.h"

static uint64_t rng_state;
static uint32_t
rng(void)
{
	return (uint32_t)(test_rng64(&rng_state) >> 32);
}

static void
test_deterministic_and_seeded(void)
{
	unsigned differ = 0;

	rng_state = 1;
	for (unsigned i = 0; i < 10000; i++) {
		uint32_t s = rng(), d = rng(), p = rng();
		uint8_t proto = i & 1 ? 6 : 17;
		uint32_t h1 = lb_flow_hash(s, d, p >> 16, p & 0xffff, proto, 7);
		uint32_t h2 = lb_flow_hash(s, d, p >> 16, p & 0xffff, proto, 7);
		CU_ASSERT_EQUAL(h1, h2);
		differ += h1 != lb_flow_hash(s, d, p >> 16, p & 0xffff, proto, 8);
		/* every field counts */
		CU_ASSERT_NOT_EQUAL(h1, lb_flow_hash(s, d, p >> 16, p & 0xffff, proto ^ 23, 7));
	}
	CU_ASSERT(differ > 9990);
}

/* Every backend's count within 5 standard deviations of the binomial
 * expectation (n = 100: +-5%; n = 2: +-0.5%). */
static int
spread_ok(const uint64_t *count, unsigned n, uint64_t total, const char *what)
{
	const double mean = (double)total / n;
	const double sd = sqrt(total * (1.0 / n) * (1 - 1.0 / n));
	double worst = 0;
	for (unsigned b = 0; b < n; b++)
		worst = fmax(worst, fabs(count[b] - mean) / sd);
	if (worst > 5)
		fprintf(stderr, "\n  %s over %u backends: worst deviation %.2f sd\n", what, n, worst);
	return worst <= 5;
}

static struct lb_vip *
modulo_vip(unsigned n)
{
	struct lb_vip *v = calloc(1, sizeof(*v));
	v->nb_backends = n;
	v->backends = calloc(n, sizeof(*v->backends));
	v->lookup = calloc(1, sizeof(*v->lookup) + n * sizeof(uint16_t));
	v->lookup->size = n;
	for (unsigned i = 0; i < n; i++) {
		v->lookup->entry[i] = i;
		v->backends[i].slot = i;
	}
	return v;
}

static void
free_vip(struct lb_vip *v)
{
	free(v->backends);
	free(v->lookup);
	free(v);
}

static void
test_spread_random(void)
{
	static const unsigned ns[] = {2, 3, 5, 7, 10, 16, 25, 50, 64, 100};
	uint64_t count[100];

	for (unsigned k = 0; k < RTE_DIM(ns); k++) {
		struct lb_vip *v = modulo_vip(ns[k]);
		memset(count, 0, sizeof(count));
		rng_state = 0x9e3779b97f4a7c15ULL + k;
		for (unsigned i = 0; i < 1000000; i++) {
			uint32_t s = rng(), d = rng(), p = rng();
			count[lb_vip_select(v, lb_flow_hash(s, d, p >> 16, p & 0xffff, 6, 0x5eed))->slot]++;
		}
		CU_ASSERT(spread_ok(count, ns[k], 1000000, "1M random tuples"));
		free_vip(v);
	}
}

/* One client, one VIP, every source port: structured, not random, traffic. */
static void
test_spread_sequential_ports(void)
{
	uint64_t count[100];

	for (unsigned n = 2; n <= 100; n += (n < 10 ? 1 : 15)) {
		struct lb_vip *v = modulo_vip(n);
		memset(count, 0, sizeof(count));
		for (uint32_t port = 1024; port < 65536; port++)
			count[lb_vip_select(v, lb_flow_hash(RTE_BE32(0x0a000001), RTE_BE32(0xc6336410),
							    rte_cpu_to_be_16(port), RTE_BE16(80), 6, 1))
				      ->slot]++;
		CU_ASSERT(spread_ok(count, n, 65536 - 1024, "sequential source ports"));
		free_vip(v);
	}
}

void
register_hash_tests(void)
{
	CU_pSuite s = CU_add_suite("hash", NULL, NULL);
	CU_add_test(s, "deterministic, seeded, every field counts", test_deterministic_and_seeded);
	CU_add_test(s, "1M random tuples over 2..100 backends", test_spread_random);
	CU_add_test(s, "sequential source ports over 2..100 backends", test_spread_sequential_ports);
}
