/* ICMP errors lb-graph sends as the router hop it is (RFC 1812 4.3.2):
 * time exceeded for a packet whose TTL would expire here, "fragmentation
 * needed" for a DF packet larger than the out port's mtu. */
#pragma once

#include <rte_mbuf.h>

#include "nodes/lb_drop_reasons.h"
#include "nodes/lb_tables.h"

#define LB_ICMP_TIME_EXCEEDED 11
#define LB_ICMP_DEST_UNREACHABLE 3
#define LB_ICMP_FRAG_NEEDED 4 /* code of LB_ICMP_DEST_UNREACHABLE */
#define LB_ICMP_ERR_HDRS 28   /* the IPv4 and ICMP headers put in front of the packet */

/* Turn m, a packet that arrived by m->port and was not forwarded, into the
 * ICMP error (type, code; mtu for "fragmentation needed") to its source,
 * in place: the returned edge sends it back out of the arrival port. Not
 * sent (the returned edge is a drop) when the arrival port has no address
 * to send it from (`unsent`), beyond the port's icmp_rate for this worker
 * (icmp_rate), or to a subnet's network or broadcast address
 * (martian_src). Callers check m->port and that m is TCP or UDP, no
 * fragment but a first one, from no martian or local source. */
rte_edge_t lb_icmp_error(struct rte_mbuf *m, const struct lb_tables *t, unsigned worker, uint8_t type, uint8_t code,
			 uint16_t mtu, enum lb_drop_reason unsent);

/* A packet m (IPv4 header ip) larger than its out port's mtu: without DF
 * too_big, else "fragmentation needed" (lb_icmp_error; too_big when it is
 * not sent). lb_rewrite and lb_reverse call it out of their loops. */
rte_edge_t lb_icmp_too_big(struct rte_mbuf *m, const struct lb_tables *t, const struct rte_ipv4_hdr *ip, uint16_t mtu,
			   unsigned worker);
