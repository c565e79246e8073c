/* Each worker's fragment table: what a datagram's first fragment (the one
 * with the ports) was given, so that its later fragments follow it without
 * reassembly. Keyed by (source, destination, IP id, protocol), as RFC 791
 * names a datagram; written by lb_rewrite (VIP traffic: the backend) and
 * lb_reverse (backends' replies: the VIP), read by lb_frag. Entries live
 * frag_timeout_ms from the last fragment; a full bucket loses its oldest.
 * Each entry also keeps the byte ranges passed, so overlapping and
 * duplicate fragments are refused (frag_overlap).
 *
 * Later fragments that come before their first are held (up to frag_hold
 * a worker, frag_timeout_ms each) in the worker's hold queue; the source
 * node lb_frag_held hands them to lb_frag once their first has come. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#define LB_FRAG_WAYS 4
#define LB_FRAG_RANGES 6 /* separate pieces of one datagram passed so far */
#define LB_FRAG_MAX_HOLD 1024
#define LB_FRAG_RETRY 256 /* later fragments met in the walk their first was in */

/* An entry is made PENDING by lb_classify when a datagram's first
 * fragment passes it (so a later fragment in the same burst knows its
 * first is on its way), and READY by lb_rewrite or lb_reverse when the
 * first is sent. */
enum lb_frag_state { LB_FRAG_PENDING = 1, LB_FRAG_READY = 2 };

struct lb_frag_entry {
	uint64_t key_lo;     /* source, destination */
	uint32_t key_hi;     /* id << 16 | proto << 8 | 1 (0: a free entry) */
	uint32_t ref;        /* forward: lb_flow_backend_ref of the backend; reverse: the VIP's address */
	uint64_t expire;     /* TSC */
	uint16_t vip;        /* index into the tables' vips[] */
	bool reverse;        /* a backend's reply: to the client as the VIP */
	uint8_t state;       /* enum lb_frag_state */
	uint8_t nb_ranges;
	uint16_t lo[LB_FRAG_RANGES], hi[LB_FRAG_RANGES]; /* bytes of IP payload passed: [lo, hi) */
} __rte_aligned(64);

struct lb_frag_bucket {
	struct lb_frag_entry e[LB_FRAG_WAYS];
};

struct lb_frag_held {
	struct rte_mbuf *m;
	uint64_t expire;
};

struct lb_frag_stats {
	uint64_t recorded, followed, held, released, evicted;
};

struct lb_frag_table {
	struct lb_frag_bucket *buckets;
	uint32_t mask;           /* buckets - 1 */
	uint64_t mult;           /* random, odd: the bucket hash's key */
	uint64_t timeout;        /* frag_timeout_ms in TSC cycles */
	uint32_t hold_max;       /* frag_hold */
	uint32_t nb_held;
	struct lb_frag_held held[LB_FRAG_MAX_HOLD];
	/* later fragments whose first was pending: lb_frag_held hands them
	 * back on the next walk, once the first is sent */
	uint32_t nb_retry;
	struct rte_mbuf *retry[LB_FRAG_RETRY];
	struct lb_frag_stats stats;
};

/* A datagram's name (RFC 791): source, destination, id and protocol. */
struct lb_frag_key {
	uint64_t lo; /* source << 32 | destination */
	uint32_t hi; /* id << 16 | proto << 8 | 1 (0: a free entry) */
};

static inline struct lb_frag_key
lb_frag_key_of(const struct rte_ipv4_hdr *ip)
{
	return (struct lb_frag_key){.lo = (uint64_t)ip->src_addr << 32 | ip->dst_addr,
				    .hi = (uint32_t)ip->packet_id << 16 | (uint32_t)ip->next_proto_id << 8 | 1};
}

static inline struct lb_frag_bucket *
lb_frag_bucket_of(const struct lb_frag_table *ft, struct lb_frag_key k)
{
	uint64_t h = (k.lo ^ ((uint64_t)k.hi << 29)) * ft->mult;
	h ^= h >> 31;
	return &ft->buckets[(uint32_t)(h * 0x9e3779b97f4a7c15ull >> 32) & ft->mask];
}

