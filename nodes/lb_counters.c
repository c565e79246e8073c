/* Per-worker counters (written by one worker each) and their sum. */
#include <string.h>

#include "nodes/lb_dataplane.h"

struct lb_worker_counters lb_counters[LB_MAX_WORKERS];

void
lb_counters_sum(struct lb_worker_counters *total)
{
	const size_t words = sizeof(*total) / sizeof(uint64_t);

	memset(total, 0, sizeof(*total));
	for (unsigned w = 0; w < LB_MAX_WORKERS; w++) {
		const volatile uint64_t *src = (const volatile uint64_t *)&lb_counters[w];
		uint64_t *dst = (uint64_t *)total;
		for (size_t i = 0; i < words; i++)
			dst[i] += src[i];
	}
}
