#include <stdio.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "control/lb_arp.h"
#include "nodes/lb_dataplane.h"
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
