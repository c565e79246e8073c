/* Data the nodes share with the control plane (see lb_dataplane.h). */
#include "nodes/lb_dataplane.h"

struct lb_tables *lb_tables_current;
bool lb_drop_all;
bool lb_graph_loop_scalar;
struct rte_hash *lb_neigh_hash;
struct rte_ring *lb_punt_ring, *lb_ctl_tx_ring, *lb_resolve_ring;

#define LB_DROP_NAME(e, str, doc) [LB_DROP_##e] = str,
#define LB_DROP_DOC(e, str, doc) [LB_DROP_##e] = doc,
const char *const lb_drop_reason_names[LB_DROP_COUNT] = {LB_DROP_REASONS(LB_DROP_NAME)};
const char *const lb_drop_reason_docs[LB_DROP_COUNT] = {LB_DROP_REASONS(LB_DROP_DOC)};
