/* Maglev tables against the paper's properties, and weighted modulo. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "control/lb_lookup_fill.h"
#include "nodes/lb_flow_hash.h"
#include "unit/tests.h"

#define M LB_DEFAULT_TABLE_SIZE

static struct lb_cfg_backend backends[LB_MAX_BACKENDS];

static struct lb_cfg_vip
vip_with(unsigned n, enum lb_hash_kind hash, uint32_t table_size)
{
	for (unsigned i = 0; i < n; i++)
		backends[i] = (struct lb_cfg_backend){
			.addr = htonl(0x0a000000u + i * 7 + 1), .port = 8080, .weight = 1,
		};
	return (struct lb_cfg_vip){
		.hash = hash, .table_size = table_size, .nb_backends = n, .backends = backends,
	};
}

static void
count_slots(const uint16_t *lut, uint32_t size, unsigned n, uint32_t *count)
{
	memset(count, 0, n * sizeof(*count));
	for (uint32_t s = 0; s < size; s++)
		count[lut[s]]++;
}

static void
test_every_slot_filled_and_even(void)
{
	static const unsigned ns[] = {1, 2, 3, 10, 100, 655};
	uint32_t count[LB_MAX_BACKENDS], size;

	for (unsigned k = 0; k < RTE_DIM(ns); k++) {
		struct lb_cfg_vip v = vip_with(ns[k], LB_HASH_MAGLEV, M);
		uint16_t *lut = lb_lookup_new(&v, 0x5eed, &size);
		CU_ASSERT_PTR_NOT_NULL_FATAL(lut);
		CU_ASSERT_EQUAL(size, M);
		for (uint32_t s = 0; s < size; s++)
			CU_ASSERT_FATAL(lut[s] < ns[k]); /* filled, and with a backend */
		count_slots(lut, size, ns[k], count);
		/* N <= M/100: each share within 1% of 1/N */
		for (unsigned b = 0; b < ns[k]; b++) {
			double share = (double)count[b] / M, want = 1.0 / ns[k];
			CU_ASSERT(share > want * 0.99 && share < want * 1.01);
		}
		free(lut);
	}
}

static void
test_weights(void)
{
	uint32_t count[3], size;

	for (int kind = 0; kind < 2; kind++) {
		struct lb_cfg_vip v = vip_with(3, kind ? LB_HASH_MODULO : LB_HASH_MAGLEV, M);
		backends[0].weight = 1, backends[1].weight = 2, backends[2].weight = 3;
		uint16_t *lut = lb_lookup_new(&v, 1, &size);
		CU_ASSERT_PTR_NOT_NULL_FATAL(lut);
		count_slots(lut, size, 3, count);
		for (unsigned b = 0; b < 3; b++) {
			double share = (double)count[b] / size, want = (b + 1) / 6.0;
			CU_ASSERT(share > want * 0.99 && share < want * 1.01);
		}
		free(lut);
		/* weight 0: drained, never picked; all 0: nothing to pick */
		backends[1].weight = 0;
		lut = lb_lookup_new(&v, 1, &size);
		count_slots(lut, size, 3, count);
		CU_ASSERT_EQUAL(count[1], 0);
		CU_ASSERT(count[0] > 0 && count[2] > 0);
		free(lut);
		backends[0].weight = backends[2].weight = 0;
		CU_ASSERT_EQUAL(lb_lookup_size(&v), 0);
		CU_ASSERT_PTR_NULL(lb_lookup_new(&v, 1, &size));
	}
}

static void
test_deterministic(void)
{
	uint32_t s1, s2, s3;
	struct lb_cfg_vip v = vip_with(10, LB_HASH_MAGLEV, M);
	uint16_t *a = lb_lookup_new(&v, 99, &s1), *b = lb_lookup_new(&v, 99, &s2),
		 *c = lb_lookup_new(&v, 100, &s3);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(s1 == s2 && memcmp(a, b, s1 * sizeof(*a)) == 0);
	CU_ASSERT(memcmp(a, c, s1 * sizeof(*a)) != 0); /* the seed counts */
	free(a), free(b), free(c);
}

/* Remove 1 of 10 backends; how many of 1M random flows move? Maglev: about
 * 1/N (the removed backend's own flows and a little more); modulo: most. */
static double
moved_fraction(enum lb_hash_kind kind)
{
	uint32_t s1, s2;
	struct lb_cfg_vip v = vip_with(10, kind, M);
	uint16_t *before = lb_lookup_new(&v, 7, &s1);
	struct lb_cfg_backend removed = backends[4];
	memmove(&backends[4], &backends[5], 5 * sizeof(backends[0]));
	v.nb_backends = 9;
	uint16_t *after = lb_lookup_new(&v, 7, &s2);
	uint64_t x = 88172645463325252ULL;
	unsigned moved = 0;
	struct lb_flow_key key;
	lb_flow_key_init(&key, LB_FLOW_HASH_KEYED, (const uint64_t[2]){7, 0});

	for (unsigned i = 0; i < 1000000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t h = lb_flow_hash(&key, (uint32_t)x, 0x0a0b0c0d, (uint16_t)(x >> 32), 80, 6);
		const struct lb_cfg_backend *b1 = &(struct lb_cfg_backend){0};
		uint16_t i1 = before[lb_lookup_slot(h, s1)];
		/* index before removal -> identity */
		b1 = i1 == 4 ? &removed : &backends[i1 < 4 ? i1 : i1 - 1];
		const struct lb_cfg_backend *b2 = &backends[after[lb_lookup_slot(h, s2)]];
		moved += b1->addr != b2->addr;
	}
	free(before), free(after);
	return moved / 1e6;
}

static void
test_removal_moves_few_flows(void)
{
	double maglev = moved_fraction(LB_HASH_MAGLEV), modulo = moved_fraction(LB_HASH_MODULO);
	printf("\n    remove 1 of 10 backends, 1M flows: maglev moves %.4f, modulo moves %.4f "
	       "(1/N = 0.1000) ",
	       maglev, modulo);
	CU_ASSERT(maglev <= 1.2 / 10);
	CU_ASSERT(maglev >= 1.0 / 10 * 0.9); /* the removed backend's flows must move */
}

static void
test_table_size_checks(void)
{
	CU_ASSERT(lb_is_prime(65537));
	CU_ASSERT(lb_is_prime(LB_MAX_TABLE_SIZE));
	CU_ASSERT(!lb_is_prime(65536));
	CU_ASSERT(!lb_is_prime(1));
	struct lb_cfg_vip v = vip_with(5, LB_HASH_MAGLEV, 7);
	uint32_t size, count[5];
	uint16_t *lut = lb_lookup_new(&v, 1, &size);
	CU_ASSERT_EQUAL_FATAL(size, 7);
	count_slots(lut, size, 5, count);
	for (unsigned b = 0; b < 5; b++)
		CU_ASSERT(count[b] >= 1);
	free(lut);
}

void
register_maglev_tests(void)
{
	CU_pSuite s = CU_add_suite("maglev", NULL, NULL);
	CU_add_test(s, "every slot filled, shares within 1% (N <= M/100)", test_every_slot_filled_and_even);
	CU_add_test(s, "weights 1:2:3 and 0, maglev and modulo", test_weights);
	CU_add_test(s, "same config and seed, same table", test_deterministic);
	CU_add_test(s, "removing 1 of 10 moves <= 1.2/N of 1M flows", test_removal_moves_few_flows);
	CU_add_test(s, "prime table sizes", test_table_size_checks);
}
