#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <rte_random.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"
#include "control/lb_health.h"

#define MAX_TARGETS LB_MAX_BACKEND_SLOTS
#define MAX_REQUESTS 64
#define LOOP_MS 100 /* the longest wait: requests and new backends are seen this soon */

/* A VIP with checks, as the live configuration has it. */
struct vip_check {
	char name[LB_NAME_SIZE];
	struct lb_cfg_check check;
	char ifname[LB_IFNAME_SIZE];
	bool on; /* lb-ctl health VIP on|off */
};

/* One backend's check; the checker thread's own (no lock). */
struct target {
	unsigned vip; /* index into vips[] */
	rte_be32_t addr;
	uint16_t port;
	enum lb_health_force force;
	struct lb_health_state st;
	bool down; /* what the control core was told */
	bool last_ok;
	char last[96];
	uint64_t due_ms, deadline_ms, since_ms;
	uint64_t sent, ok, failed;
	/* the probe in flight: fd (tcp, udp) or easy (http) */
	bool busy;
	int fd;
	CURL *easy;
	struct curl_slist *headers;
	bool marked; /* still in the live configuration (reconcile) */
};

struct request {
	char vip[LB_NAME_SIZE];
	bool all; /* switch the VIP's checks (on), else force one backend */
	bool on;
	rte_be32_t addr;
	uint16_t port;
	enum lb_health_force force;
};

static pthread_t thread;
static bool running, stop_flag;
static CURLM *multi;
static struct vip_check vips[LB_MAX_VIPS];
static unsigned nb_vips;
static struct target targets[MAX_TARGETS];
static unsigned nb_targets;
static uint64_t seen_generation = UINT64_MAX;

/* What the API reads: a copy the thread refreshes each loop. */
static pthread_mutex_t view_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lb_health_view view[MAX_TARGETS];
static unsigned nb_view;
/* What the API asks for. */
static pthread_mutex_t req_lock = PTHREAD_MUTEX_INITIALIZER;
static struct request requests[MAX_REQUESTS];
static unsigned nb_requests;

/* The reconcile's input, copied under the control lock. */
struct wanted_backend {
	char vip[LB_NAME_SIZE];
	rte_be32_t addr;
	uint16_t port;
};
static struct wanted_backend wanted[MAX_TARGETS];
static unsigned nb_wanted;
static struct vip_check wanted_vips[LB_MAX_VIPS];
static unsigned nb_wanted_vips;

struct collect_arg {
	uint64_t seen;       /* the generation the targets follow now */
	uint64_t generation; /* the live one */
};

/* Under the control lock: the VIPs with checks and their backends, copied
 * only when the live configuration changed (it is asked every loop). */
static void
collect(const struct lb_config *cfg, uint64_t generation, void *arg)
{
	struct collect_arg *c = arg;
	c->generation = generation;
	if (generation == c->seen)
		return;
	nb_wanted = nb_wanted_vips = 0;
	for (unsigned i = 0; i < cfg->nb_vips; i++) {
		const struct lb_cfg_vip *v = &cfg->vips[i];
		if (v->check.kind == LB_CHECK_NONE)
			continue;
		struct vip_check *vc = &wanted_vips[nb_wanted_vips++];
		snprintf(vc->name, sizeof(vc->name), "%s", v->name);
		vc->check = v->check;
		snprintf(vc->ifname, sizeof(vc->ifname), "%s", cfg->ports[v->out_port].kernel);
		for (uint32_t b = 0; b < v->nb_backends && nb_wanted < MAX_TARGETS; b++) {
			struct wanted_backend *w = &wanted[nb_wanted++];
			*w = (struct wanted_backend){.addr = v->backends[b].addr, .port = v->backends[b].port};
			snprintf(w->vip, sizeof(w->vip), "%s", v->name);
		}
	}
}

