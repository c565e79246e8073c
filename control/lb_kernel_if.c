#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"
#include "control/lb_kernel_if.h"
#include "control/lb_tables_build.h"

#define MAX_PINS LB_NEIGH_CONFIG_MAX
#define MAX_ROUTES LB_MAX_BACKEND_SLOTS

struct kif {
	bool on;
	int ifindex;
	char name[LB_IFNAME_SIZE];
};

/* A next hop the data path uses (a backend on the port's subnet, or a
 * gateway): its MAC from the INI or lb-graph's ARP. */
struct pin {
	rte_be32_t addr;
	int ifindex;
	bool has_mac;
	struct rte_ether_addr mac;
};

/* A host route to an off-link backend through its out port's gateway. */
struct route {
	rte_be32_t dst, via;
	int ifindex;
};

/* The lock serialises start-up and the slow path's syncs; nothing else
 * takes it, so the netlink calls under it hold up nobody. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct nl_sock *sk;
static struct kif kifs[LB_MAX_PORTS];
static struct pin pins[MAX_PINS], want_pins[MAX_PINS];
static struct route routes[MAX_ROUTES], want_routes[MAX_ROUTES];
static unsigned nb_pins, nb_want_pins, nb_routes, nb_want_routes;
static uint64_t seen_config = UINT64_MAX, seen_neigh = UINT64_MAX;
static struct lb_kernel_if_stats stats;

static int
write_sysctl(const char *path, const char *value, char *err, size_t err_size)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(value, f) < 0 || fclose(f) != 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
lb_kernel_if_prepare(const char *ifname, char *err, size_t err_size)
{
	static const struct {
		const char *fmt, *value;
		bool optional; /* absent when the kernel has no IPv6 at all */
	} knobs[] = {
		{"/proc/sys/net/ipv6/conf/%s/disable_ipv6", "1", true},
		/* lb-graph answers ARP for the port address: the kernel never */
		{"/proc/sys/net/ipv4/conf/%s/arp_ignore", "8", false},
		{"/proc/sys/net/ipv4/conf/%s/arp_announce", "2", false},
		/* ICMP other than echo reaches the kernel: no route changes from it */
		{"/proc/sys/net/ipv4/conf/%s/accept_redirects", "0", false},
	};
	for (unsigned i = 0; i < RTE_DIM(knobs); i++) {
		char path[128];
		snprintf(path, sizeof(path), knobs[i].fmt, ifname);
		if (write_sysctl(path, knobs[i].value, err, err_size) < 0 && !(knobs[i].optional && errno == ENOENT))
			return -1;
	}
	return 0;
}

static struct nl_addr *
ip_addr(rte_be32_t a, unsigned prefix_len)
{
	struct nl_addr *n = nl_addr_build(AF_INET, &a, sizeof(a));
	if (n)
		nl_addr_set_prefixlen(n, prefix_len);
	return n;
}

/* rtnl_neigh_add (replace) or rtnl_neigh_delete: 0 or a libnl error. */
static int
neigh_op(const struct pin *p, bool add)
{
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct nl_addr *dst = ip_addr(p->addr, 32);
	struct nl_addr *ll = nl_addr_build(AF_LLC, p->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	int rc = -NLE_NOMEM;

	if (n && dst && ll) {
		rtnl_neigh_set_ifindex(n, p->ifindex);
		rtnl_neigh_set_family(n, AF_INET);
		rtnl_neigh_set_dst(n, dst);
		if (add) {
			rtnl_neigh_set_lladdr(n, ll);
			rtnl_neigh_set_state(n, NUD_PERMANENT);
			rc = rtnl_neigh_add(sk, n, NLM_F_CREATE | NLM_F_REPLACE);
		} else {
			rc = rtnl_neigh_delete(sk, n, 0);
		}
	}
	nl_addr_put(ll);
	nl_addr_put(dst);
	rtnl_neigh_put(n);
	return rc;
}

static int
route_op(const struct route *r, bool add)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = ip_addr(r->dst, 32), *via = ip_addr(r->via, 32);
	int rc = -NLE_NOMEM;

	if (rt && nh && dst && via) {
		rtnl_route_set_family(rt, AF_INET);
		rtnl_route_set_table(rt, RT_TABLE_MAIN);
		rtnl_route_set_protocol(rt, RTPROT_STATIC);
		rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
		rtnl_route_set_type(rt, RTN_UNICAST);
		rtnl_route_set_dst(rt, dst);
		rtnl_route_nh_set_ifindex(nh, r->ifindex);
		rtnl_route_nh_set_gateway(nh, via);
		rtnl_route_add_nexthop(rt, nh);
		nh = NULL; /* the route owns it */
		rc = add ? rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_REPLACE) : rtnl_route_delete(sk, rt, 0);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(via);
	nl_addr_put(dst);
	rtnl_route_put(rt);
	return rc;
}

