#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "control/lb_lookup_fill.h"
#include "nodes/lb_flow_hash.h"

int
lb_is_prime(uint32_t n)
{
	if (n < 2)
		return 0;
	for (uint32_t d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

bool
lb_vip_all_down(const struct lb_cfg_vip *v)
{
	bool weighted = false;
	for (uint32_t i = 0; i < v->nb_backends; i++) {
		if (v->backends[i].weight && !v->backends[i].down)
			return false;
		weighted |= v->backends[i].weight != 0;
	}
	return weighted;
}

/* The weight backend b has in the table: none while it is down, unless
 * every backend with a weight is down and the VIP fails open. */
static uint32_t
weight_of(const struct lb_cfg_vip *v, const struct lb_cfg_backend *b, bool open)
{
	return b->down && !open ? 0 : b->weight;
}

static bool
fails_open(const struct lb_cfg_vip *v)
{
	return v->all_down == LB_ALL_DOWN_OPEN && lb_vip_all_down(v);
}

uint32_t
lb_lookup_size(const struct lb_cfg_vip *v)
{
	const bool open = fails_open(v);
	uint32_t total = 0;

	for (uint32_t i = 0; i < v->nb_backends; i++)
		total += weight_of(v, &v->backends[i], open);
	return total ? v->table_size : 0;
}

/* Slot s holds the (s mod W)-th of the backends each repeated `weight`
 * times (W = the sum of weights): a modulo over a fine-grained slot, so a
 * removal shifts nearly every slot, as plain modulo does. */
static int
fill_modulo(uint16_t *entry, const struct lb_cfg_vip *v)
{
	const bool open = fails_open(v);
	uint32_t b = 0, w = 0;

	for (uint32_t s = 0; s < v->table_size; s++) {
		while (w >= weight_of(v, &v->backends[b], open)) { /* next backend with weight left */
			b = b + 1 == v->nb_backends ? 0 : b + 1;
			w = 0;
		}
		entry[s] = b;
		w++;
	}
	return 0;
}

/* Two independent hashes of a backend's identity (address and port, not its
 * position in the list, so a backend keeps its slots when others move). */
static uint32_t
identity_hash(const struct lb_cfg_backend *b, uint32_t seed)
{
	uint32_t h = rte_hash_crc_4byte(b->addr, seed);
	h = rte_hash_crc_4byte(b->port, h);
	return lb_fmix32(h);
}

/* Maglev population: every backend walks its own permutation of the slots
 * (offset, offset + skip, ...; M prime so every skip visits all of them)
 * and backends take turns claiming their next free slot. Weights: each turn
 * a backend earns `weight` credits and claims one slot per `max weight`
 * credits, so slot counts follow the weights. */
static int
fill_maglev(uint16_t *entry, const struct lb_cfg_vip *v, uint32_t seed)
{
	const uint32_t M = v->table_size, n = v->nb_backends;
	uint32_t *offset = calloc(n, sizeof(uint32_t)), *skip = calloc(n, sizeof(uint32_t));
	uint32_t *next = calloc(n, sizeof(uint32_t)), *credit = calloc(n, sizeof(uint32_t));
	uint32_t max_weight = 0, filled = 0;
	const bool open = fails_open(v);
	int rc = -1;

	if (!offset || !skip || !next || !credit)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		offset[i] = identity_hash(&v->backends[i], seed ^ 0x6d61676cu) % M;
		skip[i] = identity_hash(&v->backends[i], seed ^ 0x736b6970u) % (M - 1) + 1;
		if (weight_of(v, &v->backends[i], open) > max_weight)
			max_weight = weight_of(v, &v->backends[i], open);
	}
	for (uint32_t s = 0; s < M; s++)
		entry[s] = UINT16_MAX;
	while (filled < M) {
		for (uint32_t i = 0; i < n && filled < M; i++) {
			credit[i] += weight_of(v, &v->backends[i], open);
			while (credit[i] >= max_weight && filled < M) {
				uint32_t slot;
				credit[i] -= max_weight;
				do {
					slot = (uint32_t)((offset[i] + (uint64_t)next[i] * skip[i]) % M);
					next[i]++;
				} while (entry[slot] != UINT16_MAX);
				entry[slot] = (uint16_t)i;
				filled++;
			}
		}
	}
	rc = 0;
out:
	free(offset);
	free(skip);
	free(next);
	free(credit);
	return rc;
}

int
lb_lookup_fill(uint16_t *entry, const struct lb_cfg_vip *v, uint32_t seed)
{
	if (lb_lookup_size(v) == 0)
		return 0;
	return v->hash == LB_HASH_MAGLEV ? fill_maglev(entry, v, seed) : fill_modulo(entry, v);
}

uint16_t *
lb_lookup_new(const struct lb_cfg_vip *v, uint32_t seed, uint32_t *size)
{
	uint16_t *entry;

	*size = lb_lookup_size(v);
	if (*size == 0 || !(entry = malloc(*size * sizeof(*entry))))
		return NULL;
	if (lb_lookup_fill(entry, v, seed) < 0) {
		free(entry);
		return NULL;
	}
	return entry;
}