static int
vip_index(const char *name)
{
	for (unsigned i = 0; i < nb_vips; i++)
		if (strcmp(vips[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
probe_end(struct target *t)
{
	if (t->easy) {
		curl_multi_remove_handle(multi, t->easy);
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
	}
	curl_slist_free_all(t->headers);
	t->headers = NULL;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->busy = false;
}

/* The live configuration changed: targets for new backends (unknown, a
 * first check soon), none for removed ones; the state of the others stays. */
static void
reconcile(uint64_t now)
{
	bool vip_on[LB_MAX_VIPS];
	for (unsigned i = 0; i < nb_wanted_vips; i++) {
		const int old = vip_index(wanted_vips[i].name);
		vip_on[i] = old < 0 || vips[old].on;
	}
	for (unsigned i = 0; i < nb_targets; i++)
		targets[i].marked = false;
	struct target next[MAX_TARGETS];
	unsigned n = 0;
	for (unsigned w = 0; w < nb_wanted; w++) {
		unsigned vi = 0;
		while (vi < nb_wanted_vips && strcmp(wanted_vips[vi].name, wanted[w].vip) != 0)
			vi++;
		struct target *found = NULL;
		for (unsigned i = 0; i < nb_targets && !found; i++)
			if (!targets[i].marked && targets[i].addr == wanted[w].addr && targets[i].port == wanted[w].port &&
			    strcmp(vips[targets[i].vip].name, wanted[w].vip) == 0)
				found = &targets[i];
		if (found) {
			found->marked = true;
			next[n] = *found;
		} else {
			next[n] = (struct target){.addr = wanted[w].addr, .port = wanted[w].port, .fd = -1,
						  .since_ms = now, .last = "not checked yet"};
			next[n].due_ms = now + rte_rand() % (wanted_vips[vi].check.interval_ms / 10 + 1);
		}
		next[n].vip = vi;
		n++;
	}
	for (unsigned i = 0; i < nb_targets; i++)
		if (!targets[i].marked)
			probe_end(&targets[i]);
	memcpy(targets, next, n * sizeof(targets[0]));
	nb_targets = n;
	memcpy(vips, wanted_vips, nb_wanted_vips * sizeof(vips[0]));
	for (unsigned i = 0; i < nb_wanted_vips; i++)
		vips[i].on = vip_on[i];
	nb_vips = nb_wanted_vips;
}

/* HTTP bodies are not read: the status line decides, and a write error
 * at the body's first byte ends the transfer (a big body costs nothing). */
static size_t
refuse_body(char *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)size, (void)n, (void)arg;
	return 0;
}

static int
socket_to(const struct target *t, const struct vip_check *vc, int type, const char **why)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = t->addr,
				 .sin_port = htons(vc->check.port ? vc->check.port : t->port)};
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = strerror(errno);
		return -1;
	}
	/* out by the VIP's out_port kernel interface: the data's port and next hop */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, vc->ifname, strlen(vc->ifname)) < 0 ||
	    (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	return fd;
}

static void result(struct target *t, bool ok, const char *why, uint64_t now);

