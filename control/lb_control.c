#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_malloc.h>

#include "control/lb_control.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct lb_config *running;
static struct lb_port_info ports[LB_MAX_PORTS];
static struct rte_rcu_qsbr *qs;
static double last_publish_us;

void
lb_control_init(struct lb_config *cfg, const struct lb_port_info p[LB_MAX_PORTS],
		struct rte_rcu_qsbr *q)
{
	pthread_mutex_lock(&lock);
	running = cfg;
	memcpy(ports, p, sizeof(ports));
	qs = q;
	pthread_mutex_unlock(&lock);
}

static int
refuse(char *err, size_t size, const char *fmt, const char *arg)
{
	snprintf(err, size, fmt, arg);
	return -1;
}

static struct lb_cfg_vip *
find_vip(const char *name)
{
	for (unsigned i = 0; running && i < running->nb_vips; i++)
		if (strcmp(running->vips[i].name, name) == 0)
			return &running->vips[i];
	return NULL;
}

static int
find_backend(const struct lb_cfg_vip *v, rte_be32_t addr, uint16_t port)
{
	for (uint32_t b = 0; b < v->nb_backends; b++)
		if (v->backends[b].addr == addr && v->backends[b].port == port)
			return (int)b;
	return -1;
}

/* A counter slot no backend of any VIP holds. Slots of removed backends are
 * free again once their removal was published (no worker writes them). */
static int
free_slot(void)
{
	static uint8_t used[LB_MAX_BACKEND_SLOTS];
	memset(used, 0, sizeof(used));
	for (unsigned i = 0; i < running->nb_vips; i++)
		for (uint32_t b = 0; b < running->vips[i].nb_backends; b++)
			used[running->vips[i].backends[b].slot] = 1;
	for (unsigned s = 0; s < LB_MAX_BACKEND_SLOTS; s++)
		if (!used[s])
			return (int)s;
	return -1;
}

static double
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Build VIP v's tables from the running config and publish them. On failure
 * the running config is restored from `saved`. */
static int
publish_vip(struct lb_cfg_vip *v, const struct lb_cfg_vip *saved, struct lb_cfg_backend *saved_be,
	    char *err, size_t err_size)
{
	const uint16_t index = (uint16_t)(v - running->vips);
	const double start = now_us();
	struct lb_tables *cur = lb_tables_get();
	struct lb_vip *nv = lb_vip_build(running, index, ports, err, err_size);
	struct lb_tables *nt = nv ? lb_tables_with_vip(cur, index, nv) : NULL;

	if (!nt) {
		if (nv)
			snprintf(err, err_size, "out of memory");
		lb_vip_free(nv);
		memcpy(v->backends, saved_be, saved->nb_backends * sizeof(*saved_be));
		*v = *saved;
		return -1;
	}
	struct lb_tables *old = lb_tables_swap(nt, qs);
	struct lb_vip *old_vip = old->vips[index];
	lb_tables_free_shallow(old);
	lb_vip_free(old_vip);
	last_publish_us = now_us() - start;
	return 0;
}

static struct lb_cfg_backend saved_backends[LB_MAX_BACKENDS];

/* The VIP and the index of its backend "IP:PORT", or -1 with the reason. */
static int
locate_backend(const char *vip, const char *addr_port, struct lb_cfg_vip **v, char *err,
	       size_t err_size)
{
	rte_be32_t addr;
	uint16_t port;
	const char *why;
	int b;

	if (!(*v = find_vip(vip)))
		return refuse(err, err_size, "no VIP named '%s'", vip);
	if (lb_parse_addr_port(addr_port, &addr, &port, &why) < 0)
		return refuse(err, err_size, "backend: %s", why);
	if ((b = find_backend(*v, addr, port)) < 0)
		return refuse(err, err_size, "vip.%s has no such backend", vip);
	return b;
}

/* Keep a copy of v to restore if its tables cannot be built. */
static struct lb_cfg_vip
save_vip(const struct lb_cfg_vip *v)
{
	memcpy(saved_backends, v->backends, v->nb_backends * sizeof(*v->backends));
	return *v;
}