static inline bool
lb_frag_entry_is(const struct lb_frag_entry *e, struct lb_frag_key k)
{
	return e->key_hi == k.hi && e->key_lo == k.lo;
}

/* The live entry of the datagram, or NULL. */
static inline struct lb_frag_entry *
lb_frag_find(const struct lb_frag_table *ft, struct lb_frag_key k, uint64_t now)
{
	struct lb_frag_bucket *b = lb_frag_bucket_of(ft, k);
	for (unsigned w = 0; w < LB_FRAG_WAYS; w++)
		if (lb_frag_entry_is(&b->e[w], k) && b->e[w].expire > now)
			return &b->e[w];
	return NULL;
}

/* Room for bytes [lo, hi) of the datagram: false when they overlap what
 * passed (a duplicate included) or would make more than LB_FRAG_RANGES
 * separate pieces; else they are added, adjacent pieces joined. */
static inline bool
lb_frag_range_add(struct lb_frag_entry *e, uint16_t lo, uint16_t hi)
{
	int below = -1, above = -1;
	for (unsigned i = 0; i < e->nb_ranges; i++) {
		if (lo < e->hi[i] && e->lo[i] < hi)
			return false;
		if (e->hi[i] == lo)
			below = (int)i;
		if (e->lo[i] == hi)
			above = (int)i;
	}
	if (below >= 0 && above >= 0) { /* fills a hole: the two become one */
		e->hi[below] = e->hi[above];
		e->nb_ranges--;
		e->lo[above] = e->lo[e->nb_ranges];
		e->hi[above] = e->hi[e->nb_ranges];
	} else if (below >= 0) {
		e->hi[below] = hi;
	} else if (above >= 0) {
		e->lo[above] = lo;
	} else {
		if (e->nb_ranges == LB_FRAG_RANGES)
			return false;
		e->lo[e->nb_ranges] = lo;
		e->hi[e->nb_ranges] = hi;
		e->nb_ranges++;
	}
	return true;
}

/* The first fragment (IP payload bytes [0, len)) of a datagram, passed by
 * lb_classify: a new PENDING entry (a free or expired way, else the
 * bucket's oldest). False for a second first fragment of a live datagram
 * (a duplicate: frag_overlap). */
static inline bool
lb_frag_record(struct lb_frag_table *ft, struct lb_frag_key k, uint16_t len, uint64_t now)
{
	struct lb_frag_bucket *b = lb_frag_bucket_of(ft, k);
	struct lb_frag_entry *e = &b->e[0];
	for (unsigned w = 0; w < LB_FRAG_WAYS; w++) {
		if (lb_frag_entry_is(&b->e[w], k)) {
			if (b->e[w].expire > now)
				return false;
			e = &b->e[w];
			break;
		}
		if (b->e[w].expire < e->expire)
			e = &b->e[w];
	}
	if (e->expire > now)
		ft->stats.evicted++;
	*e = (struct lb_frag_entry){.key_lo = k.lo, .key_hi = k.hi, .expire = now + ft->timeout,
				    .state = LB_FRAG_PENDING, .nb_ranges = 1, .hi = {len}};
	ft->stats.recorded++;
	return true;
}

/* The first fragment ip of a datagram is sent by the worker: where the
 * datagram's later fragments go (a backend's lb_flow_backend_ref, or for
 * a backend's reply the VIP's address) in its entry, made READY. Called by
 * lb_rewrite and lb_reverse, out of their loops (nodes/lb_frag.c). */
void lb_frag_first_sent(unsigned worker, const struct rte_ipv4_hdr *ip, bool reverse, uint16_t vip, uint32_t ref);

/* Drop every fragment the worker holds (frag_timeout): the unit harness
 * and the fuzzer after each run, lb-graph once its workers have stopped.
 * Not while that worker runs. */
void lb_frag_flush(unsigned worker);
