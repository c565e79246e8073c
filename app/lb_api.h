/* The control API's names, shared by the server (app/telemetry.c) and the
 * client (app/lb_ctl.c): telemetry commands and the JSON keys of replies.
 *
 * Names (VIPs) are values in arrays, never dictionary keys: DPDK 22.11
 * telemetry allows only [A-Za-z0-9_/] in keys, and arrays of scalars only
 * (no arrays of objects), so lists are parallel arrays of one entry per
 * item. Paged replies carry the generation of the state they were made
 * from; a client that sees two generations starts over. */
#pragma once

#define LB_API_VIPS "/lb/vips"
#define LB_API_VIP "/lb/vip"
#define LB_API_BACKEND_ADD "/lb/backend_add"
#define LB_API_BACKEND_DEL "/lb/backend_del"
#define LB_API_BACKEND_WEIGHT "/lb/backend_weight"
#define LB_API_BACKEND_DRAIN "/lb/backend_drain"
#define LB_API_DROP "/lb/drop"
#define LB_API_STATS "/lb/stats"
#define LB_API_CONFIG "/lb/config"
#define LB_API_ARP "/lb/arp"
#define LB_API_FLOWS "/lb/flows"
#define LB_API_FRAGS "/lb/frags"
#define LB_API_FLOW "/lb/flow"
#define LB_API_HEALTH "/lb/health"
#define LB_API_HEALTH_SET "/lb/health_set"
#define LB_API_HEALTH_FORCE "/lb/health_force"

#define LB_KEY_ERROR "error"
#define LB_KEY_OK "ok"
#define LB_KEY_PUBLISH_US "publish_us"
#define LB_KEY_GENERATION "generation"
#define LB_KEY_NAME "name"
#define LB_KEY_ADDR "addr"
#define LB_KEY_PORT "port"
#define LB_KEY_PROTO "proto"
#define LB_KEY_FIRST "first"
#define LB_KEY_ENTRIES "entries"
#define LB_KEY_ENTRIES_TOTAL "entries_total"

/* /lb/config pages start with this comment line (an INI comment: a saved
 * dump loads as it is), the generation after it. */
#define LB_CONFIG_PAGE_HEAD "; lb-graph running configuration, generation "

/* How many times a client starts a paged read over before it gives up. */
#define LB_API_PAGED_TRIES 5
