/* Helpers shared by the lb_* nodes (data path only). */
#pragma once

#include <rte_graph_worker.h>
#include <rte_prefetch.h>

#include "nodes/lb_dataplane.h"

/* Edge layout shared by every lb node: edge `reason` goes to
 * lb_drop-<reason>; the node's own next nodes follow (LB_NEXT_OWN(i)). The
 * nodes that transmit (LB_TX_NODES) have no own static edge, so the edge
 * to each ethdev_tx-<port>, appended at start-up in the same order, has the
 * same index in all of them (lb_port_dp.tx_edge). */
#define LB_NEXT_DROP(reason) ((rte_edge_t)(reason))
#define LB_NEXT_OWN(i) ((rte_edge_t)(LB_DROP_COUNT + (i)))

#define LB_DROP_NEXT_NAME(e, str, doc) [LB_DROP_##e] = LB_DROP_NODE_PREFIX str,
#define LB_DROP_EDGES LB_DROP_REASONS(LB_DROP_NEXT_NAME)

/* Hand n objects to the edges chosen for them. `mixed` is the OR of
 * edges[i] ^ edges[0] over them, gathered while the edges were chosen (a
 * second pass comparing them held 7% of lb_classify's perf samples): 0 when
 * they all agree, and then the node's whole stream moves instead of being
 * copied. */
static inline void
lb_enqueue_edges(struct rte_graph *graph, struct rte_node *node, void **objs,
		 const rte_edge_t *edges, uint16_t n, rte_edge_t mixed, bool whole_stream)
{
	if (mixed)
		rte_node_enqueue_next(graph, node, (rte_edge_t *)(uintptr_t)edges, objs, n);
	else if (whole_stream)
		rte_node_next_stream_move(graph, node, edges[0]);
	else
		rte_node_enqueue(graph, node, edges[0], objs, n);
}

/* The per-packet loop, two ways that must give the same edges and bytes
 * (unit test "scalar and quad loops agree"), chosen by [lb] node_loop when
 * the graph is built (LB_NODE_LOOPS):
 * - scalar: one packet after the other; the reference;
 * - quad: four packets an iteration, the mbuf and private-area (metadata)
 *   lines of the packets 8 ahead requested meanwhile, as DPDK's lib/node
 *   does. Faster on hugepages, slower on 4 KB pages, where a prefetch can
 *   cost a page walk (README "Performance"): node_loop = auto picks. */
#define LB_PREFETCH_AHEAD 8

static __rte_always_inline void
lb_prefetch_mbuf(struct rte_mbuf *m)
{
	rte_prefetch0(m);
	rte_prefetch0(lb_meta(m));
}

/* Edges for objs[0..n) into edges[] (n >= 1), *mixed as lb_enqueue_edges
 * wants it; returns how many are not drops. */
static __rte_always_inline uint16_t
lb_edges_scalar(void **objs, rte_edge_t *edges, uint16_t n, rte_edge_t *mixed,
		rte_edge_t (*one)(struct rte_mbuf *, void *), void *arg)
{
	uint16_t kept = 0;
	rte_edge_t diff = 0;

	for (uint16_t i = 0; i < n; i++) {
		edges[i] = one(objs[i], arg);
		kept += edges[i] >= LB_DROP_COUNT;
		diff |= edges[i] ^ edges[0];
	}
	*mixed = diff;
	return kept;
}

