/* Sizes the data path and the control plane agree on. */
#pragma once


#define LB_MAX_VIPS 256
#define LB_MAX_BACKENDS 1024   /* per VIP */
#define LB_MAX_BACKEND_SLOTS 4096 /* counter slots over all VIPs */
#define LB_MAX_WORKERS 32
#define LB_MAX_PORTS 16
#define LB_NAME_SIZE 32
