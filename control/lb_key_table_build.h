/* Building the exact-match tables the nodes read (nodes/lb_key_table.h). */
#pragma once

#include "nodes/lb_key_table.h"

/* An empty table for up to max_keys keys, on NUMA socket `socket`. */
struct lb_key_table *lb_key_table_new(uint32_t max_keys, int socket);
/* Insert key, or replace its value. -ENOSPC past max_keys, -EINVAL for 0. */
int lb_key_table_set(struct lb_key_table *t, uint64_t key, uint16_t value);
void lb_key_table_free(struct lb_key_table *t);
