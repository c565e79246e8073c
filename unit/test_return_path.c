/* Return path, ICMP echo and ARP, through the test graph: backends without
 * a MAC are dropped as no_neighbor until ARP finds them; a backend's reply
 * leaves as the VIP; echo requests to a VIP are answered; the neighbour
 * table learns the way RFC 826 says. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_arp.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"
#include "tools/fixtures.h"
#include "tools/pkt.h"
#include "unit/harness.h"
#include "unit/tests.h"

static const char ini[] =
	"[port.0]\ndev = net_null0\naddr = 10.20.0.1/24\n[worker.1]\nrx = 0:0\n"
	"[vip.web]\naddr = 192.0.2.10\nport = 80\nproto = tcp\nout_port = 0\nbackend = 10.20.0.11:8080\n"
	"[vip.dns]\naddr = 192.0.2.10\nport = 53\nproto = udp\nout_port = 0\n"
	"backend = 10.20.0.12:5353 02:00:00:00:00:12\n";
static const struct rte_ether_addr be_mac = {{0x02, 0xbe, 0, 0, 0, 0x11}};
static const struct rte_ether_addr client_mac = {{0x02, 0xc1, 0, 0, 0, 0x99}};
static struct lb_config cfg;
static struct rte_mbuf *out[8];

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

static int
run_one(const uint8_t *frame, size_t len, int *reason)
{
	return (int)harness_run_frame(frame, len, 0, reason, out);
}

static unsigned
neighbours(void)
{
	struct lb_arp_entry e[8];
	unsigned total;
	uint64_t generation;
	lb_arp_entries(e, 0, 8, 0, &total, &generation);
	return total;
}

static void
test_backend_resolved_by_arp(void)
{
	uint8_t frame[PKT_MAX];
	struct fixture_vip web = {.addr = cfg.vips[0].addr, .port = 80, .proto = IPPROTO_TCP};
	size_t len = fixture_build_ok(frame, sizeof(frame), &web, 1, 0);
	int reason;

	CU_ASSERT_EQUAL(run_one(frame, len, &reason), 0);
	CU_ASSERT_EQUAL(reason, LB_DROP_NO_NEIGHBOR);
	/* an unsolicited reply for an unknown sender is not learnt (bounded table) */
	lb_arp_input(harness_arp(RTE_ARP_OP_REPLY, &be_mac, "10.20.0.11", "10.20.0.77"), 1);
	CU_ASSERT_EQUAL(neighbours(), 0);
	/* nor a reply to us that lb-graph did not ask for */
	lb_arp_input(harness_arp(RTE_ARP_OP_REPLY, &be_mac, "10.20.0.11", "10.20.0.1"), 2);
	CU_ASSERT_EQUAL(neighbours(), 0);
	/* the tick asks for the backend; the reply to that is taken, and the
	 * next tick rebuilds the VIP's table with the MAC */
	lb_arp_tick(3);
	lb_arp_input(harness_arp(RTE_ARP_OP_REPLY, &be_mac, "10.20.0.11", "10.20.0.1"), 4);
	CU_ASSERT_EQUAL(neighbours(), 1);
	CU_ASSERT_EQUAL(run_one(frame, len, &reason), 0); /* not yet: changes go once per tick */
	lb_arp_tick(5);
	CU_ASSERT_EQUAL_FATAL(run_one(frame, len, &reason), 1);
	CU_ASSERT(memcmp(rte_pktmbuf_mtod(out[0], uint8_t *), be_mac.addr_bytes, 6) == 0);
	rte_pktmbuf_free(out[0]);
	/* an off-link sender is ignored */
	lb_arp_input(harness_arp(RTE_ARP_OP_REQUEST, &client_mac, "10.99.0.1", "10.20.0.1"), 6);
	CU_ASSERT_EQUAL(neighbours(), 1);
}

