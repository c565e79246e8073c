/* Incremental Internet checksum update, RFC 1624 equation 3:
 *   HC' = ~(~HC + ~m + m')
 * over 16-bit words in one's complement arithmetic. Words are used as they
 * sit in memory: the one's complement sum does not depend on byte order. */
#pragma once

#include <stdint.h>

static inline uint16_t
lb_cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Add the change of one 16-bit word (old -> new) to a running sum. */
static inline uint32_t
lb_cksum_delta16(uint32_t sum, uint16_t old_word, uint16_t new_word)
{
	return sum + (uint16_t)~old_word + new_word;
}

/* The same for a 32-bit field (an IPv4 address), as two words. */
static inline uint32_t
lb_cksum_delta32(uint32_t sum, uint32_t old_val, uint32_t new_val)
{
	sum = lb_cksum_delta16(sum, (uint16_t)old_val, (uint16_t)new_val);
	return lb_cksum_delta16(sum, (uint16_t)(old_val >> 16), (uint16_t)(new_val >> 16));
}

/* Start from checksum hc, apply the deltas, and give the new checksum. */
static inline uint32_t
lb_cksum_begin(uint16_t hc)
{
	return (uint16_t)~hc;
}

static inline uint16_t
lb_cksum_end(uint32_t sum)
{
	return (uint16_t)~lb_cksum_fold(sum);
}
