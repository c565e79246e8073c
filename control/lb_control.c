#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_malloc.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct lb_config *live; /* the control plane's own copy */
static uint64_t generation;
static struct lb_port_info ports[LB_MAX_PORTS];
static struct rte_rcu_qsbr *qs;

/* The neighbours the ARP module knows, as it last said (lb_arp.c keeps at
 * most LB_NEIGH_MAX). */
static struct neigh_copy {
	rte_be32_t addr;
	struct rte_ether_addr mac;
} neighs[LB_NEIGH_MAX];
static unsigned nb_neighs;

static void
live_free(void)
{
	if (!live)
		return;
	lb_config_free(live);
	free(live);
	live = NULL;
}

void
lb_control_init(const struct lb_config *cfg, const struct lb_port_info p[LB_MAX_PORTS],
		struct rte_rcu_qsbr *q)
{
	struct lb_config *copy = malloc(sizeof(*copy));

	if (copy) {
		*copy = *cfg;
		for (unsigned i = 0; i < cfg->nb_vips; i++) {
			copy->vips[i].backends = malloc(LB_MAX_BACKENDS * sizeof(*copy->vips[i].backends));
			if (copy->vips[i].backends)
				memcpy(copy->vips[i].backends, cfg->vips[i].backends,
				       cfg->vips[i].nb_backends * sizeof(*cfg->vips[i].backends));
			else
				copy->vips[i].nb_backends = 0;
		}
	}
	pthread_mutex_lock(&lock);
	live_free();
	live = copy;
	generation++;
	nb_neighs = 0;
	memcpy(ports, p, sizeof(ports));
	qs = q;
	pthread_mutex_unlock(&lock);
}

/* Backend incarnations: the INI's are slot + 1 (lb_vip_build), these come
 * after (flow-table entries keep 20 bits of them). */
static uint32_t next_id = LB_MAX_BACKEND_SLOTS + 1;

static uint32_t
new_id(void)
{
	const uint32_t id = next_id;
	next_id = next_id + 1 > LB_FLOW_ID_MASK ? LB_MAX_BACKEND_SLOTS + 1 : next_id + 1;
	return id;
}

static int
refuse(struct lb_control_result *r, const char *fmt, const char *arg)
{
	snprintf(r->err, sizeof(r->err), fmt, arg);
	r->generation = generation;
	return -1;
}

