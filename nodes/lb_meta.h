/* Per-packet state handed from node to node. */
#pragma once

#include <assert.h>
#include <stdint.h>

#include <rte_mbuf.h>

struct lb_vip;
struct lb_backend;

/* Per-packet metadata handed from node to node in the mbuf private area. */
struct lb_mbuf_meta {
	const struct lb_vip *vip;
	const struct lb_backend *backend;
	uint16_t l3_off; /* from the start of the frame */
	uint16_t l4_off;
	bool from_backend; /* lb_icmp_fwd: an ICMP error from a backend, about its client's flow */
	bool frag_first;   /* the first fragment of a datagram: lb_rewrite/lb_reverse record it */
	bool frag_retried; /* a later fragment lb_frag already tried once (its first was pending) */
};
#define LB_MBUF_PRIV_SIZE RTE_CACHE_LINE_SIZE /* librte_node wants >= 64 */
static_assert(sizeof(struct lb_mbuf_meta) <= LB_MBUF_PRIV_SIZE, "meta must fit the mbuf private area");

static inline struct lb_mbuf_meta *
lb_meta(struct rte_mbuf *m)
{
	return (struct lb_mbuf_meta *)rte_mbuf_to_priv(m);
}
