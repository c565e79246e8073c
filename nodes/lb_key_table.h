/* The data path's exact-match tables: {IPv4 address, port, protocol} ->
 * 16-bit value (a VIP index, or LB_KEY_LOCAL for a local address).
 *
 * Why not rte_hash: these tables are immutable once published (a change
 * builds a new one and swaps it under RCU), so none of rte_hash's concurrent
 * writer support is needed, while its per-lookup costs are: a hash function
 * called through a pointer, a memcmp() call for 8-byte keys, two buckets.
 * Here a key is one 64-bit word, hashed with one multiplication by the
 * table's own random odd multiplier (multiply-shift, Dietzfelbinger et al.:
 * a universal family, so where keys land depends on a secret chosen when
 * the table is made; unseeded CRC32C let junk packets be aimed at the
 * longest probe run), and found by linear probing in a power-of-two array
 * at most half full (4 slots per cache line), so a lookup is usually one
 * cache line and one compare. The control plane builds them
 * (control/lb_key_table_build.c). */
#pragma once

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "nodes/lb_dataplane.h"

#define LB_KEY_LOCAL UINT16_MAX /* value of a local address (ICMP echo) */

struct lb_key_slot {
	uint64_t key; /* 0: empty (no real key is 0: its protocol is never 0) */
	uint16_t value;
};

struct lb_key_table {
	uint64_t mult;  /* random, odd: a key's home is the top bits of key * mult */
	uint32_t shift; /* 64 - log2(slots) */
	uint32_t mask;  /* slots - 1; at least half the slots are empty */
	uint32_t count;
	struct lb_key_slot slots[];
};

/* Fields as they sit in the packet (network order). */
static __rte_always_inline uint64_t
lb_key_make(rte_be32_t addr, rte_be16_t port, uint8_t proto)
{
	return (uint64_t)addr | (uint64_t)port << 32 | (uint64_t)proto << 48;
}

/* Keys of the source-address table (LB_SRC_LOCAL in lb_dataplane.h). */
static __rte_always_inline uint64_t
lb_src_key(rte_be32_t addr)
{
	return lb_key_make(addr, 0, LB_KEY_PROTO_SRC);
}

static __rte_always_inline uint64_t
lb_src_port_key(rte_be32_t addr, uint16_t port_id)
{
	return lb_key_make(addr, port_id, LB_KEY_PROTO_SRC_PORT);
}

static __rte_always_inline uint32_t
lb_key_slot_of(const struct lb_key_table *t, uint64_t key)
{
	return (uint32_t)((key * t->mult) >> t->shift);
}

/* The value of key, or -1. Ends: the table always has an empty slot. */
static __rte_always_inline int
lb_key_find(const struct lb_key_table *t, uint64_t key)
{
	for (uint32_t i = lb_key_slot_of(t, key);; i = (i + 1) & t->mask) {
		const struct lb_key_slot *s = &t->slots[i];
		if (s->key == key)
			return s->value;
		if (s->key == 0)
			return -1;
	}
}