static void
probe_start(struct target *t, uint64_t now)
{
	const struct vip_check *vc = &vips[t->vip];
	const char *why = NULL;

	t->sent++;
	t->busy = true;
	t->deadline_ms = now + vc->check.timeout_ms;
	/* from this start, not from the result: a backend that times out is
	 * still checked every interval, and down within fall x (interval +
	 * jitter) + timeout (the timeout is at most the interval) */
	t->due_ms = now + lb_health_next_ms(vc->check.interval_ms, (uint32_t)rte_rand());
	switch (vc->check.kind) {
	case LB_CHECK_TCP:
		t->fd = socket_to(t, vc, SOCK_STREAM, &why);
		break;
	case LB_CHECK_UDP:
		t->fd = socket_to(t, vc, SOCK_DGRAM, &why);
		if (t->fd >= 0 && send(t->fd, vc->check.send, strlen(vc->check.send), 0) < 0)
			why = strerror(errno);
		break;
	case LB_CHECK_HTTP: {
		char url[LB_CHECK_TEXT_SIZE + 64], addr[INET_ADDRSTRLEN], iface[LB_IFNAME_SIZE + 4], host[LB_CHECK_TEXT_SIZE + 8];
		inet_ntop(AF_INET, &t->addr, addr, sizeof(addr));
		snprintf(url, sizeof(url), "http://%s:%u%s", addr, vc->check.port ? vc->check.port : t->port, vc->check.path);
		snprintf(iface, sizeof(iface), "if!%s", vc->ifname);
		t->easy = curl_easy_init();
		if (!t->easy) {
			why = "out of memory";
			break;
		}
		if (vc->check.host[0]) {
			snprintf(host, sizeof(host), "Host: %s", vc->check.host);
			t->headers = curl_slist_append(NULL, host);
			curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
		}
		curl_easy_setopt(t->easy, CURLOPT_URL, url);
		curl_easy_setopt(t->easy, CURLOPT_INTERFACE, iface);
		curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http");
		curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, (long)vc->check.timeout_ms);
		curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(t->easy, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "lb-graph-health-check");
		curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, refuse_body);
		curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
		if (curl_multi_add_handle(multi, t->easy) != CURLM_OK)
			why = "curl refused the probe";
		break;
	}
	case LB_CHECK_NONE:
		break;
	}
	if (why || (vc->check.kind != LB_CHECK_HTTP && t->fd < 0))
		result(t, false, why ? why : "cannot probe", now);
}

static void
publish_down(struct target *t)
{
	const struct vip_check *vc = &vips[t->vip];
	const bool down = lb_health_is_down(t->st.health, t->force, vc->on);
	struct lb_control_result r;

	if (down == t->down)
		return;
	/* a backend removed meanwhile is refused: nothing to do */
	if (lb_control_backend_down(vc->name, t->addr, t->port, down, &r) == 0)
		t->down = down;
}

static void
result(struct target *t, bool ok, const char *why, uint64_t now)
{
	const struct vip_check *vc = &vips[t->vip];

	probe_end(t);
	ok ? t->ok++ : t->failed++;
	t->last_ok = ok;
	snprintf(t->last, sizeof(t->last), "%s", why);
	if (!vc->on || !lb_health_step(&t->st, ok, vc->check.rise, vc->check.fall))
		return;
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &t->addr, addr, sizeof(addr));
	t->since_ms = now;
	printf("[HEALTH] %s %s:%u %s: %s (%u of %u)\n", vc->name, addr, t->port, lb_health_name(t->st.health), why,
	       ok ? t->st.ok_run : t->st.fail_run, ok ? vc->check.rise : vc->check.fall);
	fflush(stdout);
	publish_down(t);
}

static void
http_done(CURLMsg *msg, uint64_t now)
{
	struct target *t = NULL;
	long code = 0;
	char why[96];

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
	curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
	if (!t)
		return;
	const struct lb_cfg_check *c = &vips[t->vip].check;
	/* the body is refused at its first byte (a write error): the status counts */
	if (code >= 100 && code <= 599 && (msg->data.result == CURLE_OK || msg->data.result == CURLE_WRITE_ERROR)) {
		const bool ok = (c->status[(code - 100) / 64] >> ((code - 100) % 64)) & 1;
		snprintf(why, sizeof(why), "HTTP %ld%s", code, ok ? "" : " (not an expected status)");
		result(t, ok, why, now);
	} else {
		snprintf(why, sizeof(why), "%s", curl_easy_strerror(msg->data.result));
		result(t, false, why, now);
	}
}

static void
socket_done(struct target *t, short revents, uint64_t now)
{
	const struct vip_check *vc = &vips[t->vip];
	char buf[LB_CHECK_TEXT_SIZE];

	if (vc->check.kind == LB_CHECK_TCP) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		result(t, err == 0, err ? strerror(err) : "connected", now);
		return;
	}
	(void)revents;
	const ssize_t n = recv(t->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		if (errno == EAGAIN)
			return;
		result(t, false, strerror(errno), now);
		return;
	}
	buf[n] = '\0';
	const bool ok = !vc->check.expect[0] || memmem(buf, (size_t)n, vc->check.expect, strlen(vc->check.expect));
	result(t, ok, ok ? "reply" : "unexpected reply", now);
}

