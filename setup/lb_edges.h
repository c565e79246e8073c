/* Node edge plumbing, done before any graph exists (edge updates on a node
 * that sits in a live graph are unsafe on DPDK 22.11). */
#pragma once

#include <stdbool.h>

#include <rte_graph.h>

/* Index of the edge from node `from` to node `to`, or RTE_EDGE_ID_INVALID. */
rte_edge_t lb_edge_find(const char *from, const char *to);

/* Edge from -> to, added at the end if it is not there yet. */
rte_edge_t lb_edge_add(const char *from, const char *to);

/* Point every edge of `from` at `to`, whatever index the node's own code
 * uses, and nothing else is pulled into the graph. 0 or -1. */
int lb_edge_redirect_all(const char *from, const char *to);

/* True when `from` has at least one edge and every edge names `to`. */
bool lb_edge_all_lead_to(const char *from, const char *to);

/* The lb nodes that transmit, and so get an edge to every ethdev_tx-<port>. */
#define LB_TX_NODES "lb_rewrite", "lb_reverse", "lb_icmp", "lb_ctl_out", "lb_to_kernel", "lb_from_kernel", "lb_icmp_fwd", "lb_icmp_err", "lb_frag"

/* Edge from every LB_TX_NODES node to `to`; they have the same static edges,
 * so the new edge has the same index in all: that index, or
 * RTE_EDGE_ID_INVALID (also when the indexes differ). */
rte_edge_t lb_edge_add_tx(const char *to);
