#include <pthread.h>
#include <unistd.h>

#include "control/lb_flow_lookup.h"
#include "nodes/lb_dataplane.h"

static pthread_mutex_t asking = PTHREAD_MUTEX_INITIALIZER; /* one question at a time, never waited for */

int
lb_flow_lookup(unsigned w, uint64_t key, struct lb_flow_mailbox *out, unsigned timeout_ms)
{
	if (w >= LB_MAX_WORKERS || !lb_dp.flows[w])
		return -1;
	if (pthread_mutex_trylock(&asking) != 0)
		return -3;
	struct lb_flow_mailbox *mb = &lb_dp.flows[w]->mailbox;
	/* a number never asked before, so an old answer is never taken for this one */
	const uint64_t q = RTE_MAX(__atomic_load_n(&mb->asked, __ATOMIC_RELAXED),
				   __atomic_load_n(&mb->answered, __ATOMIC_ACQUIRE)) + 1;
	int rc = -2;
	mb->key = key;
	__atomic_store_n(&mb->asked, q, __ATOMIC_RELEASE);
	for (unsigned waited = 0; waited <= timeout_ms * 10; waited++) {
		if (__atomic_load_n(&mb->answered, __ATOMIC_ACQUIRE) == q) {
			*out = *mb;
			rc = out->found ? 1 : 0;
			break;
		}
		usleep(100);
	}
	pthread_mutex_unlock(&asking);
	return rc;
}
