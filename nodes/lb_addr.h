/* Address helpers shared by the nodes and the table builder: subnets and MACs. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/* The host-order netmask of a prefix length (0 to 32). */
static inline uint32_t
lb_prefix_mask(unsigned prefix_len)
{
	return prefix_len ? ~0u << (32 - prefix_len) : 0;
}

/* addr and net (network order) agree on the bits of mask (host order). */
static inline bool
lb_in_subnet(rte_be32_t addr, rte_be32_t net, uint32_t mask)
{
	return ((rte_be_to_cpu_32(addr) ^ rte_be_to_cpu_32(net)) & mask) == 0;
}

/* True when addr is the network or the broadcast address of a subnet of
 * mask (host order) that has them (prefix length 30 or less). */
static inline bool
lb_subnet_edge(rte_be32_t addr, uint32_t mask)
{
	const uint32_t host = rte_be_to_cpu_32(addr) & ~mask;
	return (~mask >= 3) && (host == 0 || host == ~mask);
}

/* The first 6 bytes at p (a MAC) as one integer, for one compare. */
static __rte_always_inline uint64_t
lb_mac48(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v)); /* callers have 8 bytes at p: the Ethernet header is 14 */
	return rte_le_to_cpu_64(v) & 0xffffffffffffull;
}
#define LB_MAC48_NONE UINT64_MAX /* matches no frame: a port that is not defined */
