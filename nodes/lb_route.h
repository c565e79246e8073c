/* The way back to a client: lb_reverse and lb_icmp_fwd (errors from
 * backends) send by it. */
#pragma once

#include <rte_hash.h>
#include <rte_ring.h>

#include "nodes/lb_dataplane.h"
#include "nodes/lb_drop_reasons.h"
#include "nodes/lb_tables.h"

/* A port subnet's network or broadcast address: nothing lb-graph answers
 * (ICMP echo, ICMP errors) may go to one. */
static inline bool
lb_port_subnet_edge(const struct lb_tables *t, rte_be32_t addr)
{
	for (uint16_t i = 0; i < t->nb_ports; i++) {
		const struct lb_port_dp *p = &t->ports[t->port_ids[i]];
		if (p->addr && lb_in_subnet(addr, p->addr, p->mask) && lb_subnet_edge(addr, p->mask))
			return true;
	}
	return false;
}

/* The port and next hop towards dst: the port whose subnet holds it, else
 * the first port with a gateway; or NULL with the drop edge in *why (a
 * subnet's network or broadcast address is martian_dst). */
static inline const struct lb_port_dp *
lb_route(const struct lb_tables *t, rte_be32_t dst, rte_be32_t *next_hop, rte_edge_t *why)
{
	const struct lb_port_dp *via_gw = NULL;

	*why = (rte_edge_t)LB_DROP_NO_ROUTE;
	for (uint16_t i = 0; i < t->nb_ports; i++) {
		const struct lb_port_dp *p = &t->ports[t->port_ids[i]];
		if (!p->addr)
			continue;
		if (lb_in_subnet(dst, p->addr, p->mask)) {
			if (unlikely(lb_subnet_edge(dst, p->mask))) {
				*why = (rte_edge_t)LB_DROP_MARTIAN_DST;
				return NULL;
			}
			*next_hop = dst;
			return p;
		}
		if (p->gateway && !via_gw)
			via_gw = p;
	}
	if (via_gw)
		*next_hop = via_gw->gateway;
	return via_gw;
}

/* The next hop's entry in the neighbour table that ARP fills; NULL when
 * there is none yet, and the control plane is asked to resolve it (the
 * ring full: the next packet asks again). */
static __rte_always_inline const struct lb_neigh *
lb_route_neighbour(rte_be32_t next_hop)
{
	void *data;
	if (unlikely(rte_hash_lookup_data(lb_dp.neigh, &next_hop, &data) < 0)) {
		rte_ring_mp_enqueue(lb_dp.resolve, (void *)(uintptr_t)next_hop);
		return NULL;
	}
	return data;
}
