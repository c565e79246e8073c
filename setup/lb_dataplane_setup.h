/* Creating and tearing down the data-path contract (nodes/lb_dataplane.h):
 * once per process, before the first graph is made and after the last
 * worker stopped. */
#pragma once

#include <stddef.h>

/* The rings and the neighbour table in lb_dp. 0, or -1 with err set. */
int lb_dataplane_create(char *err, size_t err_size);

/* Frees them and whatever the rings still hold. */
void lb_dataplane_destroy(void);

/* A flow table per worker (graph id 0..nb_workers-1) as cfg says, when some
 * VIP has affinity = flow. 0, or -1 with err set (the memory it wanted). */
struct lb_config;
int lb_flow_tables_create(const struct lb_config *cfg, unsigned nb_workers, char *err, size_t err_size);
void lb_flow_tables_destroy(void);
/* Each worker's fragment table and hold queue ([lb] frag_*): 0, or -1
 * with the reason in err. */
int lb_frag_tables_create(const struct lb_config *cfg, unsigned nb_workers, char *err, size_t err_size);
void lb_frag_tables_destroy(void);
/* Bytes of one worker's table. */
size_t lb_flow_table_bytes(const struct lb_config *cfg);
