/* The 5-tuple hash and modulo selection, for both flow_hash kinds:
 * deterministic, seeded, spread evenly over 2..100 backends for random and
 * for sequential tuples; keyed: tuples built to collide under one seed do
 * not under another (they do under crc32c, whose collisions ignore the
 * seed); the AES rounds in C equal the instruction's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_byteorder.h>

#include "nodes/lb_dataplane.h"
#include "nodes/lb_flow_hash.h"
#include "unit/test_rng.h"
#include "unit/tests.h"

/* lb_flow_hash keyed, seed 0x5eed1b, two tuples (test_keyed_values_pinned) */
#define PINNED_H1 0x9a7135b9u
#define PINNED_H2 0x5c1dea68u

static uint64_t rng_state;
static uint32_t
rng(void)
{
	return (uint32_t)(test_rng64(&rng_state) >> 32);
}

static const enum lb_flow_hash_kind kinds[] = {LB_FLOW_HASH_KEYED, LB_FLOW_HASH_CRC32C};

static struct lb_flow_key
key_of(enum lb_flow_hash_kind kind, uint64_t lo, uint64_t hi)
{
	struct lb_flow_key k;
	lb_flow_key_init(&k, kind, (const uint64_t[2]){lo, hi});
	return k;
}

static void
test_deterministic_and_seeded(void)
{
	for (unsigned kk = 0; kk < RTE_DIM(kinds); kk++) {
		const struct lb_flow_key k7 = key_of(kinds[kk], 7, 0), k8 = key_of(kinds[kk], 8, 0);
		const struct lb_flow_key k7again = key_of(kinds[kk], 7, 0), k7hi = key_of(kinds[kk], 7, 1);
		unsigned differ = 0, differ_hi = 0;

		rng_state = 1;
		for (unsigned i = 0; i < 10000; i++) {
			uint32_t s = rng(), d = rng(), p = rng();
			uint8_t proto = i & 1 ? 6 : 17;
			uint32_t h1 = lb_flow_hash(&k7, s, d, p >> 16, p & 0xffff, proto);
			uint32_t h2 = lb_flow_hash(&k7again, s, d, p >> 16, p & 0xffff, proto);
			CU_ASSERT_EQUAL(h1, h2);
			differ += h1 != lb_flow_hash(&k8, s, d, p >> 16, p & 0xffff, proto);
			differ_hi += h1 != lb_flow_hash(&k7hi, s, d, p >> 16, p & 0xffff, proto);
			/* every field counts */
			CU_ASSERT_NOT_EQUAL(h1, lb_flow_hash(&k7, s, d, p >> 16, p & 0xffff, proto ^ 23));
		}
		CU_ASSERT(differ > 9990);
		/* keyed: all 128 bits of the seed count; crc32c: only the low 32 */
		CU_ASSERT(kinds[kk] == LB_FLOW_HASH_KEYED ? differ_hi > 9990 : differ_hi == 0);
	}
}

/* Values pinned from a first run: the keyed hash is the same function on
 * every machine and release (instances behind ECMP must agree). */
static void
test_keyed_values_pinned(void)
{
	const struct lb_flow_key k = key_of(LB_FLOW_HASH_KEYED, 0x5eed1b, 0);
	const uint32_t h1 = lb_flow_hash(&k, RTE_BE32(0x64400001), RTE_BE32(0xc633640a), RTE_BE16(40000),
					 RTE_BE16(80), 6);
	const uint32_t h2 = lb_flow_hash(&k, RTE_BE32(0x0a0a0002), RTE_BE32(0xc000020a), RTE_BE16(1234),
					 RTE_BE16(53), 17);
	if (h1 != PINNED_H1 || h2 != PINNED_H2)
		fprintf(stderr, "\n  keyed hash: 0x%08x 0x%08x\n", h1, h2);
	CU_ASSERT_EQUAL(h1, PINNED_H1);
	CU_ASSERT_EQUAL(h2, PINNED_H2);
}

/* The three AES rounds in C give what AESENC gives (CPUs without AES-NI
 * compute the same hash). */
static void
test_aes_soft_equals_instruction(void)
{
	rng_state = 5;
	for (unsigned i = 0; i < 10000; i++) {
		struct lb_flow_key k = key_of(LB_FLOW_HASH_KEYED, test_rng64(&rng_state), test_rng64(&rng_state));
		const uint32_t block[4] = {rng(), rng(), rng(), rng() & 0xff};
		CU_ASSERT_EQUAL_FATAL(lb_aes3_low32(block, k.rk), lb_aes3_low32_soft(block, k.rk));
	}
	/* FIPS-197 appendix B, round 1: state after AddRoundKey, the round key */
	uint8_t s[16] = {0x19, 0x3d, 0xe3, 0xbe, 0xa0, 0xf4, 0xe2, 0x2b, 0x9a, 0xc6, 0x8d, 0x2a, 0xe9, 0xf8, 0x48, 0x08};
	const uint8_t rk[16] = {0xa0, 0xfa, 0xfe, 0x17, 0x88, 0x54, 0x2c, 0xb1, 0x23, 0xa3, 0x39, 0x39, 0x2a, 0x6c, 0x76, 0x05};
	const uint8_t want[16] = {0xa4, 0x9c, 0x7f, 0xf2, 0x68, 0x9f, 0x35, 0x2b, 0x6b, 0x5b, 0xea, 0x43, 0x02, 0x6a, 0x50, 0x49};
	lb_aesenc_soft(s, rk);
	CU_ASSERT(memcmp(s, want, 16) == 0);
}

