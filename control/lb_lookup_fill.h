/* Backend lookup tables: what lb_hash reads as entry[hash * size >> 32]
 * (lb_lookup_slot, nodes/lb_dataplane.h).
 *  - maglev: Maglev consistent hashing (Eisenbud et al., NSDI 2016), with
 *    integer weights. Removing one of N backends moves about 1/N of flows.
 *  - modulo: slot s holds backend number s mod W of the backends repeated
 *    `weight` times (W = the sum of weights); removing one moves most flows.
 * Both are deterministic functions of the backends and the hash seed, so two
 * instances with the same configuration build identical tables. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "control/lb_config.h"

/* Backends that are down (health or forced: lb_cfg_backend.down) get no
 * entry, drained ones (weight 0) neither; when every backend with a weight
 * is down, a VIP with all_down = open uses them all by weight, one with
 * all_down = drop has no table. */
bool lb_vip_all_down(const struct lb_cfg_vip *v);

/* Entries the table of v needs: table_size; 0 when no backend has a weight
 * and is up (nothing to pick from). */
uint32_t lb_lookup_size(const struct lb_cfg_vip *v);

/* Fill entry[0..lb_lookup_size(v)-1] with backend indexes. 0 or -1 (ENOMEM). */
int lb_lookup_fill(uint16_t *entry, const struct lb_cfg_vip *v, uint32_t seed);

/* The same table in malloc'ed memory, for tools and tests that check what
 * lb-graph picks; NULL when its size is 0 or out of memory. */
uint16_t *lb_lookup_new(const struct lb_cfg_vip *v, uint32_t seed, uint32_t *size);

/* True for primes (table sizes must be prime for Maglev's permutations). */
int lb_is_prime(uint32_t n);
