/* CRC32C of one 64-bit word, for the crc32c flow hash (lb_flow_hash.h). */
#pragma once

#include <stdint.h>

#include <rte_hash_crc.h>
#if defined(RTE_ARCH_X86)
#include <nmmintrin.h>
#endif

/* One instruction on x86 (SSE4.2 is DPDK's baseline), without
 * rte_hash_crc's run-time algorithm check; the same value as
 * rte_hash_crc_8byte elsewhere. */
static inline uint32_t
lb_crc32c_u64(uint64_t data, uint32_t init)
{
#if defined(RTE_ARCH_X86)
	return (uint32_t)_mm_crc32_u64(init, data);
#else
	return rte_hash_crc_8byte(data, init);
#endif
}
