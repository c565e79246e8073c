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
#include <rte_ip.h>
#include <rte_udp.h>

#include "nodes/lb_flow_hash.h"
#include "nodes/lb_node_util.h"

#define NEXT_REWRITE LB_NEXT_OWN(0)

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

static __rte_always_inline rte_edge_t
hash_one(struct rte_mbuf *m, void *key)
{
	return hash_select(m, hash_entry(m, key));
}

static __rte_always_inline uint16_t
lb_hash_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs,
                 const bool scalar)
{
	const struct lb_flow_key *key = &lb_tables_get()->flow_key;
	const uint16_t *entries[RTE_GRAPH_BURST_SIZE];
	rte_edge_t edges[RTE_GRAPH_BURST_SIZE];

	if (scalar) {
		lb_process_stream(graph, node, objs, nb_objs, hash_one, (void *)(uintptr_t)key, true);
		return nb_objs;
	}
	for (uint16_t done = 0; done < nb_objs;) {
		const uint16_t n = RTE_MIN(nb_objs - done, RTE_GRAPH_BURST_SIZE);
		void **burst = objs + done;
		for (uint16_t i = 0; i < n; i++) {
			if (i + LB_PREFETCH_AHEAD < n)
				lb_prefetch_mbuf(burst[i + LB_PREFETCH_AHEAD]);
			entries[i] = hash_entry(burst[i], key);
			rte_prefetch0(entries[i]); /* NULL: a no-op */
		}
		rte_edge_t mixed = 0;
		for (uint16_t i = 0; i < n; i++) {
			edges[i] = hash_select(burst[i], entries[i]);
			mixed |= edges[i] ^ edges[0];
		}
		lb_enqueue_edges(graph, node, burst, edges, n, mixed, n == nb_objs);
		done += n;
	}
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
