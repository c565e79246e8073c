/* The data-path contract's one instance (see lb_dataplane.h). */
#include "nodes/lb_dataplane.h"
#include "nodes/lb_node_util.h"

struct lb_dataplane lb_dp;
bool lb_graph_loop_scalar;

#define LB_DROP_NAME(e, str, doc) [LB_DROP_##e] = str,
#define LB_DROP_DOC(e, str, doc) [LB_DROP_##e] = doc,
const char *const lb_drop_reason_names[LB_DROP_COUNT] = {LB_DROP_REASONS(LB_DROP_NAME)};
const char *const lb_drop_reason_docs[LB_DROP_COUNT] = {LB_DROP_REASONS(LB_DROP_DOC)};