/* The API's switches, between two loops. */
static void
apply_requests(void)
{
	struct request req[MAX_REQUESTS];
	unsigned n;

	pthread_mutex_lock(&req_lock);
	n = nb_requests;
	memcpy(req, requests, n * sizeof(req[0]));
	nb_requests = 0;
	pthread_mutex_unlock(&req_lock);
	for (unsigned k = 0; k < n; k++) {
		const int vi = vip_index(req[k].vip);
		if (vi < 0)
			continue;
		if (req[k].all)
			vips[vi].on = req[k].on;
		for (unsigned i = 0; i < nb_targets; i++) {
			struct target *t = &targets[i];
			if (t->vip != (unsigned)vi)
				continue;
			if (req[k].all && !req[k].on)
				t->st = (struct lb_health_state){0}; /* off: unknown until checked again */
			else if (!req[k].all && t->addr == req[k].addr && t->port == req[k].port)
				t->force = req[k].force;
			publish_down(t);
		}
	}
}

static void
refresh_view(void)
{
	pthread_mutex_lock(&view_lock);
	for (unsigned i = 0; i < nb_targets; i++) {
		const struct target *t = &targets[i];
		const struct vip_check *vc = &vips[t->vip];
		view[i] = (struct lb_health_view){
			.addr = t->addr, .port = t->port, .kind = vc->check.kind, .health = t->st.health,
			.force = t->force, .checks_on = vc->on, .down = t->down, .last_ok = t->last_ok,
			.since_ms = t->since_ms, .sent = t->sent, .ok = t->ok, .failed = t->failed,
		};
		snprintf(view[i].vip, sizeof(view[i].vip), "%s", vc->name);
		snprintf(view[i].last, sizeof(view[i].last), "%s", t->last);
	}
	nb_view = nb_targets;
	pthread_mutex_unlock(&view_lock);
}

static void *
checker_main(void *arg)
{
	static struct curl_waitfd fds[MAX_TARGETS];
	static struct target *fd_target[MAX_TARGETS];
	(void)arg;

	while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) {
		uint64_t now = lb_arp_now_ms();
		struct collect_arg c = {.seen = seen_generation};
		lb_control_read(collect, &c);
		if (c.generation != seen_generation) {
			reconcile(now);
			seen_generation = c.generation;
		}
		apply_requests();
		/* due checks start; expired ones fail */
		uint64_t wake = now + LOOP_MS;
		unsigned nfds = 0;
		for (unsigned i = 0; i < nb_targets; i++) {
			struct target *t = &targets[i];
			if (!vips[t->vip].on)
				continue;
			if (t->busy && now >= t->deadline_ms && !t->easy) {
				char why[64];
				snprintf(why, sizeof(why), "timeout (%u ms)", vips[t->vip].check.timeout_ms);
				result(t, false, why, now);
			}
			if (!t->busy && now >= t->due_ms)
				probe_start(t, now);
			if (t->busy && t->fd >= 0) {
				fds[nfds] = (struct curl_waitfd){
					.fd = t->fd, .events = vips[t->vip].check.kind == LB_CHECK_TCP ? CURL_WAIT_POLLOUT : CURL_WAIT_POLLIN};
				fd_target[nfds++] = t;
				wake = RTE_MIN(wake, t->deadline_ms);
			} else if (!t->busy) {
				wake = RTE_MIN(wake, t->due_ms);
			}
		}
		refresh_view();
		int numfds = 0;
		const uint64_t after = lb_arp_now_ms();
		curl_multi_poll(multi, fds, nfds, wake > after ? (int)(wake - after) : 0, &numfds);
		int still;
		curl_multi_perform(multi, &still);
		now = lb_arp_now_ms();
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(multi, &left)))
			if (msg->msg == CURLMSG_DONE)
				http_done(msg, now);
		for (unsigned k = 0; k < nfds; k++)
			if (fds[k].revents && fd_target[k]->busy && fd_target[k]->fd == fds[k].fd)
				socket_done(fd_target[k], fds[k].revents, now);
	}
	return NULL;
}

