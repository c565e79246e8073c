/* A worker's token bucket for one port (librte_meter's srTCM, counting
 * packets, not bytes): lb_icmp's echo replies, lb_to_kernel's packets to
 * the kernel. Set up on first use and again whenever the port's rate or
 * burst differ from what it was set up with, so a new table needs no reset. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <rte_meter.h>

struct lb_bucket {
	uint32_t rate, burst;
	struct rte_meter_srtcm_profile profile;
	struct rte_meter_srtcm meter;
};

/* One packet at TSC now: within rate a second (burst at once)? Rate 0
 * lets nothing through. */
static inline bool
lb_bucket_allow(struct lb_bucket *b, uint32_t rate, uint32_t burst, uint64_t now)
{
	if (unlikely(b->rate != rate || b->burst != burst)) {
		struct rte_meter_srtcm_params prm = {.cir = rate, .cbs = burst, .ebs = 0};
		b->rate = rate;
		b->burst = burst;
		if (!rate || rte_meter_srtcm_profile_config(&b->profile, &prm) < 0 ||
		    rte_meter_srtcm_config(&b->meter, &b->profile) < 0)
			b->rate = 0;
	}
	return b->rate && rte_meter_srtcm_color_blind_check(&b->meter, &b->profile, now, 1) == RTE_COLOR_GREEN;
}
