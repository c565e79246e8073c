/* lb_hash: hash the 5-tuple with the configured key and pick the VIP's
 * backend through its lookup table (Maglev or modulo: the node only reads
 * entry[lb_lookup_slot(hash, size)]).
 *
 * The table entry is the one random access per packet (a 65537-entry table
 * is 128 KB, beyond L1), so the quad path works in two passes over the
 * burst: hash every packet and prefetch its entry, then select. The scalar
 * reference does both steps packet by packet; they must agree. Nothing in
 * this node waits for the entry's value (lb_rewrite counts the backend), so
 * the scalar loop's loads overlap out of order across packets. */
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nodes/lb_flow_hash.h"
#include "nodes/lb_node_util.h"

#define NEXT_REWRITE LB_NEXT_OWN(0)
#define FLOW_AHEAD 32 /* packets between a line's prefetch and its read */

/* The flow's entry in its VIP's lookup table, or NULL when the VIP has no
 * table (no backend with a weight, or all drained). */
static __rte_always_inline const uint16_t *
hash_entry(struct rte_mbuf *m, const struct lb_flow_key *key)
{
	const struct lb_mbuf_meta *meta = lb_meta(m);
	const struct lb_lookup *lu = meta->vip->lookup;

	if (unlikely(lu == NULL))
		return NULL;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + meta->l3_off);
	/* TCP and UDP both start with source and destination port. */
	const struct rte_udp_hdr *l4 = (const struct rte_udp_hdr *)(p + meta->l4_off);
	const uint32_t hash = lb_flow_hash(key, ip->src_addr, ip->dst_addr, l4->src_port, l4->dst_port,
					   ip->next_proto_id);
	return lb_lookup_entry(lu, hash);
}

/* The backend the entry names (lb_rewrite counts it). */
static __rte_always_inline rte_edge_t
hash_select(struct rte_mbuf *m, const uint16_t *entry)
{
	struct lb_mbuf_meta *meta = lb_meta(m);

	if (unlikely(entry == NULL))
		return meta->vip->all_down ? LB_NEXT_DROP(LB_DROP_NO_HEALTHY_BACKEND) : LB_NEXT_DROP(LB_DROP_NO_BACKEND);
	meta->backend = &meta->vip->backends[*entry];
	return NEXT_REWRITE;
}

struct hash_arg {
	const struct lb_tables *t;
	const struct lb_flow_key *key;
	struct lb_flow_table *ft; /* this worker's; NULL: none */
	uint64_t tsc;
	uint32_t now;             /* ticks */
};

/* The flow-table key of the packet, and what it says of its TCP state. */
static __rte_always_inline uint64_t
flow_key_of(struct rte_mbuf *m, enum lb_flow_state *st)
{
	const struct lb_mbuf_meta *meta = lb_meta(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + meta->l3_off);
	const struct rte_udp_hdr *l4 = (const struct rte_udp_hdr *)(p + meta->l4_off);

	if (ip->next_proto_id == IPPROTO_TCP) { /* lb_classify checked the whole header is there */
		const uint8_t f = ((const struct rte_tcp_hdr *)l4)->tcp_flags;
		*st = f & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG)			 ? LB_FLOW_FIN
		      : (f & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG ? LB_FLOW_SYN
											 : LB_FLOW_EST;
	} else {
		*st = LB_FLOW_UDP;
	}
	return lb_flow_key(ip->src_addr, l4->src_port, meta->vip->index);
}

/* With affinity: the flow's backend from its entry while that backend
 * still holds its slot with the same id; else Maglev's choice, which the
 * entry then keeps (inserted within the flood guard's rate). */
static __rte_always_inline rte_edge_t
flow_select(struct rte_mbuf *m, struct hash_arg *a, struct lb_flow_bucket *b, uint64_t fkey, enum lb_flow_state st)
{
	struct lb_mbuf_meta *meta = lb_meta(m);
	struct lb_flow_table *ft = a->ft;
	struct lb_flow_entry *e = lb_flow_find(ft, b, fkey, a->now);

	if (e) {
		const struct lb_backend *be = lb_flow_entry_backend(a->t, meta->vip, e);
		if (likely(be != NULL)) {
			ft->stats.hits++;
			const uint32_t seen = lb_flow_seen(a->now, st == LB_FLOW_EST && (e->seen & 3) == LB_FLOW_SYN ? LB_FLOW_EST
						     : st == LB_FLOW_EST && (e->seen & 3) == LB_FLOW_FIN ? LB_FLOW_FIN : st);
			if (seen != e->seen) /* at most once a tick: a clean line stays clean */
				e->seen = seen;
			meta->backend = be;
			return NEXT_REWRITE;
		}
		ft->stats.stale++; /* its backend went (removed, or down): reselect */
	}
	const rte_edge_t edge = hash_select(m, hash_entry(m, a->key));
	if (edge != NEXT_REWRITE)
		return edge;
	if (!e) {
		if (!lb_flow_may_insert(ft, a->tsc))
			return edge; /* a flood of new flows: Maglev alone, no live entry evicted */
		e = lb_flow_victim(ft, b, fkey, a->now);
		ft->stats.inserts++;
	}
	e->key = fkey;
	e->backend = lb_flow_backend_ref(meta->backend);
	e->seen = lb_flow_seen(a->now, st);
	return edge;
}