int
lb_health_start(char *err, size_t err_size)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(multi = curl_multi_init())) {
		snprintf(err, err_size, "health checks: libcurl does not start");
		return -1;
	}
	__atomic_store_n(&stop_flag, false, __ATOMIC_RELAXED);
	if (pthread_create(&thread, NULL, checker_main, NULL) != 0) {
		snprintf(err, err_size, "health checks: cannot start the thread");
		curl_multi_cleanup(multi);
		multi = NULL;
		return -1;
	}
	running = true;
	return 0;
}

void
lb_health_stop(void)
{
	if (!running)
		return;
	__atomic_store_n(&stop_flag, true, __ATOMIC_RELAXED);
	curl_multi_wakeup(multi);
	pthread_join(thread, NULL);
	running = false;
	for (unsigned i = 0; i < nb_targets; i++)
		probe_end(&targets[i]); /* whatever is in flight */
	nb_targets = nb_vips = 0;
	seen_generation = UINT64_MAX;
	curl_multi_cleanup(multi);
	multi = NULL;
	curl_global_cleanup();
	pthread_mutex_lock(&view_lock);
	nb_view = 0;
	pthread_mutex_unlock(&view_lock);
}

unsigned
lb_health_read(const char *vip, void (*fn)(const struct lb_health_view *v, void *arg), void *arg)
{
	unsigned n = 0;
	pthread_mutex_lock(&view_lock);
	for (unsigned i = 0; i < nb_view; i++)
		if (!vip || strcmp(view[i].vip, vip) == 0) {
			fn(&view[i], arg);
			n++;
		}
	pthread_mutex_unlock(&view_lock);
	return n;
}

bool
lb_health_get(const char *vip, rte_be32_t addr, uint16_t port, struct lb_health_view *out)
{
	bool found = false;
	pthread_mutex_lock(&view_lock);
	for (unsigned i = 0; i < nb_view && !found; i++)
		if (view[i].addr == addr && view[i].port == port && strcmp(view[i].vip, vip) == 0) {
			*out = view[i];
			found = true;
		}
	pthread_mutex_unlock(&view_lock);
	return found;
}

/* A request for a check the view knows; refused otherwise. */
static int
post(const struct request *req, char *why, size_t why_size)
{
	bool vip_found = false, found = false;

	pthread_mutex_lock(&view_lock);
	for (unsigned i = 0; i < nb_view; i++) {
		if (strcmp(view[i].vip, req->vip) != 0)
			continue;
		vip_found = true;
		found |= req->all || (view[i].addr == req->addr && view[i].port == req->port);
	}
	pthread_mutex_unlock(&view_lock);
	if (!vip_found) {
		snprintf(why, why_size, "no VIP '%s' with health checks", req->vip);
		return -1;
	}
	if (!found) {
		snprintf(why, why_size, "vip %s has no such backend", req->vip);
		return -1;
	}
	pthread_mutex_lock(&req_lock);
	const bool room = nb_requests < MAX_REQUESTS;
	if (room)
		requests[nb_requests++] = *req;
	pthread_mutex_unlock(&req_lock);
	if (!room) {
		snprintf(why, why_size, "too many requests at once; try again");
		return -1;
	}
	return 0;
}

int
lb_health_switch(const char *vip, bool on, char *why, size_t why_size)
{
	struct request req = {.all = true, .on = on};
	snprintf(req.vip, sizeof(req.vip), "%s", vip);
	return post(&req, why, why_size);
}

int
lb_health_force(const char *vip, rte_be32_t addr, uint16_t port, enum lb_health_force force, char *why,
		size_t why_size)
{
	struct request req = {.addr = addr, .port = port, .force = force};
	snprintf(req.vip, sizeof(req.vip), "%s", vip);
	return post(&req, why, why_size);
}
