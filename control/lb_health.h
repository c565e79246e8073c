/* Health checks ([vip] check = tcp | http | udp): one thread on the
 * control side probes every backend of the VIPs that ask for it through
 * the VIP's out_port kernel interface (the data's port and next hop), keeps
 * its health apart from the admin state, and takes a backend out of
 * new-flow selection (and back) through the control core's rebuild and RCU
 * publish. Probes never block the thread: TCP and UDP sockets are
 * non-blocking, HTTP goes through libcurl's multi interface, and a backend
 * that never answers costs one timeout. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "control/lb_config.h"
#include "control/lb_health_state.h"

/* Starts the checker on the live configuration (lb_control_init first);
 * it follows backend changes by itself. 0, or -1 with err set. */
int lb_health_start(char *err, size_t err_size);
/* Stops it, whatever is in flight; before lb_control_stop. */
void lb_health_stop(void);

/* One check as lb-ctl shows it. */
struct lb_health_view {
	char vip[LB_NAME_SIZE];
	rte_be32_t addr;
	uint16_t port;
	enum lb_check_kind kind;
	enum lb_health health;
	enum lb_health_force force;
	bool checks_on;    /* the VIP's checks are switched on */
	bool down;         /* out of new-flow selection */
	bool last_ok;
	char last[96];     /* the last result, e.g. "HTTP 200", "connection refused" */
	uint64_t since_ms; /* in this health since (lb_arp_now_ms clock) */
	uint64_t sent, ok, failed;
};

/* fn for every check (of vip, or all when vip is NULL), from a snapshot at
 * most one loop (100 ms) old; fn must not block. How many. */
unsigned lb_health_read(const char *vip, void (*fn)(const struct lb_health_view *v, void *arg), void *arg);

/* The check of one backend, if it has one. */
bool lb_health_get(const char *vip, rte_be32_t addr, uint16_t port, struct lb_health_view *out);

/* The operator's switches, applied by the checker within 100 ms. 0, or -1
 * with why set (no such VIP or backend, or the VIP has no check). */
int lb_health_switch(const char *vip, bool on, char *why, size_t why_size);
int lb_health_force(const char *vip, rte_be32_t addr, uint16_t port, enum lb_health_force force, char *why,
		    size_t why_size);
