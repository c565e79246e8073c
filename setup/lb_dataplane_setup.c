#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "control/lb_arp.h"
#include "control/lb_config.h"
#include "nodes/lb_dataplane.h"
#include "nodes/lb_frag_table.h"
#include "setup/lb_dataplane_setup.h"

int
lb_dataplane_create(char *err, size_t err_size)
{
	struct rte_hash_parameters hp = {
		.name = "lb_neigh",
		.entries = LB_NEIGH_MAX,
		.key_len = sizeof(rte_be32_t),
		.hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
		/* lock-free readers (the workers), one writer (control/lb_arp.c),
		 * which frees a deleted key's slot after the grace period */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	lb_dp.punt = rte_ring_create("lb_punt", 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
	lb_dp.ctl_tx = rte_ring_create("lb_ctl_tx", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	lb_dp.resolve = rte_ring_create("lb_resolve", 256, SOCKET_ID_ANY, RING_F_SC_DEQ);
	lb_dp.neigh = rte_hash_create(&hp);
	if (!lb_dp.punt || !lb_dp.ctl_tx || !lb_dp.resolve || !lb_dp.neigh) {
		snprintf(err, err_size, "data path rings and neighbour table: %s", rte_strerror(rte_errno));
		lb_dataplane_destroy();
		return -1;
	}
	return 0;
}

size_t
lb_flow_table_bytes(const struct lb_config *cfg)
{
	return (size_t)cfg->flow_entries * sizeof(struct lb_flow_entry) + sizeof(struct lb_flow_table);
}

int
lb_flow_tables_create(const struct lb_config *cfg, unsigned nb_workers, char *err, size_t err_size)
{
	bool wanted = false;
	for (unsigned i = 0; i < cfg->nb_vips; i++)
		wanted |= cfg->vips[i].affinity;
	if (!wanted)
		return 0;
	const uint32_t nb_buckets = cfg->flow_entries / LB_FLOW_WAYS;
	const uint64_t tick = RTE_MAX(rte_get_tsc_hz() / LB_FLOW_TICKS_PER_S, 1ul);
	for (unsigned w = 0; w < nb_workers; w++) {
		struct lb_flow_table *ft = rte_zmalloc("lb_flows", sizeof(*ft), RTE_CACHE_LINE_SIZE);
		struct lb_flow_bucket *b = rte_zmalloc("lb_flow_buckets", (size_t)nb_buckets * sizeof(*b), RTE_CACHE_LINE_SIZE);
		struct rte_meter_srtcm_params gp = {.cir = cfg->flow_guard_rate, .cbs = cfg->flow_guard_rate, .ebs = 0};
		if (!ft || !b || rte_meter_srtcm_profile_config(&ft->guard_profile, &gp) < 0 ||
		    rte_meter_srtcm_config(&ft->guard, &ft->guard_profile) < 0) {
			rte_free(ft);
			rte_free(b);
			lb_flow_tables_destroy();
			snprintf(err, err_size, "flow table of worker %u: %zu bytes not available (flow_entries = %u)", w,
				 lb_flow_table_bytes(cfg), cfg->flow_entries);
			return -1;
		}
		ft->buckets = b;
		ft->mask = nb_buckets - 1;
		ft->shift = 64 - (uint32_t)__builtin_ctz(nb_buckets);
		ft->mult = rte_rand();
		ft->tsc_per_tick = tick;
		for (unsigned s = 0; s < LB_FLOW_STATES; s++)
			ft->timeout[s] = cfg->flow_timeout_s[s] * LB_FLOW_TICKS_PER_S;
		lb_dp.flows[w] = ft;
	}
	return 0;
}

void
lb_flow_tables_destroy(void)
{
	for (unsigned w = 0; w < LB_MAX_WORKERS; w++) {
		if (lb_dp.flows[w])
			rte_free(lb_dp.flows[w]->buckets);
		rte_free(lb_dp.flows[w]);
		lb_dp.flows[w] = NULL;
	}
}

/* Empties a ring of mbufs (mbufs) or of plain values, and frees it. */
static void
ring_free(struct rte_ring **r, bool mbufs)
{
	void *obj;
	if (!*r)
		return;
	while (rte_ring_dequeue(*r, &obj) == 0)
		if (mbufs)
			rte_pktmbuf_free(obj);
	rte_ring_free(*r);
	*r = NULL;
}

void
lb_dataplane_destroy(void)
{
	ring_free(&lb_dp.punt, true);
	ring_free(&lb_dp.ctl_tx, true);
	ring_free(&lb_dp.resolve, false);
	rte_hash_free(lb_dp.neigh);
	lb_dp.neigh = NULL;
}

int
lb_frag_tables_create(const struct lb_config *cfg, unsigned nb_workers, char *err, size_t err_size)
{
	const uint32_t nb_buckets = cfg->frag_entries / LB_FRAG_WAYS;
	for (unsigned w = 0; w < nb_workers; w++) {
		struct lb_frag_table *ft = rte_zmalloc("lb_frags", sizeof(*ft), RTE_CACHE_LINE_SIZE);
		struct lb_frag_bucket *b = rte_zmalloc("lb_frag_buckets", (size_t)nb_buckets * sizeof(*b), RTE_CACHE_LINE_SIZE);
		if (!ft || !b) {
			rte_free(ft);
			rte_free(b);
			lb_frag_tables_destroy();
			snprintf(err, err_size, "fragment table of worker %u: %zu bytes not available (frag_entries = %u)", w,
				 (size_t)nb_buckets * sizeof(*b), cfg->frag_entries);
			return -1;
		}
		ft->buckets = b;
		ft->mask = nb_buckets - 1;
		ft->mult = rte_rand() | 1;
		ft->timeout = rte_get_tsc_hz() / 1000 * cfg->frag_timeout_ms;
		ft->hold_max = cfg->frag_hold;
		lb_dp.frags[w] = ft;
	}
	return 0;
}

void
lb_frag_tables_destroy(void)
{
	for (unsigned w = 0; w < LB_MAX_WORKERS; w++) {
		if (lb_dp.frags[w]) {
			lb_frag_flush(w);
			rte_free(lb_dp.frags[w]->buckets);
		}
		rte_free(lb_dp.frags[w]);
		lb_dp.frags[w] = NULL;
	}
}
