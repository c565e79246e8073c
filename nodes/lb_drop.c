/* lb_drop-<reason>: free the packets and count them under their reason. One
 * registered node per reason, all sharing this process function, so the
 * rte_graph statistics also show every reason by name. */
#include <string.h>

#include <rte_graph_worker.h>

#include "nodes/lb_dataplane.h"

struct lb_drop_ctx {
	uint16_t reason;
};
static_assert(sizeof(struct lb_drop_ctx) <= RTE_NODE_CTX_SZ, "drop ctx must fit the node ctx");

static uint16_t
lb_drop_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const struct lb_drop_ctx *ctx = (const struct lb_drop_ctx *)node->ctx;

	lb_counters[graph->id].drops[ctx->reason] += nb_objs;
	rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, nb_objs);
	return nb_objs;
}

/* The reason is read from the node's name once, when the graph is built. */
static int
lb_drop_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct lb_drop_ctx *ctx = (struct lb_drop_ctx *)node->ctx;
	const size_t plen = strlen(LB_DROP_NODE_PREFIX);

	if (graph->id >= LB_MAX_WORKERS)
		return -ERANGE;
	for (uint16_t r = 0; r < LB_DROP_COUNT; r++) {
		if (strncmp(node->name, LB_DROP_NODE_PREFIX, plen) == 0 &&
		    strcmp(node->name + plen, lb_drop_reason_names[r]) == 0) {
			ctx->reason = r;
			return 0;
		}
	}
	return -ENOENT;
}

#define LB_DROP_REGISTER(e, str, doc)                                 \
	static struct rte_node_register lb_drop_##e##_node = {         \
		.name = LB_DROP_NODE_PREFIX str,                        \
		.process = lb_drop_process,                             \
		.init = lb_drop_init,                                   \
	};                                                              \
	RTE_NODE_REGISTER(lb_drop_##e##_node);
LB_DROP_REASONS(LB_DROP_REGISTER)
