/* lb_icmp: answer ICMP echo requests to a VIP or port address (lb_classify
 * sends only those here, bounds-checked, from no martian or local source):
 * the same frame turned around, out of the port it came in by. Not a
 * reflector: no reply to a subnet's broadcast address, and at most
 * icmp_rate replies a second per port and worker (a token bucket of
 * icmp_burst, librte_meter's srTCM counting packets, not bytes). */
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include "nodes/lb_bucket.h"
#include "nodes/lb_cksum.h"
#include "nodes/lb_node_util.h"
#include "nodes/lb_route.h"

#define ICMP_ECHO_REPLY 0
#define REPLY_TTL 64

static struct lb_bucket buckets[LB_MAX_WORKERS][RTE_MAX_ETHPORTS];

struct icmp_arg {
	const struct lb_tables *t;
	struct lb_bucket *buckets; /* this worker's, by port id */
	uint64_t now;
};

static __rte_always_inline rte_edge_t
icmp_one(struct rte_mbuf *m, void *arg)
{
	const struct icmp_arg *a = arg;
	const struct lb_tables *t = a->t;
	const struct lb_mbuf_meta *meta = lb_meta(m);
	const struct lb_port_dp *in = m->port < RTE_MAX_ETHPORTS ? &t->ports[m->port] : NULL;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + meta->l3_off);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(p + meta->l4_off);

	if (unlikely(!in || !in->defined))
		return LB_NEXT_DROP(LB_DROP_NO_ROUTE);
	if (lb_port_subnet_edge(t, ip->src_addr))
		return LB_NEXT_DROP(LB_DROP_MARTIAN_SRC);
	if (unlikely(m->nb_segs > 1 && !in->multi_seg))
		return LB_NEXT_DROP(LB_DROP_TX_CHAINED);
	if (!lb_bucket_allow(&a->buckets[m->port], in->icmp_rate, in->icmp_burst, a->now))
		return LB_NEXT_DROP(LB_DROP_ICMP_RATE);

	/* Swapping the addresses leaves the IP checksum as it is. */
	const rte_be32_t src = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = src;
	uint16_t *ttl_word = (uint16_t *)&ip->time_to_live;
	const uint16_t old_ttl_word = *ttl_word;
	ip->time_to_live = REPLY_TTL;
	ip->hdr_checksum = lb_cksum_end(lb_cksum_delta16(lb_cksum_begin(ip->hdr_checksum), old_ttl_word,
							 *ttl_word));

	uint16_t *type_word = (uint16_t *)&icmp->icmp_type;
	const uint16_t old_type_word = *type_word;
	icmp->icmp_type = ICMP_ECHO_REPLY;
	icmp->icmp_cksum = lb_cksum_end(lb_cksum_delta16(lb_cksum_begin(icmp->icmp_cksum), old_type_word,
							 *type_word));

	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&in->mac, &eth->src_addr);
	return in->tx_edge;
}

static __rte_always_inline uint16_t
lb_icmp_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs,
                 const bool scalar)
{
	struct icmp_arg a = {.t = lb_tables_get(), .buckets = buckets[graph->id], .now = rte_get_tsc_cycles()};

	lb_counters[graph->id].forwarded += lb_process_stream(graph, node, objs, nb_objs, icmp_one, &a, scalar);
	return nb_objs;
}

LB_NODE_LOOPS(lb_icmp_process)

static struct rte_node_register lb_icmp_node = {
	.name = "lb_icmp",
	.process = lb_icmp_process_quad,
	.init = lb_icmp_process_init,
	.nb_edges = LB_DROP_COUNT,
	.next_nodes = {LB_DROP_EDGES},
};

RTE_NODE_REGISTER(lb_icmp_node);
