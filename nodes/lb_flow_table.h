/* The per-worker flow table: a connection keeps its backend while backends
 * come, go, change weight or are drained. Each worker owns its table (a
 * flow stays on one worker by its RX queue): no locks, no atomics.
 *
 * Set-associative: a bucket is one cache line of 4 entries; the bucket of a
 * flow is a hash of its key mixed with a random secret (per table, never
 * shown), so a sender cannot aim its flows at one bucket. An entry names its
 * backend by counter slot and incarnation id; the published tables map a
 * slot to the backend that holds it now (lb_tables.slots), so a removed
 * backend, or one whose health went down (the control plane gives it a new
 * id), invalidates its entries without anyone writing a worker's table. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_meter.h>

#include "nodes/lb_tables.h"

#define LB_FLOW_WAYS 4
#define LB_FLOW_TICKS_PER_S 16 /* entry times are in 1/16 s */
#define LB_FLOW_TIME_BITS 30

enum lb_flow_state { LB_FLOW_SYN, LB_FLOW_EST, LB_FLOW_FIN, LB_FLOW_UDP, LB_FLOW_STATES };

/* key: source address << 32 | source port << 16 | VIP index; 0 = empty
 * (a source 0.0.0.0 never gets here: martian_src). */
struct lb_flow_entry {
	uint64_t key;
	uint32_t backend;  /* lb_flow_backend_ref: slot << 20 | 20 bits of id */
	uint32_t seen;     /* tick << 2 | state */
};

struct lb_flow_bucket {
	struct lb_flow_entry e[LB_FLOW_WAYS];
} __rte_cache_aligned;

/* What a worker's table did (written by that worker only, read relaxed). */
struct lb_flow_stats {
	uint64_t hits, inserts, expired, evicted, stale, guarded;
	uint64_t guard_cycles; /* time with inserts refused by the flood guard */
	uint64_t used;         /* entries in use now */
};

/* One question from the control side to the table's worker (lb-ctl flow):
 * the control side writes key and then asked; the worker (lb_flow_query)
 * answers and then sets answered = asked. The only thing of the table the
 * control side touches: it never reads the entries a worker writes. */
struct lb_flow_mailbox {
	uint64_t asked;
	uint64_t key;
	uint64_t answered;
	bool found;
	uint32_t backend; /* as in the entry */
	uint32_t age;     /* ticks */
	uint8_t state;
} __rte_cache_aligned;

struct lb_flow_table {
	struct lb_flow_bucket *buckets;
	uint32_t mask;                 /* buckets - 1 */
	uint32_t shift;                /* 64 - log2(buckets) */
	uint64_t mult;                 /* random: the bucket hash's secret */
	uint64_t tsc_per_tick;
	uint32_t timeout[LB_FLOW_STATES]; /* ticks */
	/* flood guard: inserts per second, as a token bucket */
	struct rte_meter_srtcm_profile guard_profile;
	struct rte_meter_srtcm guard;
	bool guarding;
	uint64_t guard_since;
	struct lb_flow_stats stats;
	struct lb_flow_mailbox mailbox;
} __rte_cache_aligned;

static __rte_always_inline uint64_t
lb_flow_key(uint32_t src_addr, uint16_t src_port, uint16_t vip)
{
	return (uint64_t)src_addr << 32 | (uint32_t)src_port << 16 | vip;
}

/* The key xor the table's secret, through murmur3's 64-bit finalizer:
 * every bit of the key reaches the top bits that pick the bucket (a
 * client address's last octet sits in the key's top byte, and a bare
 * multiply-shift spread keys that differ in a few bits badly). */
static __rte_always_inline struct lb_flow_bucket *
lb_flow_bucket_of(const struct lb_flow_table *ft, uint64_t key)
{
	uint64_t h = key ^ ft->mult;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return &ft->buckets[h >> ft->shift];
}

static __rte_always_inline uint32_t
lb_flow_age(uint32_t now, uint32_t seen)
{
	return (now - (seen >> 2)) & ((1u << LB_FLOW_TIME_BITS) - 1);
}