static void
report(const char *what, rte_be32_t addr, const struct kif *k, int rc)
{
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	printf("[KERNEL] %s %s on %s: %s\n", what, a, k ? k->name : "?", nl_geterror(rc));
	__atomic_add_fetch(&stats.errors, 1, __ATOMIC_RELAXED);
}

static const struct kif *
kif_of(int ifindex)
{
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		if (kifs[p].on && kifs[p].ifindex == ifindex)
			return &kifs[p];
	return NULL;
}

/* Under the control lock (collect): mac is the INI's, else the control
 * plane's copy of the neighbour table has it, else NULL. */
static void
want_pin(rte_be32_t addr, int ifindex, const struct rte_ether_addr *mac)
{
	struct rte_ether_addr known;
	if (!mac && lb_control_neigh_mac(addr, &known))
		mac = &known;
	for (unsigned i = 0; i < nb_want_pins; i++)
		if (want_pins[i].addr == addr && want_pins[i].ifindex == ifindex) {
			if (mac && !want_pins[i].has_mac)
				want_pins[i].has_mac = true, want_pins[i].mac = *mac;
			return;
		}
	if (nb_want_pins < MAX_PINS)
		want_pins[nb_want_pins++] = (struct pin){.addr = addr, .ifindex = ifindex, .has_mac = mac != NULL,
							 .mac = mac ? *mac : (struct rte_ether_addr){{0}}};
}

static void
want_route(rte_be32_t dst, rte_be32_t via, int ifindex)
{
	for (unsigned i = 0; i < nb_want_routes; i++)
		if (want_routes[i].dst == dst)
			return; /* one route per address: the first VIP's port */
	if (nb_want_routes < MAX_ROUTES)
		want_routes[nb_want_routes++] = (struct route){.dst = dst, .via = via, .ifindex = ifindex};
}

struct collect_arg {
	bool needed;         /* force, or the neighbours changed */
	uint64_t generation; /* the live configuration's */
	bool collected;
};

/* Under the control core's lock: what the live configuration needs, only
 * when it or the neighbours changed (it is asked every tick). No netlink
 * here. */
static void
collect(const struct lb_config *cfg, uint64_t generation, void *arg)
{
	struct collect_arg *c = arg;
	c->generation = generation;
	if (!c->needed && generation == seen_config)
		return;
	c->collected = true;
	nb_want_pins = nb_want_routes = 0;
	for (unsigned p = 0; p < LB_MAX_PORTS; p++)
		if (kifs[p].on && cfg->ports[p].gateway)
			want_pin(cfg->ports[p].gateway, kifs[p].ifindex, NULL);
	for (unsigned i = 0; i < cfg->nb_vips; i++) {
		const struct lb_cfg_vip *v = &cfg->vips[i];
		const struct kif *k = &kifs[v->out_port];
		if (!k->on)
			continue;
		for (uint32_t b = 0; b < v->nb_backends; b++) {
			const struct lb_cfg_backend *be = &v->backends[b];
			const rte_be32_t nh = lb_backend_next_hop(cfg, v, be);
			if (!nh)
				continue;
			want_pin(nh, k->ifindex, be->has_mac && nh == be->addr ? &be->mac : NULL);
			if (nh != be->addr)
				want_route(be->addr, nh, k->ifindex);
		}
	}
}

static const struct pin *
pin_find(const struct pin *set, unsigned n, const struct pin *p)
{
	for (unsigned i = 0; i < n; i++)
		if (set[i].addr == p->addr && set[i].ifindex == p->ifindex)
			return &set[i];
	return NULL;
}

static bool
route_in(const struct route *set, unsigned n, const struct route *r)
{
	for (unsigned i = 0; i < n; i++)
		if (set[i].dst == r->dst && set[i].via == r->via && set[i].ifindex == r->ifindex)
			return true;
	return false;
}

