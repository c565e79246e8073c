/* One flow's entry, asked of the worker that owns the table (through its
 * mailbox, nodes/lb_flow_query.c): the control side never reads a table a
 * worker writes. */
#pragma once

#include <stdint.h>

#include "nodes/lb_flow_table.h"

/* Worker w's answer about key within timeout_ms: 1 found (in *out), 0 not
 * in its table, -1 no table, -2 no answer in time, -3 another question is
 * being asked (try again). */
int lb_flow_lookup(unsigned w, uint64_t key, struct lb_flow_mailbox *out, unsigned timeout_ms);