static __rte_always_inline bool
lb_flow_expired(const struct lb_flow_table *ft, const struct lb_flow_entry *e, uint32_t now)
{
	return lb_flow_age(now, e->seen) > ft->timeout[e->seen & 3];
}

static __rte_always_inline uint32_t
lb_flow_seen(uint32_t now, enum lb_flow_state s)
{
	return (now & ((1u << LB_FLOW_TIME_BITS) - 1)) << 2 | s;
}

#define LB_FLOW_ID_BITS 20
#define LB_FLOW_ID_MASK ((1u << LB_FLOW_ID_BITS) - 1)

/* How an entry names backend b: its slot and (the low bits of) its id. */
static __rte_always_inline uint32_t
lb_flow_backend_ref(const struct lb_backend *b)
{
	return (uint32_t)b->slot << LB_FLOW_ID_BITS | (b->id & LB_FLOW_ID_MASK);
}

static __rte_always_inline uint16_t
lb_flow_ref_slot(uint32_t ref)
{
	return (uint16_t)(ref >> LB_FLOW_ID_BITS);
}

/* The backend of vip that ref (lb_flow_backend_ref) names, while it still
 * holds the slot with the same id in the published tables t; else NULL
 * (removed, or down). */
static __rte_always_inline const struct lb_backend *
lb_flow_ref_backend(const struct lb_tables *t, const struct lb_vip *vip, uint32_t ref)
{
	const struct lb_slot *s = &t->slots[lb_flow_ref_slot(ref)];
	if ((s->id & LB_FLOW_ID_MASK) != (ref & LB_FLOW_ID_MASK) || s->vip != vip->index)
		return NULL;
	return &vip->backends[s->backend];
}

/* The backend of vip that entry e names (lb_flow_ref_backend). */
static __rte_always_inline const struct lb_backend *
lb_flow_entry_backend(const struct lb_tables *t, const struct lb_vip *vip, const struct lb_flow_entry *e)
{
	return lb_flow_ref_backend(t, vip, e->backend);
}

/* The live entry of key in its bucket, or NULL. */
static __rte_always_inline struct lb_flow_entry *
lb_flow_find(const struct lb_flow_table *ft, struct lb_flow_bucket *b, uint64_t key, uint32_t now)
{
	for (unsigned w = 0; w < LB_FLOW_WAYS; w++)
		if (b->e[w].key == key)
			return lb_flow_expired(ft, &b->e[w], now) ? NULL : &b->e[w];
	return NULL;
}

/* Where key goes in its bucket: its own (expired) entry, an empty one, an
 * expired one, or the oldest (counted as an eviction). */
static __rte_always_inline struct lb_flow_entry *
lb_flow_victim(struct lb_flow_table *ft, struct lb_flow_bucket *b, uint64_t key, uint32_t now)
{
	struct lb_flow_entry *oldest = &b->e[0];
	for (unsigned w = 0; w < LB_FLOW_WAYS; w++) {
		struct lb_flow_entry *e = &b->e[w];
		if (e->key == key || e->key == 0) {
			ft->stats.used += e->key == 0;
			return e;
		}
		if (lb_flow_expired(ft, e, now)) {
			ft->stats.expired++;
			return e;
		}
		if (lb_flow_age(now, e->seen) > lb_flow_age(now, oldest->seen))
			oldest = e;
	}
	ft->stats.evicted++;
	return oldest;
}

/* A new entry may go in: within the flood guard's rate. */
static __rte_always_inline bool
lb_flow_may_insert(struct lb_flow_table *ft, uint64_t tsc)
{
	if (likely(rte_meter_srtcm_color_blind_check(&ft->guard, &ft->guard_profile, tsc, 1) == RTE_COLOR_GREEN))
		return true;
	ft->stats.guarded++;
	if (!ft->guarding) {
		ft->guarding = true;
		ft->guard_since = tsc;
	}
	return false;
}

/* End of a burst: a guard with nothing refused in it ends. */
static __rte_always_inline void
lb_flow_burst_end(struct lb_flow_table *ft, uint64_t tsc, uint64_t guarded_before)
{
	if (ft->guarding && ft->stats.guarded == guarded_before) {
		ft->stats.guard_cycles += tsc - ft->guard_since;
		ft->guarding = false;
	}
}