static void
test_return_path(void)
{
	uint8_t frame[PKT_MAX], ref[PKT_MAX];
	struct pkt_spec s = {.vlan = -1, .sport = 8080, .dport = 40000, .proto = IPPROTO_TCP, .ttl = 64,
			     .payload_len = 33};
	struct pkt_view v;
	int reason;

	static const uint8_t dns_be_mac[6] = {0x02, 0, 0, 0, 0, 0x12};
	inet_pton(AF_INET, "10.20.0.11", &s.src);
	inet_pton(AF_INET, "10.20.0.99", &s.dst);
	memcpy(s.dst_mac, harness_port_mac.addr_bytes, 6);
	memcpy(s.src_mac, be_mac.addr_bytes, 6); /* learnt by ARP in the test before */
	size_t len = pkt_build(frame, sizeof(frame), &s);
	/* no MAC for the client yet */
	CU_ASSERT_EQUAL(run_one(frame, len, &reason), 0);
	CU_ASSERT_EQUAL(reason, LB_DROP_NO_NEIGHBOR);
	/* the client asks for our address: learnt, and answered */
	struct lb_arp_stats st0, st1;
	lb_arp_stats_get(&st0);
	lb_arp_input(harness_arp(RTE_ARP_OP_REQUEST, &client_mac, "10.20.0.99", "10.20.0.1"), 4);
	lb_arp_stats_get(&st1);
	CU_ASSERT_EQUAL(st1.replies_out, st0.replies_out + 1);
	CU_ASSERT_EQUAL_FATAL(run_one(frame, len, &reason), 1);
	/* expected: source = the VIP, checksums as a full recomputation gives them */
	memcpy(ref, frame, len);
	pkt_parse(ref, len, &v);
	memcpy(v.ip + 12, &cfg.vips[0].addr, 4);
	v.l4p[0] = 0, v.l4p[1] = 80;
	v.ip[8]--;
	pkt_fix_cksums(&v);
	memcpy(ref, client_mac.addr_bytes, 6);
	memcpy(ref + 6, harness_port_mac.addr_bytes, 6);
	CU_ASSERT(memcmp(rte_pktmbuf_mtod(out[0], uint8_t *), ref, len) == 0);
	rte_pktmbuf_free(out[0]);
	/* the UDP backend's reply maps to the UDP VIP */
	s.proto = IPPROTO_UDP, s.sport = 5353;
	inet_pton(AF_INET, "10.20.0.12", &s.src);
	memcpy(s.src_mac, dns_be_mac, 6); /* its MAC in the INI */
	len = pkt_build(frame, sizeof(frame), &s);
	CU_ASSERT_EQUAL_FATAL(run_one(frame, len, &reason), 1);
	pkt_parse(rte_pktmbuf_mtod(out[0], uint8_t *), len, &v);
	CU_ASSERT_EQUAL(v.sport, 53);
	CU_ASSERT_EQUAL(v.src, cfg.vips[1].addr);
	CU_ASSERT_EQUAL(v.l4_cksum, pkt_l4_cksum(&v));
	rte_pktmbuf_free(out[0]);
	/* a non-backend source port is no VIP traffic */
	s.sport = 5354;
	len = pkt_build(frame, sizeof(frame), &s);
	CU_ASSERT_EQUAL(run_one(frame, len, &reason), 0);
	CU_ASSERT_EQUAL(reason, LB_DROP_NO_VIP);
}

