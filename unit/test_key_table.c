/* The data path's exact-match tables (nodes/lb_key_table.h): what is set is
 * found with its value, what is not is not, probe runs wrap around the end,
 * and the builder refuses key 0 and a table past half full. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_lcore.h>

#include "control/lb_key_table_build.h"
#include "nodes/lb_crc32c.h"
#include "unit/test_rng.h"
#include "unit/tests.h"

static uint64_t rng_state;

static uint64_t
random_key(void)
{
	uint64_t r = test_rng64(&rng_state);
	return lb_key_make((rte_be32_t)r, (rte_be16_t)(r >> 32), (r >> 48) & 1 ? IPPROTO_TCP : IPPROTO_UDP);
}

static void
test_found_and_absent(void)
{
	enum { N = 3000 };
	static uint64_t keys[N];
	struct lb_key_table *t = lb_key_table_new(N, (int)rte_socket_id());

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(lb_key_find(t, lb_key_make(RTE_BE32(0x0a000001), RTE_BE16(80), IPPROTO_TCP)) == -1);
	rng_state = 7;
	for (unsigned i = 0; i < N; i++) {
		keys[i] = random_key();
		CU_ASSERT(lb_key_table_set(t, keys[i], (uint16_t)i) == 0);
	}
	unsigned wrong = 0;
	for (unsigned i = 0; i < N; i++)
		wrong += lb_key_find(t, keys[i]) != (int)i;
	CU_ASSERT_EQUAL(wrong, 0);
	/* Other keys: a different stream, and each field of a present key changed. */
	unsigned found = 0;
	for (unsigned i = 0; i < 100000; i++)
		found += lb_key_find(t, random_key()) >= 0;
	for (unsigned i = 0; i < N; i++) {
		found += lb_key_find(t, keys[i] ^ 1) >= 0;
		found += lb_key_find(t, keys[i] ^ (1ull << 32)) >= 0;
		found += lb_key_find(t, keys[i] ^ (0x17ull << 48)) >= 0; /* TCP <-> UDP */
	}
	CU_ASSERT_EQUAL(found, 0);
	lb_key_table_free(t);
}

static void
test_replace_and_limits(void)
{
	struct lb_key_table *t = lb_key_table_new(5, (int)rte_socket_id());
	const uint64_t k = lb_key_make(RTE_BE32(0xc6336414), RTE_BE16(53), IPPROTO_UDP);
	unsigned set = 0;

	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(lb_key_table_set(t, 0, 1) == -EINVAL);
	CU_ASSERT(lb_key_table_set(t, k, 1) == 0);
	CU_ASSERT(lb_key_table_set(t, k, 2) == 0); /* replaced, not added */
	CU_ASSERT_EQUAL(lb_key_find(t, k), 2);
	CU_ASSERT_EQUAL(t->count, 1);
	/* Room for at least the 5 asked for, never past half the slots. */
	rng_state = 11;
	int rc;
	while ((rc = lb_key_table_set(t, random_key(), 3)) == 0)
		set++;
	CU_ASSERT(rc == -ENOSPC);
	CU_ASSERT(set + 1 >= 5);
	CU_ASSERT_EQUAL(2 * t->count, t->mask + 1);
	CU_ASSERT_EQUAL(lb_key_find(t, k), 2);
	lb_key_table_free(t);
}

