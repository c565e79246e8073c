/* The 5-tuple hash that picks a backend. Addresses and ports are taken as
 * they sit in the packet (network order), so every instance with the same
 * seed picks the same backend for a flow. Inline so that tests and tools
 * compute exactly what lb_hash computes.
 *
 * Two functions, [lb] flow_hash (README "The flow hash and its seed"):
 * - keyed (default): three AES rounds over the tuple, whitened and keyed by
 *   four 128-bit round keys derived from the 128-bit seed. Whether two
 *   tuples collide depends on the key, so no one without the seed can craft
 *   flows that land together (the idea of Go's runtime AES hash, against
 *   hash flooding). AES-NI where the CPU has it, the same rounds in software
 *   elsewhere: every instance computes the same values.
 * - crc32c: two CRC32C instructions and murmur3's finaliser, seeded with the
 *   seed's low 32 bits. CRC is linear over GF(2) and the finaliser a
 *   bijection, so whether two tuples collide does not depend on the seed;
 *   kept for rolling upgrades from releases that had only it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "nodes/lb_aes.h"
#include "nodes/lb_crc32c.h"

enum lb_flow_hash_kind { LB_FLOW_HASH_KEYED, LB_FLOW_HASH_CRC32C };

struct lb_flow_key {
	uint8_t rk[4][16];     /* keyed: whitening key, then one per AES round */
	uint32_t crc_seed;     /* crc32c: the seed's low 32 bits */
	uint8_t kind;          /* enum lb_flow_hash_kind */
} __rte_aligned(16);

/* splitmix64: expands the seed into round keys (control side, once). */
static inline uint64_t
lb_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The key of a 128-bit seed (seed[0] the low 64 bits). */
static inline void
lb_flow_key_init(struct lb_flow_key *k, enum lb_flow_hash_kind kind, const uint64_t seed[2])
{
	uint64_t x = seed[0] ^ lb_splitmix64(&(uint64_t){seed[1] ^ 0x6c622d6772617068ull});

	memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->crc_seed = (uint32_t)seed[0];
	for (unsigned i = 0; i < 4; i++) {
		const uint64_t w[2] = {lb_splitmix64(&x), lb_splitmix64(&x)};
		memcpy(k->rk[i], w, 16);
	}
}

/* murmur3's finaliser: CRC32C alone leaves its low bits linear in the input,
 * which a modulo over the backend count would show. */
static inline uint32_t
lb_fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

static __rte_always_inline uint32_t
lb_flow_hash_crc32c(uint32_t seed, rte_be32_t src, rte_be32_t dst, rte_be16_t sport, rte_be16_t dport,
		    uint8_t proto)
{
	uint32_t h = lb_crc32c_u64((uint64_t)src | (uint64_t)dst << 32, seed);
	h = lb_crc32c_u64((uint64_t)sport | (uint64_t)dport << 16 | (uint64_t)proto << 32, h);
	return lb_fmix32(h);
}

static __rte_always_inline uint32_t
lb_flow_hash_keyed(const struct lb_flow_key *k, rte_be32_t src, rte_be32_t dst, rte_be16_t sport,
		   rte_be16_t dport, uint8_t proto)
{
	const uint32_t block[4] = {src, dst, (uint32_t)sport | (uint32_t)dport << 16, proto};
	return lb_aes3_low32(block, k->rk);
}

static __rte_always_inline uint32_t
lb_flow_hash(const struct lb_flow_key *k, rte_be32_t src, rte_be32_t dst, rte_be16_t sport,
	     rte_be16_t dport, uint8_t proto)
{
	if (k->kind == LB_FLOW_HASH_CRC32C)
		return lb_flow_hash_crc32c(k->crc_seed, src, dst, sport, dport, proto);
	return lb_flow_hash_keyed(k, src, dst, sport, dport, proto);
}
