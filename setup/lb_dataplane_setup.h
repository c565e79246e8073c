/* Creating and tearing down the data-path contract (nodes/lb_dataplane.h):
 * once per process, before the first graph is made and after the last
 * worker stopped. */
#pragma once

#include <stddef.h>

/* The rings and the neighbour table in lb_dp. 0, or -1 with err set. */
int lb_dataplane_create(char *err, size_t err_size);

/* Frees them and whatever the rings still hold. */
void lb_dataplane_destroy(void);