int
lb_control_backend_add(const char *vip, const char *spec, char *err, size_t err_size)
{
	struct lb_cfg_backend be = {0};
	const char *why;
	int rc = -1;

	pthread_mutex_lock(&lock);
	struct lb_cfg_vip *v = find_vip(vip);
	if (!v) {
		rc = refuse(err, err_size, "no VIP named '%s'", vip);
	} else if (lb_parse_backend(spec, &be, &why) < 0) {
		rc = refuse(err, err_size, "backend: %s", why);
	} else if (find_backend(v, be.addr, be.port) >= 0) {
		rc = refuse(err, err_size, "vip.%s already has this backend", vip);
	} else if ((why = lb_config_backend_conflict(running, v, &be, running->nb_vips))) {
		rc = refuse(err, err_size, "%s", why);
	} else if (v->nb_backends >= LB_MAX_BACKENDS ||
		   (v->hash == LB_HASH_MAGLEV && v->nb_backends >= v->table_size)) {
		rc = refuse(err, err_size, "vip.%s has no room for another backend", vip);
	} else {
		int slot = free_slot();
		if (slot < 0) {
			rc = refuse(err, err_size, "%s", "no free backend counter slot");
		} else {
			struct lb_cfg_vip saved = save_vip(v);
			be.slot = (uint16_t)slot;
			/* a reused slot starts from zero: no worker writes it now */
			for (unsigned w = 0; w < LB_MAX_WORKERS; w++)
				lb_counters[w].backend_pkts[slot] = 0;
			v->backends[v->nb_backends++] = be;
			rc = publish_vip(v, &saved, saved_backends, err, err_size);
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int
lb_control_backend_del(const char *vip, const char *addr_port, char *err, size_t err_size)
{
	struct lb_cfg_vip *v;
	int rc;

	pthread_mutex_lock(&lock);
	int b = locate_backend(vip, addr_port, &v, err, err_size);
	if (b < 0) {
		rc = -1;
	} else {
		struct lb_cfg_vip saved = save_vip(v);
		memmove(&v->backends[b], &v->backends[b + 1], (v->nb_backends - b - 1) * sizeof(*v->backends));
		v->nb_backends--;
		rc = publish_vip(v, &saved, saved_backends, err, err_size);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int
lb_control_backend_weight(const char *vip, const char *addr_port, const char *weight, char *err,
			  size_t err_size)
{
	struct lb_cfg_vip *v;
	uint32_t w;
	int rc = -1;

	pthread_mutex_lock(&lock);
	int b = locate_backend(vip, addr_port, &v, err, err_size);
	if (b >= 0 && lb_parse_u32(weight, 0, LB_MAX_WEIGHT, &w) < 0) {
		refuse(err, err_size, "weight must be 0..%s", "1000");
	} else if (b >= 0) {
		struct lb_cfg_vip saved = save_vip(v);
		v->backends[b].weight = w;
		rc = publish_vip(v, &saved, saved_backends, err, err_size);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int
lb_control_drop(const char *on_off, char *err, size_t err_size)
{
	bool on;

	if (strcmp(on_off, "on") == 0)
		on = true;
	else if (strcmp(on_off, "off") == 0)
		on = false;
	else
		return refuse(err, err_size, "expected on or off, got '%s'", on_off);
	pthread_mutex_lock(&lock);
	if (running)
		running->drop = on;
	__atomic_store_n(&lb_drop_all, on, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
	return 0;
}

void
lb_control_neigh_changed(rte_be32_t addr)
{
	char err[128];

	pthread_mutex_lock(&lock);
	for (unsigned i = 0; running && i < running->nb_vips; i++) {
		struct lb_cfg_vip *v = &running->vips[i];
		bool uses = false;
		for (uint32_t b = 0; b < v->nb_backends && !uses; b++)
			uses = !v->backends[b].has_mac && lb_backend_next_hop(running, v, &v->backends[b]) == addr;
		if (uses) {
			/* nothing changes in the config: on failure the old table stays */
			struct lb_cfg_vip saved = save_vip(v);
			publish_vip(v, &saved, saved_backends, err, sizeof(err));
		}
	}
	pthread_mutex_unlock(&lock);
}

void
lb_control_read(void (*fn)(const struct lb_config *cfg, void *arg), void *arg)
{
	static const struct lb_config none; /* after lb_control_stop: nothing to show */

	pthread_mutex_lock(&lock);
	fn(running ? running : &none, arg);
	pthread_mutex_unlock(&lock);
}

void
lb_control_stop(void)
{
	pthread_mutex_lock(&lock);
	running = NULL;
	pthread_mutex_unlock(&lock);
}

double
lb_control_last_publish_us(void)
{
	return last_publish_us;
}
