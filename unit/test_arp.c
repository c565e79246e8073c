/* ARP that strangers cannot steer or exhaust, through lb_arp_input and
 * lb_arp_tick with explicit clocks, on a /16 port subnet: a flood of
 * senders leaves room for what the configuration needs; a stranger's
 * gratuitous ARP does not repoint a backend, a reply to lb-graph's own
 * request does (and the known MAC, when it answers, wins); zero, multicast
 * and broadcast sender MACs are never learnt. */
#include <arpa/inet.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_arp.h>
#include <rte_hash.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"
#include "unit/harness.h"
#include "unit/tests.h"

static const char ini[] =
	"[port.0]\ndev = net_null0\naddr = 10.20.0.1/16\n[worker.1]\nrx = 0:0\n"
	"[vip.web]\naddr = 192.0.2.10\nport = 80\nproto = tcp\nout_port = 0\nbackend = 10.20.0.11:8080\n";
static struct lb_config cfg;

static int
setup(void)
{
	return harness_load_live(ini, &cfg);
}

static int
teardown(void)
{
	harness_unload_live(&cfg);
	return 0;
}

static struct rte_ether_addr
mac_of(uint32_t n)
{
	return (struct rte_ether_addr){{0x02, 0x5a, n >> 24, n >> 16, n >> 8, n}};
}

static void
arp_in(uint16_t op, const struct rte_ether_addr *sha, const char *sip, const char *tip, uint64_t now)
{
	lb_arp_input(harness_arp(op, sha, sip, tip), now);
}

/* The backend's MAC as the workers' tables have it: in the VIP (backend b),
 * and in the neighbour table. */
static bool
vip_backend_mac(unsigned b, struct rte_ether_addr *mac)
{
	const struct lb_tables *t = lb_tables_get();
	if (!t->nb_vips || b >= t->vips[0]->nb_backends || !t->vips[0]->backends[b].resolved)
		return false;
	*mac = t->vips[0]->backends[b].mac;
	return true;
}

static bool
neigh_mac(const char *addr, struct rte_ether_addr *mac)
{
	rte_be32_t a;
	void *data;
	inet_pton(AF_INET, addr, &a);
	if (rte_hash_lookup_data(lb_dp.neigh, &a, &data) < 0)
		return false;
	*mac = ((const struct lb_neigh *)data)->mac;
	return true;
}

static void
test_flood_leaves_room(void)
{
	const struct rte_ether_addr be = mac_of(0xbe11), be2 = mac_of(0xbe22);
	struct rte_ether_addr got;
	struct lb_arp_stats st;
	char sip[32];
	uint64_t now = 1000;

	lb_arp_tick(now); /* asks for 10.20.0.11 */
	arp_in(RTE_ARP_OP_REPLY, &be, "10.20.0.11", "10.20.0.1", now + 1);
	lb_arp_tick(now += 100);
	CU_ASSERT(vip_backend_mac(0, &got) && rte_is_same_ether_addr(&got, &be));
	/* 10,000 requests for our address from distinct on-link senders */
	for (uint32_t i = 0; i < 10000; i++) {
		const struct rte_ether_addr m = mac_of(i + 1);
		snprintf(sip, sizeof(sip), "10.20.%u.%u", 100 + i / 250, 1 + i % 250);
		arp_in(RTE_ARP_OP_REQUEST, &m, sip, "10.20.0.1", now);
		now += (i % 100) == 0;
	}
	lb_arp_stats_get(&st);
	CU_ASSERT(st.evicted >= 10000 - LB_NEIGH_LEARNED_MAX);
	CU_ASSERT(neigh_mac("10.20.0.11", &got) && rte_is_same_ether_addr(&got, &be)); /* kept */
	/* a backend added now, without a MAC, still resolves */
	struct lb_cfg_backend nb = {.port = 8080, .weight = 1};
	struct lb_control_result r;
	inet_pton(AF_INET, "10.20.200.1", &nb.addr);
	CU_ASSERT_EQUAL_FATAL(lb_control_backend_add("web", &nb, &r), 0);
	CU_ASSERT(!vip_backend_mac(1, &got));
	lb_arp_tick(now += 100); /* the new need: asked */
	arp_in(RTE_ARP_OP_REPLY, &be2, "10.20.200.1", "10.20.0.1", now + 1);
	lb_arp_tick(now += 100);
	CU_ASSERT(vip_backend_mac(1, &got) && rte_is_same_ether_addr(&got, &be2));
	CU_ASSERT(vip_backend_mac(0, &got) && rte_is_same_ether_addr(&got, &be));
	CU_ASSERT_EQUAL(lb_control_backend_del("web", nb.addr, 8080, &r), 0);
}

