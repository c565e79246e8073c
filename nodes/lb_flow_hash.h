/* The 5-tuple hash that picks a backend. Addresses and ports are taken as
 * they sit in the packet (network order), so every instance with the same
 * seed picks the same backend for a flow. Inline so that tests and tools
 * compute exactly what lb_hash computes. */
#pragma once

#include <stdint.h>

#include <rte_byteorder.h>

#include "nodes/lb_crc32c.h"

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

static inline uint32_t
lb_flow_hash(rte_be32_t src, rte_be32_t dst, rte_be16_t sport, rte_be16_t dport, uint8_t proto,
	     uint32_t seed)
{
	uint32_t h = lb_crc32c_u64((uint64_t)src | (uint64_t)dst << 32, seed);
	h = lb_crc32c_u64((uint64_t)sport | (uint64_t)dport << 16 | (uint64_t)proto << 32, h);
	return lb_fmix32(h);
}