struct tuple {
	uint32_t src, dst, ports, hash;
};

static int
by_hash(const void *a, const void *b)
{
	const uint32_t x = ((const struct tuple *)a)->hash, y = ((const struct tuple *)b)->hash;
	return x < y ? -1 : x > y;
}

/* Pairs of tuples (one client network, one VIP) whose hashes collide under
 * seed 1, found by a birthday search: under other seeds the keyed hash
 * separates them, crc32c never does (its collisions do not depend on the
 * seed: what an attacker who knows the algorithm can build offline). */
static unsigned
pairs_colliding_elsewhere(enum lb_flow_hash_kind kind, unsigned *pairs)
{
	enum { N = 400000 };
	static struct tuple t[N];
	const struct lb_flow_key k1 = key_of(kind, 1, 0);
	unsigned still = 0;

	rng_state = 99;
	for (unsigned i = 0; i < N; i++) {
		t[i] = (struct tuple){.src = rte_cpu_to_be_32(0x64400000 | (rng() & 0xffff)),
				      .dst = RTE_BE32(0xc633640a), .ports = (rng() & 0xffff) | (uint32_t)RTE_BE16(443) << 16};
		t[i].hash = lb_flow_hash(&k1, t[i].src, t[i].dst, t[i].ports & 0xffff, t[i].ports >> 16, 6);
	}
	qsort(t, N, sizeof(t[0]), by_hash);
	*pairs = 0;
	for (unsigned i = 0; i + 1 < N; i++) {
		const struct tuple *a = &t[i], *b = &t[i + 1];
		if (a->hash != b->hash || (a->src == b->src && a->ports == b->ports))
			continue;
		(*pairs)++;
		for (uint64_t seed = 2; seed < 12; seed++) {
			const struct lb_flow_key k = key_of(kind, seed, seed << 32);
			still += lb_flow_hash(&k, a->src, a->dst, a->ports & 0xffff, a->ports >> 16, 6) ==
				 lb_flow_hash(&k, b->src, b->dst, b->ports & 0xffff, b->ports >> 16, 6);
		}
	}
	return still;
}

static void
test_collisions_depend_on_the_seed(void)
{
	unsigned pairs, still;

	still = pairs_colliding_elsewhere(LB_FLOW_HASH_KEYED, &pairs);
	CU_ASSERT(pairs >= 3);
	CU_ASSERT_EQUAL(still, 0);
	printf("\n    keyed: %u pairs colliding under seed 1, %u of %u (pair, seed) still colliding under 10 other seeds\n",
	       pairs, still, 10 * pairs);
	still = pairs_colliding_elsewhere(LB_FLOW_HASH_CRC32C, &pairs);
	CU_ASSERT(pairs >= 3);
	CU_ASSERT_EQUAL(still, 10 * pairs); /* the test can fail: crc32c's collide under every seed */
	printf("    crc32c: %u pairs colliding under seed 1, %u of %u still colliding ", pairs, still, 10 * pairs);
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

	for (unsigned kk = 0; kk < RTE_DIM(kinds); kk++) {
		const struct lb_flow_key key = key_of(kinds[kk], 0x5eed, 0);
		for (unsigned k = 0; k < RTE_DIM(ns); k++) {
			struct lb_vip *v = modulo_vip(ns[k]);
			memset(count, 0, sizeof(count));
			rng_state = 0x9e3779b97f4a7c15ULL + k;
			for (unsigned i = 0; i < 1000000; i++) {
				uint32_t s = rng(), d = rng(), p = rng();
				count[lb_vip_select(v, lb_flow_hash(&key, s, d, p >> 16, p & 0xffff, 6))->slot]++;
			}
			CU_ASSERT(spread_ok(count, ns[k], 1000000, "1M random tuples"));
			free_vip(v);
		}
	}
}

/* One client, one VIP, every source port: structured, not random, traffic. */
static void
test_spread_sequential_ports(void)
{
	uint64_t count[100];

	for (unsigned kk = 0; kk < RTE_DIM(kinds); kk++) {
		const struct lb_flow_key key = key_of(kinds[kk], 1, 0);
		for (unsigned n = 2; n <= 100; n += (n < 10 ? 1 : 15)) {
			struct lb_vip *v = modulo_vip(n);
			memset(count, 0, sizeof(count));
			for (uint32_t port = 1024; port < 65536; port++)
				count[lb_vip_select(v, lb_flow_hash(&key, RTE_BE32(0x0a000001), RTE_BE32(0xc6336410),
								    rte_cpu_to_be_16(port), RTE_BE16(80), 6))
					      ->slot]++;
			CU_ASSERT(spread_ok(count, n, 65536 - 1024, "sequential source ports"));
			free_vip(v);
		}
	}
}

void
register_hash_tests(void)
{
	CU_pSuite s = CU_add_suite("hash", NULL, NULL);
	CU_add_test(s, "deterministic, seeded, every field counts", test_deterministic_and_seeded);
	CU_add_test(s, "keyed: the same values everywhere", test_keyed_values_pinned);
	CU_add_test(s, "keyed: AES rounds in C = AES-NI, FIPS-197 round", test_aes_soft_equals_instruction);
	CU_add_test(s, "collisions built under one seed, under others", test_collisions_depend_on_the_seed);
	CU_add_test(s, "1M random tuples over 2..100 backends", test_spread_random);
	CU_add_test(s, "sequential source ports over 2..100 backends", test_spread_sequential_ports);
}
