/* The slow path: a plain thread (not a polling lcore) that takes the frames
 * the workers punt (ARP), the next hops the return path could not resolve,
 * and every 100 ms refreshes the neighbour table (control/lb_arp.c). It
 * sleeps 1 ms when there is nothing to do. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ring.h>

#include "app/lb_app.h"
#include "control/lb_arp.h"
#include "control/lb_kernel_if.h"

#define TICK_MS 100

static pthread_t thread;
static bool stop, running;

static void *
slowpath_main(void *arg)
{
	uint64_t last_tick = 0;
	void *objs[32];

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		const uint64_t now = lb_arp_now_ms();
		unsigned n = rte_ring_sc_dequeue_burst(lb_dp.punt, objs, RTE_DIM(objs), NULL);
		for (unsigned i = 0; i < n; i++)
			lb_arp_input(objs[i], now);
		unsigned k = rte_ring_sc_dequeue_burst(lb_dp.resolve, objs, RTE_DIM(objs), NULL);
		for (unsigned i = 0; i < k; i++)
			lb_arp_want((rte_be32_t)(uintptr_t)objs[i], now);
		if (now - last_tick >= TICK_MS) {
			lb_arp_tick(now);
			lb_kernel_if_sync();
			last_tick = now;
		}
		if (n == 0 && k == 0)
			usleep(1000);
	}
	return NULL;
}

int
lb_slowpath_start(struct lb_app *app)
{
	if (lb_arp_init(&app->cfg, app->ports, app->pool, app->qs) < 0) {
		fprintf(stderr, "neighbour table: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	if (pthread_create(&thread, NULL, slowpath_main, NULL) != 0) {
		fprintf(stderr, "cannot start the slow path thread\n");
		return -1;
	}
	running = true;
	return 0;
}

/* After the workers stopped: nothing enqueues any more. */
void
lb_slowpath_stop(void)
{
	if (running) {
		__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
		pthread_join(thread, NULL);
		running = false;
	}
	lb_arp_fini();
}
