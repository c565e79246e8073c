/* lb_frag: the later fragments of a datagram (lb_classify checked them:
 * TCP/UDP, not tiny, within 65535 bytes, from no martian or local source,
 * TTL > 1) go where the datagram's first fragment went, as this worker's
 * fragment table says (nodes/lb_frag_table.h):
 *   - VIP traffic: to the first's backend, the destination address
 *     rewritten (the ports and the TCP/UDP checksum are in the first);
 *   - a backend's reply: to the client, the source address the VIP's,
 *     routed as lb_reverse routes.
 * A fragment overlapping one passed, a duplicate among them, is
 * frag_overlap. One whose first has not come yet is held (the worker's
 * hold queue, frag_hold of them, frag_timeout_ms each; lb_frag_held hands
 * it back) or, with no room, frag_orphan. One whose first came in the same
 * walk (its entry PENDING: lb_frag may run before lb_rewrite) is tried
 * again on the next walk, apart from the hold queue, so that a queue full
 * of orphans costs no datagram whose fragments come in order. */
#include <rte_cycles.h>
#include <rte_ip.h>

#include "nodes/lb_flow_table.h"
#include "nodes/lb_frag_table.h"
#include "nodes/lb_nat.h"
#include "nodes/lb_node_util.h"
#include "nodes/lb_route.h"

#define HELD RTE_EDGE_ID_INVALID /* kept in the hold queue, sent nowhere yet */

static rte_edge_t
follow(struct rte_mbuf *m, const struct lb_tables *t, struct lb_frag_table *ft, uint64_t now)
{
	const struct lb_mbuf_meta *meta = lb_meta(m);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + meta->l3_off);
	struct lb_frag_entry *e = ft ? lb_frag_find(ft, lb_frag_key_of(ip), now) : NULL;
	if (!e) { /* its first has not come: hold it, if there is room */
		if (!ft || ft->nb_held >= ft->hold_max)
			return LB_NEXT_DROP(LB_DROP_FRAG_ORPHAN);
		ft->held[ft->nb_held++] = (struct lb_frag_held){.m = m, .expire = now + ft->timeout};
		ft->stats.held++;
		return HELD;
	}
	if (e->state == LB_FRAG_PENDING) { /* its first is in this walk: again on the next */
		if (lb_meta(m)->frag_retried || ft->nb_retry == LB_FRAG_RETRY)
			return LB_NEXT_DROP(LB_DROP_FRAG_ORPHAN); /* tried again: its first was not sent */
		lb_meta(m)->frag_retried = true;
		ft->retry[ft->nb_retry++] = m;
		return HELD;
	}
	if (e->vip >= t->nb_vips)
		return LB_NEXT_DROP(LB_DROP_NO_VIP); /* its VIP went away */
	const struct lb_vip *vip = t->vips[e->vip];
	const uint16_t off = (uint16_t)((rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) *
					RTE_IPV4_HDR_OFFSET_UNITS);
	const uint16_t len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - (meta->l4_off - meta->l3_off));
	const uint16_t size = rte_be_to_cpu_16(ip->total_length);

	if (!e->reverse) {
		const struct lb_backend *be = lb_flow_ref_backend(t, vip, e->ref);
		if (!be)
			return LB_NEXT_DROP(LB_DROP_NO_BACKEND); /* removed, or down, meanwhile */
		if (unlikely(!be->resolved))
			return LB_NEXT_DROP(LB_DROP_NO_NEIGHBOR);
		if (size > vip->out_mtu)
			return LB_NEXT_DROP(LB_DROP_TOO_BIG);
		if (m->nb_segs > 1 && !vip->out_multi_seg)
			return LB_NEXT_DROP(LB_DROP_TX_CHAINED);
		if (!lb_frag_range_add(e, off, (uint16_t)(off + len)))
			return LB_NEXT_DROP(LB_DROP_FRAG_OVERLAP);
		lb_nat_ip_addr(ip, true, be->addr);
		rte_ether_addr_copy(&vip->src_mac, &eth->src_addr);
		rte_ether_addr_copy(&be->mac, &eth->dst_addr);
		e->expire = now + ft->timeout;
		ft->stats.followed++;
		return vip->tx_edge;
	}
	if (vip->addr != e->ref) /* the tables changed: another VIP at that index */
		return LB_NEXT_DROP(LB_DROP_NO_VIP);
	if (m->port != vip->out_port_id) /* a backend's reply comes in by its VIP's out port */
		return LB_NEXT_DROP(LB_DROP_SPOOFED_BACKEND);
	rte_be32_t next_hop;
	rte_edge_t why;
	const struct lb_port_dp *out = lb_route(t, ip->dst_addr, &next_hop, &why);
	if (!out)
		return why;
	if (size > out->mtu)
		return LB_NEXT_DROP(LB_DROP_TOO_BIG);
	if (m->nb_segs > 1 && !out->multi_seg)
		return LB_NEXT_DROP(LB_DROP_TX_CHAINED);
	const struct lb_neigh *nh = lb_route_neighbour(next_hop);
	if (!nh)
		return LB_NEXT_DROP(LB_DROP_NO_NEIGHBOR);
	if (!lb_frag_range_add(e, off, (uint16_t)(off + len)))
		return LB_NEXT_DROP(LB_DROP_FRAG_OVERLAP);
	lb_nat_ip_addr(ip, false, vip->addr);
	rte_ether_addr_copy(&out->mac, &eth->src_addr);
	rte_ether_addr_copy(&nh->mac, &eth->dst_addr);
	e->expire = now + ft->timeout;
	ft->stats.followed++;
	return out->tx_edge;
}

void
lb_frag_first_sent(unsigned worker, const struct rte_ipv4_hdr *ip, bool reverse, uint16_t vip, uint32_t ref)
{
	struct lb_frag_table *ft = lb_dp.frags[worker];
	if (!ft)
		return; /* no table: its later fragments are orphans */
	struct lb_frag_entry *e = lb_frag_find(ft, lb_frag_key_of(ip), rte_get_tsc_cycles());
	if (!e)
		return; /* evicted meanwhile: the same */
	e->reverse = reverse;
	e->vip = vip;
	e->ref = ref;
	e->state = LB_FRAG_READY;
}

static uint16_t
lb_frag_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const struct lb_tables *t = lb_tables_get();
	struct lb_frag_table *ft = lb_dp.frags[graph->id];
	struct lb_worker_counters *c = &lb_counters[graph->id];
	const uint64_t now = rte_get_tsc_cycles();

	for (uint16_t i = 0; i < nb_objs; i++) {
		const rte_edge_t e = follow(objs[i], t, ft, now);
		if (e == HELD) {
			c->frag_held++;
			continue;
		}
		c->forwarded += e >= LB_DROP_COUNT;
		rte_node_enqueue_x1(graph, node, e, objs[i]);
	}
	return nb_objs;
}

static struct rte_node_register lb_frag_node = {
	.name = "lb_frag",
	.process = lb_frag_process,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_frag_node);