static void
test_gratuitous_does_not_repoint(void)
{
	const struct rte_ether_addr be = mac_of(0xbe11), stranger = mac_of(0x666), moved = mac_of(0xbe99);
	struct rte_ether_addr got;
	struct lb_arp_stats st0, st1;
	uint64_t now = 100000;

	CU_ASSERT(neigh_mac("10.20.0.11", &got) && rte_is_same_ether_addr(&got, &be));
	lb_arp_stats_get(&st0);
	/* a stranger's gratuitous ARP (a reply and a request) for the backend: nobody confirms it */
	arp_in(RTE_ARP_OP_REPLY, &stranger, "10.20.0.11", "10.20.0.11", now);
	arp_in(RTE_ARP_OP_REQUEST, &stranger, "10.20.0.11", "10.20.0.11", now + 1);
	lb_arp_stats_get(&st1);
	CU_ASSERT_EQUAL(st1.requests_out, st0.requests_out + 1); /* checked at once, once */
	CU_ASSERT(neigh_mac("10.20.0.11", &got) && rte_is_same_ether_addr(&got, &be));
	lb_arp_tick(now += LB_NEIGH_VERIFY_MS + 100);
	CU_ASSERT(neigh_mac("10.20.0.11", &got) && rte_is_same_ether_addr(&got, &be));
	CU_ASSERT(vip_backend_mac(0, &got) && rte_is_same_ether_addr(&got, &be));
	/* again, and the stranger answers our request, but so does the backend: it wins */
	now += 2000;
	arp_in(RTE_ARP_OP_REPLY, &stranger, "10.20.0.11", "10.20.0.11", now);
	arp_in(RTE_ARP_OP_REPLY, &stranger, "10.20.0.11", "10.20.0.1", now + 1);
	arp_in(RTE_ARP_OP_REPLY, &be, "10.20.0.11", "10.20.0.1", now + 2);
	lb_arp_tick(now += LB_NEIGH_VERIFY_MS + 100);
	CU_ASSERT(neigh_mac("10.20.0.11", &got) && rte_is_same_ether_addr(&got, &be));
	/* the backend really moved (failover): its gratuitous ARP, then its reply to our request */
	now += 2000;
	arp_in(RTE_ARP_OP_REQUEST, &moved, "10.20.0.11", "10.20.0.11", now);
	CU_ASSERT(neigh_mac("10.20.0.11", &got) && rte_is_same_ether_addr(&got, &be)); /* not yet */
	arp_in(RTE_ARP_OP_REPLY, &moved, "10.20.0.11", "10.20.0.1", now + 1);
	lb_arp_tick(now += LB_NEIGH_VERIFY_MS + 100);
	CU_ASSERT(neigh_mac("10.20.0.11", &got) && rte_is_same_ether_addr(&got, &moved));
	CU_ASSERT(vip_backend_mac(0, &got) && rte_is_same_ether_addr(&got, &moved));
	/* and back at once: one change a second at most */
	arp_in(RTE_ARP_OP_REQUEST, &be, "10.20.0.11", "10.20.0.11", now);
	arp_in(RTE_ARP_OP_REPLY, &be, "10.20.0.11", "10.20.0.1", now + 1);
	lb_arp_tick(now + LB_NEIGH_VERIFY_MS + 10);
	CU_ASSERT(neigh_mac("10.20.0.11", &got) && rte_is_same_ether_addr(&got, &moved));
	lb_arp_stats_get(&st1);
	CU_ASSERT(st1.change_limited > st0.change_limited);
}

static void
test_group_and_zero_macs_ignored(void)
{
	static const struct rte_ether_addr bad[] = {
		{{0, 0, 0, 0, 0, 0}}, {{0x01, 0x00, 0x5e, 0, 0, 1}}, {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}};
	struct rte_ether_addr got;
	struct lb_arp_stats st0, st1;

	lb_arp_stats_get(&st0);
	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		arp_in(RTE_ARP_OP_REQUEST, &bad[i], "10.20.5.5", "10.20.0.1", 500000);
		arp_in(RTE_ARP_OP_REPLY, &bad[i], "10.20.0.11", "10.20.0.1", 500001);
	}
	lb_arp_stats_get(&st1);
	CU_ASSERT_EQUAL(st1.ignored, st0.ignored + 2 * RTE_DIM(bad));
	CU_ASSERT_EQUAL(st1.replies_out, st0.replies_out); /* not answered either */
	CU_ASSERT(!neigh_mac("10.20.5.5", &got));
	CU_ASSERT(neigh_mac("10.20.0.11", &got) && lb_mac_is_host(&got));
}

void
register_arp_tests(void)
{
	CU_pSuite s = CU_add_suite("arp", setup, teardown);
	CU_add_test(s, "10,000 senders leave room for a backend added after", test_flood_leaves_room);
	CU_add_test(s, "a stranger's gratuitous ARP repoints nothing; the asked reply does", test_gratuitous_does_not_repoint);
	CU_add_test(s, "zero, multicast and broadcast sender MACs ignored", test_group_and_zero_macs_ignored);
}
