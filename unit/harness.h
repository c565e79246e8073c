/* A test graph around the real lb nodes:
 *   test_src -> lb_classify -> lb_hash -> lb_rewrite -> test_sink
 *                         \-> lb_drop-<reason> (frees and counts)
 * Tests queue frames, walk the graph and read what reached the sink and what
 * each drop reason counted. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "control/lb_config.h"
#include "control/lb_tables_build.h"
#include "nodes/lb_dataplane.h"

#define HARNESS_MAX_PKTS 4096

extern struct rte_mempool *harness_pool;
extern const struct rte_ether_addr harness_port_mac;

/* EAL, mempool and the graphs (one per node loop); once per process. 0 on
 * success. */
int harness_init(void);
/* Walk the graph of that node loop from now on (quad at first); its id
 * indexes lb_counters. The worker mode walks the quad graph. */
void harness_use_loop(bool scalar);
unsigned harness_graph_id(void);

/* Load INI text as the running configuration (tables built and published). */
int harness_load(const char *ini_text, struct lb_config *cfg);
/* The same on other ports than the harness's one (their TX to the sink too). */
int harness_load_ports(const char *ini_text, struct lb_config *cfg, const struct lb_port_info *ports);

/* A dotted IPv4 address, in network order. */
uint32_t harness_addr(const char *dotted);
/* harness_load, then the ARP module and the control core on it, as
 * lb-graph starts them (no workers: no RCU); and the reverse. */
int harness_load_live(const char *ini_text, struct lb_config *cfg);
void harness_unload_live(struct lb_config *cfg);

/* A flow table for each test graph (entries per graph; 0: none, the
 * stateless path), as [lb] flow_* would make it. */
int harness_flow_tables(uint32_t entries);
/* The same with a flood guard of guard_rate new entries a second. */
int harness_flow_tables_guarded(uint32_t entries, uint32_t guard_rate);

/* Frees what sits in the data path's rings (frames the ARP module queued
 * to send, punted frames, resolve requests); how many mbufs. */
unsigned harness_rings_drain(void);

/* Send frames through one graph run, after harness_rings_drain (so only
 * these frames are walked); returns how many reached the sink, whose mbufs
 * are in out[] (caller frees with harness_free_out). The graph's fragment
 * table starts empty; fragments still held after the run are dropped
 * (frag_timeout). */
unsigned harness_run(struct rte_mbuf **in, unsigned n, struct rte_mbuf **out);
/* harness_run into lb_from_kernel instead: frames a kernel interface sent. */
unsigned harness_run_from_kernel(struct rte_mbuf **in, unsigned n, struct rte_mbuf **out);
/* The same, with the rings and the held fragments as they are. */
unsigned harness_run_keep(struct rte_mbuf **in, unsigned n, struct rte_mbuf **out);
/* harness_run of one frame received on port `port`: how many reached the
 * sink (in out[]); *reason is the drop reason that counted it, or -1. */
unsigned harness_run_frame(const uint8_t *frame, size_t len, uint16_t port, int *reason, struct rte_mbuf **out);
void harness_free_out(struct rte_mbuf **out, unsigned n);

/* An mbuf holding a copy of frame. */
struct rte_mbuf *harness_mbuf(const uint8_t *frame, size_t len);

/* A worker lcore walking the graph nonstop, fed by test_src with copies of
 * the given frames (round robin), reporting RCU quiescent states after each
 * walk; test_sink counts what reaches it per destination address (low 16
 * bits) and frees it. Control calls may run meanwhile (lb_control_*). */
extern struct rte_rcu_qsbr *harness_qs;
extern struct lb_port_info harness_ports[LB_MAX_PORTS];
int harness_worker_start(uint8_t (*frames)[256], const size_t *lens, unsigned n);
/* Stop it; returns how many frames test_src made. */
uint64_t harness_worker_stop(void);
uint64_t harness_sink_count(uint32_t addr_be);
uint64_t harness_sink_total(void);

/* An Ethernet/IPv4 ARP frame (op request or reply) received on port 0. */
struct rte_mbuf *harness_arp(uint16_t op, const struct rte_ether_addr *sha, const char *sip,
			     const char *tip);

/* Load INI text (len bytes, NULs included) from memory, errors named
 * HARNESS_INI_NAME:LINE; lb_config_load_stream's result. */
#define HARNESS_INI_NAME "unit.ini"
int harness_config(const char *text, size_t len, struct lb_config *cfg, FILE *err);

/* The INI used by most node tests: tcp VIP "web" with 3 backends, udp VIP
 * "dns" with 2, one port, one worker. */
extern const char harness_default_ini[];