static int
find_vip(const char *name)
{
	for (unsigned i = 0; live && i < live->nb_vips; i++)
		if (strcmp(live->vips[i].name, name) == 0)
			return (int)i;
	return -1;
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
	uint8_t used[LB_MAX_BACKEND_SLOTS] = {0};
	for (unsigned i = 0; i < live->nb_vips; i++)
		for (uint32_t b = 0; b < live->vips[i].nb_backends; b++)
			used[live->vips[i].backends[b].slot] = 1;
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

/* A copy of VIP i of the live state, with a backend array of its own. */
static int
copy_vip(unsigned i, struct lb_cfg_vip *out, struct lb_control_result *r)
{
	*out = live->vips[i];
	out->backends = malloc(LB_MAX_BACKENDS * sizeof(*out->backends));
	if (!out->backends)
		return refuse(r, "%s", "out of memory");
	memcpy(out->backends, live->vips[i].backends, out->nb_backends * sizeof(*out->backends));
	return 0;
}

/* Build VIP i's tables from cand, publish them, then make cand the live
 * VIP. On failure cand is freed and the live state is untouched. */
static int
publish_commit(unsigned i, struct lb_cfg_vip *cand, struct lb_control_result *r)
{
	const double start = now_us();
	struct lb_tables *cur = lb_tables_get();
	struct lb_vip *nv = lb_vip_build(live, (uint16_t)i, cand, ports, r->err, sizeof(r->err));
	struct lb_tables *nt = nv ? lb_tables_with_vip(cur, (uint16_t)i, nv) : NULL;

	if (!nt) {
		if (nv)
			snprintf(r->err, sizeof(r->err), "out of memory");
		lb_vip_free(nv);
		free(cand->backends);
		r->generation = generation;
		return -1;
	}
	struct lb_tables *old = lb_tables_swap(nt, qs);
	struct lb_vip *old_vip = old->vips[i];
	lb_tables_free_shallow(old);
	lb_vip_free(old_vip);
	free(live->vips[i].backends);
	live->vips[i] = *cand;
	r->publish_us = now_us() - start;
	r->generation = ++generation;
	return 0;
}

int
lb_control_backend_add(const char *vip, const struct lb_cfg_backend *be, struct lb_control_result *r)
{
	struct lb_cfg_vip cand;
	const char *why;
	int rc = -1, i, slot;

	pthread_mutex_lock(&lock);
	if ((i = find_vip(vip)) < 0) {
		rc = refuse(r, "no VIP named '%s'", vip);
	} else if (find_backend(&live->vips[i], be->addr, be->port) >= 0) {
		rc = refuse(r, "vip.%s already has this backend", vip);
	} else if (be->has_mac && !lb_mac_is_host(&be->mac)) {
		rc = refuse(r, "%s", "the MAC must be a unicast, non-zero address");
	} else if (be->weight > LB_MAX_WEIGHT) {
		rc = refuse(r, "%s", "weight must be 0.." RTE_STR(LB_MAX_WEIGHT));
	} else if ((why = lb_config_backend_conflict(live, &live->vips[i], be, live->nb_vips))) {
		rc = refuse(r, "%s", why);
	} else if (live->vips[i].nb_backends >= LB_MAX_BACKENDS ||
		   (live->vips[i].hash == LB_HASH_MAGLEV && live->vips[i].nb_backends >= live->vips[i].table_size)) {
		rc = refuse(r, "vip.%s has no room for another backend", vip);
	} else if ((slot = free_slot()) < 0) {
		rc = refuse(r, "%s", "no free backend counter slot");
	} else if (copy_vip(i, &cand, r) == 0) {
		struct lb_cfg_backend nb = *be;
		nb.slot = (uint16_t)slot;
		nb.line = 0;
		nb.down = false;
		nb.id = new_id(); /* flow entries of a backend that held the slot before reselect */
		/* a reused slot starts from zero: no worker writes it now */
		for (unsigned w = 0; w < LB_MAX_WORKERS; w++)
			lb_counters[w].backend_pkts[slot] = 0;
		cand.backends[cand.nb_backends++] = nb;
		rc = publish_commit(i, &cand, r);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* VIP and backend index, or -1 with the reason. */
static int
locate(const char *vip, rte_be32_t addr, uint16_t port, int *b, struct lb_control_result *r)
{
	int i = find_vip(vip);
	if (i < 0)
		return refuse(r, "no VIP named '%s'", vip);
	if ((*b = find_backend(&live->vips[i], addr, port)) < 0)
		return refuse(r, "vip.%s has no such backend", vip);
	return i;
}

int
lb_control_backend_del(const char *vip, rte_be32_t addr, uint16_t port, struct lb_control_result *r)
{
	struct lb_cfg_vip cand;
	int rc = -1, i, b;

	pthread_mutex_lock(&lock);
	if ((i = locate(vip, addr, port, &b, r)) >= 0 && copy_vip(i, &cand, r) == 0) {
		memmove(&cand.backends[b], &cand.backends[b + 1], (cand.nb_backends - b - 1) * sizeof(*cand.backends));
		cand.nb_backends--;
		rc = publish_commit(i, &cand, r);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int
lb_control_backend_weight(const char *vip, rte_be32_t addr, uint16_t port, uint32_t weight,
			  struct lb_control_result *r)
{
	struct lb_cfg_vip cand;
	int rc = -1, i, b;

	pthread_mutex_lock(&lock);
	if (weight > LB_MAX_WEIGHT)
		rc = refuse(r, "%s", "weight must be 0.." RTE_STR(LB_MAX_WEIGHT));
	else if ((i = locate(vip, addr, port, &b, r)) >= 0 && copy_vip(i, &cand, r) == 0) {
		cand.backends[b].weight = weight;
		rc = publish_commit(i, &cand, r);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int
lb_control_backend_down(const char *vip, rte_be32_t addr, uint16_t port, bool down, struct lb_control_result *r)
{
	struct lb_cfg_vip cand;
	int rc = -1, i, b;

	pthread_mutex_lock(&lock);
	if ((i = locate(vip, addr, port, &b, r)) >= 0) {
		if (live->vips[i].backends[b].down == down) {
			rc = 0; /* nothing to publish */
			r->generation = generation;
		} else if (copy_vip(i, &cand, r) == 0) {
			cand.backends[b].down = down;
			if (down) /* its flows reselect; back up, it gets new ones only */
				cand.backends[b].id = new_id();
			rc = publish_commit(i, &cand, r);
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void
lb_control_drop(bool on)
{
	pthread_mutex_lock(&lock);
	if (live)
		live->drop = on;
	__atomic_store_n(&lb_dp.drop_all, on, __ATOMIC_RELEASE);
	generation++;
	pthread_mutex_unlock(&lock);
}

static struct neigh_copy *
neigh_find(rte_be32_t addr)
{
	for (unsigned i = 0; i < nb_neighs; i++)
		if (neighs[i].addr == addr)
			return &neighs[i];
	return NULL;
}

bool
lb_control_neigh_mac(rte_be32_t addr, struct rte_ether_addr *mac)
{
	const struct neigh_copy *n = neigh_find(addr);
	if (n)
		*mac = n->mac;
	return n != NULL;
}

static uint64_t neigh_rebuilds;

void
lb_control_neigh_update(const struct lb_neigh_change *ch, unsigned nb)
{
	struct lb_control_result r;

	pthread_mutex_lock(&lock);
	for (unsigned k = 0; k < nb; k++) {
		struct neigh_copy *n = neigh_find(ch[k].addr);
		if (ch[k].present && n)
			n->mac = ch[k].mac;
		else if (ch[k].present && nb_neighs < LB_NEIGH_MAX)
			neighs[nb_neighs++] = (struct neigh_copy){.addr = ch[k].addr, .mac = ch[k].mac};
		else if (!ch[k].present && n)
			*n = neighs[--nb_neighs];
	}
	for (unsigned i = 0; live && i < live->nb_vips; i++) {
		const struct lb_cfg_vip *v = &live->vips[i];
		bool uses = false;
		for (uint32_t b = 0; b < v->nb_backends && !uses; b++) {
			if (v->backends[b].has_mac)
				continue;
			const rte_be32_t nh = lb_backend_next_hop(live, v, &v->backends[b]);
			for (unsigned k = 0; k < nb && !uses; k++)
				uses = ch[k].addr == nh;
		}
		struct lb_cfg_vip cand;
		/* the backends stay as they are; on failure the old table stays */
		if (uses && copy_vip(i, &cand, &r) == 0 && publish_commit(i, &cand, &r) == 0)
			neigh_rebuilds++;
	}
	pthread_mutex_unlock(&lock);
}

uint64_t
lb_control_neigh_rebuilds(void)
{
	pthread_mutex_lock(&lock);
	const uint64_t n = neigh_rebuilds;
	pthread_mutex_unlock(&lock);
	return n;
}

void
lb_control_read(void (*fn)(const struct lb_config *cfg, uint64_t generation, void *arg), void *arg)
{
	static const struct lb_config none; /* after lb_control_stop: nothing to show */

	pthread_mutex_lock(&lock);
	fn(live ? live : &none, generation, arg);
	pthread_mutex_unlock(&lock);
}

void
lb_control_stop(void)
{
	pthread_mutex_lock(&lock);
	live_free();
	generation++;
	nb_neighs = 0;
	pthread_mutex_unlock(&lock);
}