static __rte_always_inline uint16_t
lb_edges_quad(void **objs, rte_edge_t *edges, uint16_t n, rte_edge_t *mixed,
	      rte_edge_t (*one)(struct rte_mbuf *, void *), void *arg)
{
	uint16_t kept = 0, i = 0;
	rte_edge_t diff = 0;

	for (uint16_t j = 0; j < RTE_MIN(n, LB_PREFETCH_AHEAD); j++)
		lb_prefetch_mbuf(objs[j]);
	for (; i + LB_PREFETCH_AHEAD + 4 <= n; i += 4) {
		lb_prefetch_mbuf(objs[i + LB_PREFETCH_AHEAD]);
		lb_prefetch_mbuf(objs[i + LB_PREFETCH_AHEAD + 1]);
		lb_prefetch_mbuf(objs[i + LB_PREFETCH_AHEAD + 2]);
		lb_prefetch_mbuf(objs[i + LB_PREFETCH_AHEAD + 3]);
		edges[i] = one(objs[i], arg);
		edges[i + 1] = one(objs[i + 1], arg);
		edges[i + 2] = one(objs[i + 2], arg);
		edges[i + 3] = one(objs[i + 3], arg);
		kept += (edges[i] >= LB_DROP_COUNT) + (edges[i + 1] >= LB_DROP_COUNT) +
			(edges[i + 2] >= LB_DROP_COUNT) + (edges[i + 3] >= LB_DROP_COUNT);
		diff |= (edges[i] ^ edges[0]) | (edges[i + 1] ^ edges[0]) | (edges[i + 2] ^ edges[0]) |
			(edges[i + 3] ^ edges[0]);
	}
	/* The last few, already requested. */
	for (; i < n; i++) {
		edges[i] = one(objs[i], arg);
		kept += edges[i] >= LB_DROP_COUNT;
		diff |= edges[i] ^ edges[0];
	}
	*mixed = diff;
	return kept;
}

/* Give every packet of the stream the edge `one` returns, in bursts of
 * RTE_GRAPH_BURST_SIZE (a stream is longer when several rx nodes feed one
 * node in a walk). Always inlined with a constant `one`, so each node gets
 * its own loops with its per-packet function inlined. Returns how many
 * packets went to an edge that is not a drop. */
static __rte_always_inline uint16_t
lb_process_stream(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs,
		  rte_edge_t (*one)(struct rte_mbuf *, void *), void *arg, const bool scalar)
{
	rte_edge_t edges[RTE_GRAPH_BURST_SIZE];
	uint16_t kept = 0;

	for (uint16_t done = 0; done < nb_objs;) {
		const uint16_t n = RTE_MIN(nb_objs - done, RTE_GRAPH_BURST_SIZE);
		rte_edge_t mixed;
		if (scalar)
			kept += lb_edges_scalar(objs + done, edges, n, &mixed, one, arg);
		else
			kept += lb_edges_quad(objs + done, edges, n, &mixed, one, arg);
		lb_enqueue_edges(graph, node, objs + done, edges, n, mixed, n == nb_objs);
		done += n;
	}
	return kept;
}

/* The node loop of the graphs created next ([lb] node_loop resolved: true
 * = scalar, false = quad): read by the nodes' init() only, which picks
 * their process function; the fast path never reads it. Set it before
 * rte_graph_create (the unit harness makes one graph of each). */
extern bool lb_graph_loop_scalar;

/* A node's two process functions, from fn(graph, node, objs, n, scalar)
 * (always inlined, so each gets its own loop), and the init() that gives
 * each graph's instance the one of lb_graph_loop_scalar, as DPDK's
 * ip4_lookup picks its vector variant in init(). Register fn##_quad as
 * .process and fn##_init as .init. */
#define LB_NODE_LOOPS(fn)                                                                          \
	static uint16_t fn##_scalar(struct rte_graph *g, struct rte_node *n, void **o, uint16_t k) \
	{                                                                                          \
		return fn(g, n, o, k, true);                                                       \
	}                                                                                          \
	static uint16_t fn##_quad(struct rte_graph *g, struct rte_node *n, void **o, uint16_t k)   \
	{                                                                                          \
		return fn(g, n, o, k, false);                                                      \
	}                                                                                          \
	static int fn##_init(const struct rte_graph *g, struct rte_node *n)                        \
	{                                                                                          \
		(void)g;                                                                           \
		n->process = lb_graph_loop_scalar ? fn##_scalar : fn##_quad;                        \
		return 0;                                                                          \
	}