static __rte_always_inline rte_edge_t
hash_one(struct rte_mbuf *m, void *arg)
{
	struct hash_arg *a = arg;
	if (a->ft && lb_meta(m)->vip->affinity) {
		enum lb_flow_state st;
		const uint64_t fkey = flow_key_of(m, &st);
		return flow_select(m, a, lb_flow_bucket_of(a->ft, fkey), fkey, st);
	}
	return hash_select(m, hash_entry(m, a->key));
}

static __rte_always_inline uint16_t
lb_hash_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs,
                 const bool scalar)
{
	struct hash_arg a = {.t = lb_tables_get(), .ft = lb_dp.flows[graph->id]};
	const uint16_t *entries[RTE_GRAPH_BURST_SIZE];
	struct lb_flow_bucket *buckets[RTE_GRAPH_BURST_SIZE];
	uint64_t fkeys[RTE_GRAPH_BURST_SIZE];
	uint8_t states[RTE_GRAPH_BURST_SIZE];
	rte_edge_t edges[RTE_GRAPH_BURST_SIZE];
	uint64_t guarded = 0;

	a.key = &a.t->flow_key;
	if (a.ft) {
		a.tsc = rte_get_tsc_cycles();
		a.now = (uint32_t)(a.tsc / a.ft->tsc_per_tick);
		guarded = a.ft->stats.guarded;
	}
	/* With a flow table both loops prefetch: its lines are beyond the
	 * caches that hold the Maglev tables, and one packet waiting for its
	 * line costs more than the prefetch loop (README "Performance"). */
	if (scalar && !a.ft) {
		lb_process_stream(graph, node, objs, nb_objs, hash_one, &a, true);
	} else {
		for (uint16_t done = 0; done < nb_objs;) {
			const uint16_t n = RTE_MIN(nb_objs - done, RTE_GRAPH_BURST_SIZE);
			void **burst = objs + done;
			/* first the table line of every packet (its flow's bucket, or
			 * its Maglev entry), prefetched FLOW_AHEAD packets before it is
			 * read; then the choices */
			rte_edge_t mixed = 0;
			for (uint16_t j = 0; j < n + FLOW_AHEAD; j++) {
				if (j >= FLOW_AHEAD) {
					const uint16_t i = j - FLOW_AHEAD;
					edges[i] = buckets[i] ? flow_select(burst[i], &a, buckets[i], fkeys[i], states[i])
							      : hash_select(burst[i], entries[i]);
					mixed |= edges[i] ^ edges[0];
				}
				if (j >= n)
					continue;
				const uint16_t i = j;
				struct rte_mbuf *m = burst[i];
				if (i + LB_PREFETCH_AHEAD < n)
					lb_prefetch_mbuf(burst[i + LB_PREFETCH_AHEAD]);
				if (a.ft && lb_meta(m)->vip->affinity) {
					enum lb_flow_state st;
					fkeys[i] = flow_key_of(m, &st);
					states[i] = st;
					buckets[i] = lb_flow_bucket_of(a.ft, fkeys[i]);
					rte_prefetch0(buckets[i]);
				} else {
					buckets[i] = NULL;
					entries[i] = hash_entry(m, a.key);
					rte_prefetch0(entries[i]); /* NULL: a no-op */
				}
			}
			lb_enqueue_edges(graph, node, burst, edges, n, mixed, n == nb_objs);
			done += n;
		}
	}
	if (a.ft)
		lb_flow_burst_end(a.ft, a.tsc, guarded);
	return nb_objs;
}

LB_NODE_LOOPS(lb_hash_process)

static struct rte_node_register lb_hash_node = {
	.name = "lb_hash",
	.process = lb_hash_process_quad,
	.init = lb_hash_process_init,
	.nb_edges = LB_DROP_COUNT + 1,
	.next_nodes = {LB_DROP_EDGES[NEXT_REWRITE] = "lb_rewrite"},
};

RTE_NODE_REGISTER(lb_hash_node);