/* Under lock: bring the kernel to want_pins and want_routes. */
static void
apply(void)
{
	for (unsigned i = 0; i < nb_want_pins; i++) {
		struct pin *w = &want_pins[i];
		const struct pin *old = pin_find(pins, nb_pins, w);
		if (!w->has_mac) {
			/* not resolved (yet, or any more): the last pin stays, so
			 * the kernel never learns this one from the wire */
			if (old)
				w->mac = old->mac, w->has_mac = true;
			continue;
		}
		w->has_mac = true;
		if (old && rte_is_same_ether_addr(&old->mac, &w->mac))
			continue;
		const int rc = neigh_op(w, true);
		if (rc < 0)
			report("cannot pin", w->addr, kif_of(w->ifindex), rc);
	}
	for (unsigned i = 0; i < nb_pins; i++)
		if (!pin_find(want_pins, nb_want_pins, &pins[i])) {
			const int rc = neigh_op(&pins[i], false);
			if (rc < 0 && rc != -NLE_OBJ_NOTFOUND)
				report("cannot unpin", pins[i].addr, kif_of(pins[i].ifindex), rc);
		}
	nb_pins = 0;
	for (unsigned i = 0; i < nb_want_pins; i++)
		if (want_pins[i].has_mac)
			pins[nb_pins++] = want_pins[i];

	for (unsigned i = 0; i < nb_want_routes; i++)
		if (!route_in(routes, nb_routes, &want_routes[i])) {
			const int rc = route_op(&want_routes[i], true);
			if (rc < 0)
				report("cannot route", want_routes[i].dst, kif_of(want_routes[i].ifindex), rc);
		}
	for (unsigned i = 0; i < nb_routes; i++)
		if (!route_in(want_routes, nb_want_routes, &routes[i])) {
			const int rc = route_op(&routes[i], false);
			if (rc < 0 && rc != -NLE_OBJ_NOTFOUND)
				report("cannot remove the route to", routes[i].dst, kif_of(routes[i].ifindex), rc);
		}
	memcpy(routes, want_routes, nb_want_routes * sizeof(routes[0]));
	nb_routes = nb_want_routes;
	__atomic_store_n(&stats.pinned, nb_pins, __ATOMIC_RELAXED);
	__atomic_store_n(&stats.routes, nb_routes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&stats.syncs, 1, __ATOMIC_RELAXED);
}

static void
sync_locked(bool force)
{
	struct lb_arp_stats as;

	if (!sk)
		return;
	/* the neighbours' generation first: a change after it is seen next time */
	lb_arp_stats_get(&as);
	struct collect_arg c = {.needed = force || as.generation != seen_neigh};
	lb_control_read(collect, &c);
	if (!c.collected)
		return;
	seen_config = c.generation;
	seen_neigh = as.generation;
	apply();
	fflush(stdout);
}

int
lb_kernel_if_setup(const struct lb_config *cfg, char *err, size_t err_size)
{
	int rc = 0;

	pthread_mutex_lock(&lock);
	for (unsigned p = 0; p < LB_MAX_PORTS && rc == 0; p++) {
		const struct lb_cfg_port *cp = &cfg->ports[p];
		if (!cp->defined || !cp->kernel[0])
			continue;
		struct kif *k = &kifs[p];
		snprintf(k->name, sizeof(k->name), "%s", cp->kernel);
		k->ifindex = (int)if_nametoindex(cp->kernel);
		if (k->ifindex <= 0) {
			snprintf(err, err_size, "port.%u: no interface %s: %s", p, cp->kernel, strerror(errno));
			rc = -1;
			break;
		}
		k->on = true;
		if (!sk) {
			sk = nl_socket_alloc();
			if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0) {
				snprintf(err, err_size, "netlink: cannot connect");
				rc = -1;
				break;
			}
		}
		struct rtnl_addr *a = rtnl_addr_alloc();
		struct nl_addr *local = ip_addr(cp->addr, cp->prefix_len);
		int nrc = -NLE_NOMEM;
		if (a && local) {
			rtnl_addr_set_ifindex(a, k->ifindex);
			rtnl_addr_set_family(a, AF_INET);
			rtnl_addr_set_local(a, local);
			rtnl_addr_set_prefixlen(a, cp->prefix_len);
			nrc = rtnl_addr_add(sk, a, 0);
		}
		nl_addr_put(local);
		rtnl_addr_put(a);
		if (nrc < 0 && nrc != -NLE_EXIST) {
			snprintf(err, err_size, "port.%u: address on %s: %s", p, cp->kernel, nl_geterror(nrc));
			rc = -1;
		}
	}
	if (rc == 0)
		sync_locked(true);
	pthread_mutex_unlock(&lock);
	return rc;
}

void
lb_kernel_if_sync(void)
{
	pthread_mutex_lock(&lock);
	sync_locked(false);
	pthread_mutex_unlock(&lock);
}

void
lb_kernel_if_fini(void)
{
	pthread_mutex_lock(&lock);
	if (sk)
		nl_socket_free(sk);
	sk = NULL;
	memset(kifs, 0, sizeof(kifs));
	nb_pins = nb_routes = 0;
	seen_config = seen_neigh = UINT64_MAX;
	pthread_mutex_unlock(&lock);
}

/* Without the lock, which a sync holds over its netlink calls. */
void
lb_kernel_if_stats_get(struct lb_kernel_if_stats *s)
{
	s->pinned = __atomic_load_n(&stats.pinned, __ATOMIC_RELAXED);
	s->routes = __atomic_load_n(&stats.routes, __ATOMIC_RELAXED);
	s->syncs = __atomic_load_n(&stats.syncs, __ATOMIC_RELAXED);
	s->errors = __atomic_load_n(&stats.errors, __ATOMIC_RELAXED);
}