static void
test_icmp_echo(void)
{
	static const char *const targets[] = {"192.0.2.10", "10.20.0.1"};
	uint8_t frame[128];
	int reason;

	for (unsigned t = 0; t < 2; t++) {
		/* Ethernet, IPv4, ICMP echo request id 7 seq 1, 8 bytes of data */
		memset(frame, 0, sizeof(frame));
		memcpy(frame, harness_port_mac.addr_bytes, 6);
		memcpy(frame + 6, client_mac.addr_bytes, 6);
		frame[12] = 0x08;
		uint8_t *ip = frame + 14, *icmp = ip + 20;
		ip[0] = 0x45, ip[3] = 36, ip[8] = 9, ip[9] = IPPROTO_ICMP;
		inet_pton(AF_INET, "10.20.0.99", ip + 12);
		inet_pton(AF_INET, targets[t], ip + 16);
		icmp[0] = 8, icmp[5] = 7, icmp[7] = 1;
		memcpy(icmp + 8, "pingping", 8);
		uint16_t ck = ~pkt_fold(pkt_sum(ip, 20, 0));
		ip[10] = ck >> 8, ip[11] = ck & 0xff;
		ck = ~pkt_fold(pkt_sum(icmp, 16, 0));
		icmp[2] = ck >> 8, icmp[3] = ck & 0xff;

		struct rte_mbuf *m = harness_mbuf(frame, 14 + 36);
		m->port = 0;
		struct rte_mbuf *in[1] = {m};
		CU_ASSERT_EQUAL_FATAL(harness_run(in, 1, out), 1);
		const uint8_t *r = rte_pktmbuf_mtod(out[0], const uint8_t *);
		CU_ASSERT(memcmp(r, client_mac.addr_bytes, 6) == 0);
		CU_ASSERT(memcmp(r + 26, ip + 16, 4) == 0 && memcmp(r + 30, ip + 12, 4) == 0);
		CU_ASSERT_EQUAL(r[34], 0); /* echo reply */
		CU_ASSERT(memcmp(r + 38, icmp + 4, 12) == 0);
		CU_ASSERT_EQUAL(pkt_fold(pkt_sum(r + 14, 20, 0)), 0xffff);
		CU_ASSERT_EQUAL(pkt_fold(pkt_sum(r + 34, 16, 0)), 0xffff);
		rte_pktmbuf_free(out[0]);
	}
	/* to a non-local address: not answered */
	inet_pton(AF_INET, "10.20.0.5", frame + 14 + 16);
	CU_ASSERT_EQUAL(run_one(frame, 14 + 36, &reason), 0);
	CU_ASSERT_EQUAL(reason, LB_DROP_NO_VIP);
}

static void
test_arp_punted(void)
{
	struct rte_mbuf *m = harness_arp(RTE_ARP_OP_REQUEST, &client_mac, "10.20.0.99", "10.20.0.1");
	struct lb_worker_counters before, after;
	lb_counters_sum(&before);
	CU_ASSERT_EQUAL(harness_run(&m, 1, out), 0);
	lb_counters_sum(&after);
	CU_ASSERT_EQUAL(after.punted - before.punted, 1);
	void *obj = NULL;
	CU_ASSERT(rte_ring_sc_dequeue(lb_dp.punt, &obj) == 0 && obj == m);
	rte_pktmbuf_free(obj);

	/* the control plane's queue full: refused, counted */
	static int filler;
	unsigned filled = 0;
	while (rte_ring_sp_enqueue(lb_dp.punt, &filler) == 0)
		filled++;
	m = harness_arp(RTE_ARP_OP_REQUEST, &client_mac, "10.20.0.99", "10.20.0.1");
	lb_counters_sum(&before);
	CU_ASSERT_EQUAL(harness_run_keep(&m, 1, out), 0);
	lb_counters_sum(&after);
	CU_ASSERT_EQUAL(after.drops[LB_DROP_PUNT_FULL] - before.drops[LB_DROP_PUNT_FULL], 1);
	CU_ASSERT_EQUAL(after.punted, before.punted);
	for (; filled; filled--)
		CU_ASSERT(rte_ring_sc_dequeue(lb_dp.punt, &obj) == 0 && obj == &filler);
}

void
register_return_path_tests(void)
{
	CU_pSuite s = CU_add_suite("return_path", setup, teardown);
	CU_add_test(s, "backend without MAC: no_neighbor until ARP finds it", test_backend_resolved_by_arp);
	CU_add_test(s, "a backend's reply leaves as the VIP, byte-exact", test_return_path);
	CU_add_test(s, "ICMP echo to a VIP and a port address", test_icmp_echo);
	CU_add_test(s, "ARP goes to the control plane", test_arp_punted);
}