/* Keys whose home is the last slot: their run wraps to slot 0 and on. */
static void
test_probe_wraps(void)
{
	struct lb_key_table *t = lb_key_table_new(8, (int)rte_socket_id());
	uint64_t keys[4];
	unsigned n = 0;

	CU_ASSERT_FATAL(t != NULL);
	rng_state = 3;
	while (n < 4) {
		uint64_t k = random_key();
		if (lb_key_slot_of(t, k) == t->mask)
			keys[n++] = k;
	}
	for (unsigned i = 0; i < 4; i++)
		CU_ASSERT(lb_key_table_set(t, keys[i], (uint16_t)(100 + i)) == 0);
	CU_ASSERT(t->slots[t->mask].key == keys[0]);
	CU_ASSERT(t->slots[0].key == keys[1] && t->slots[2].key == keys[3]);
	for (unsigned i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(lb_key_find(t, keys[i]), (int)(100 + i));
	/* An absent key with the same home walks the run and stops at the gap. */
	uint64_t absent;
	do
		absent = random_key();
	while (lb_key_slot_of(t, absent) != t->mask);
	CU_ASSERT_EQUAL(lb_key_find(t, absent), -1);
	lb_key_table_free(t);
}

/* How far from its home slot each key of t sits (linear probing). */
static uint32_t
longest_probe(const struct lb_key_table *t)
{
	uint32_t worst = 0;
	for (uint32_t i = 0; i <= t->mask; i++)
		if (t->slots[i].key)
			worst = RTE_MAX(worst, (i - lb_key_slot_of(t, t->slots[i].key)) & t->mask);
	return worst;
}

/* 1,000 keys crafted to share one home under the unseeded CRC32C that the
 * tables used before (an attacker who knows the algorithm finds them
 * offline): under the table's own multiplier they spread, the longest probe
 * stays short, and absent keys of that same CRC home cost no walk. */
static void
test_crafted_keys_bounded(void)
{
	enum { N = 1000 };
	static uint64_t keys[N], absent[N];
	struct lb_key_table *t = lb_key_table_new(4 * N, (int)rte_socket_id()); /* 8192 slots */
	unsigned n = 0, m = 0;

	CU_ASSERT_FATAL(t != NULL);
	rng_state = 17;
	while (n < N || m < N) {
		const uint64_t k = random_key();
		if ((lb_crc32c_u64(k, 0) & t->mask) != 0)
			continue;
		if (n < N)
			keys[n++] = k;
		else
			absent[m++] = k;
	}
	for (unsigned i = 0; i < N; i++)
		CU_ASSERT(lb_key_table_set(t, keys[i], (uint16_t)i) == 0);
	const uint32_t worst = longest_probe(t);
	/* the same keys placed by linear probing from their CRC32C homes */
	static uint8_t used[8192];
	uint32_t crc_worst = 0;
	memset(used, 0, sizeof(used));
	for (unsigned i = 0; i < N; i++) {
		uint32_t home = lb_crc32c_u64(keys[i], 0) & t->mask, j = home;
		while (used[j])
			j = (j + 1) & t->mask;
		used[j] = 1;
		crc_worst = RTE_MAX(crc_worst, (j - home) & t->mask);
	}
	uint64_t probes = 0;
	for (unsigned i = 0; i < N; i++) {
		uint32_t j = lb_key_slot_of(t, absent[i]);
		while (t->slots[j].key) {
			j = (j + 1) & t->mask;
			probes++;
		}
		CU_ASSERT_EQUAL(lb_key_find(t, absent[i]), -1);
	}
	printf("\n    1000 keys with one CRC32C home: longest probe %u (CRC32C homes: %u), "
	       "%.2f occupied slots walked per absent crafted key ", worst, crc_worst, (double)probes / N);
	CU_ASSERT(worst <= 16);
	CU_ASSERT(probes <= 2 * N);
	CU_ASSERT(crc_worst >= N - 1); /* what the crafted keys did to the unseeded tables */
	lb_key_table_free(t);
}

void
register_key_table_tests(void)
{
	CU_pSuite s = CU_add_suite("key_table", NULL, NULL);
	CU_add_test(s, "3,000 keys found with their values, 109,000 others not", test_found_and_absent);
	CU_add_test(s, "replace, key 0 refused, never past half full", test_replace_and_limits);
	CU_add_test(s, "probe runs wrap around the end", test_probe_wraps);
	CU_add_test(s, "keys crafted for one CRC32C home: short probes", test_crafted_keys_bounded);
}
