/* lb-graph as a router hop, and ICMP errors from backends, on two ports
 * (clients on port 0, mtu 1400; backends on port 1, mtu 1280), through the
 * test graph: time exceeded and "fragmentation needed" from the arrival
 * port's address, byte-exact; too big without DF dropped; none without an
 * address or beyond icmp_rate; a backend's error about its client's flow
 * reaches the client as the VIP's, byte-exact; what a backend could not
 * have sent is dropped. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include <CUnit/CUnit.h>
#include <rte_arp.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"
#include "tools/pkt.h"
#include "unit/harness.h"
#include "unit/tests.h"

#define HOP_INI                                                                              \
	"[port.0]\ndev = net_null0\n%smtu = 1400\nicmp_rate = %u\nicmp_burst = %u\n"           \
	"[port.1]\ndev = net_null1\naddr = 10.20.0.1/24\nmtu = 1280\n"                         \
	"[worker.1]\nrx = 0:0 1:0\n"                                                         \
	"[vip.web]\naddr = 192.0.2.10\nport = 80\nproto = tcp\nout_port = 1\n"               \
	"backend = 10.20.0.11:8080 02:00:00:00:00:11\n"                                      \
	"[vip.dns]\naddr = 192.0.2.10\nport = 53\nproto = udp\nout_port = 1\n"               \
	"backend = 10.20.0.12:5353 02:00:00:00:00:12\n"

static const uint8_t mac_be11[6] = {0x02, 0, 0, 0, 0, 0x11}, mac_be12[6] = {0x02, 0, 0, 0, 0, 0x12};
static const struct rte_ether_addr mac_client = {{0x02, 0xc1, 0, 0, 0, 0x99}};
static const uint8_t mac_port1[6] = {0x02, 0x70, 0x63, 0x61, 0x70, 0x01};
static struct lb_port_info ports[LB_MAX_PORTS];
static struct lb_config cfg;
static bool live;
static struct rte_mbuf *out[64];

static void
unload(void)
{
	if (live) {
		lb_control_stop();
		harness_rings_drain();
		lb_arp_fini();
		live = false;
	}
	lb_config_free(&cfg);
}

/* The two ports, port 0 with an address or not; the ARP module and the
 * control core live, so that the client's MAC can be learnt. */
static int
load(bool port0_addr, unsigned icmp_rate, unsigned icmp_burst)
{
	char text[2048];

	unload();
	snprintf(text, sizeof(text), HOP_INI, port0_addr ? "addr = 10.10.0.1/24\n" : "", icmp_rate, icmp_burst);
	ports[0] = harness_ports[0];
	ports[1] = (struct lb_port_info){.defined = true, .port_id = 1, .tx_edge = harness_ports[0].tx_edge,
					 .multi_seg = true};
	memcpy(&ports[1].mac, mac_port1, 6);
	if (harness_load_ports(text, &cfg, ports) < 0 || lb_arp_init(&cfg, ports, harness_pool, NULL) < 0)
		return -1;
	lb_control_init(&cfg, ports, NULL);
	live = true;
	if (port0_addr) /* the client asks for our address: its MAC is learnt */
		lb_arp_input(harness_arp(RTE_ARP_OP_REQUEST, &mac_client, "10.10.0.99", "10.10.0.1"), 4);
	return 0;
}

static int
setup(void)
{
	return load(true, 1000, 1000);
}

static int
teardown(void)
{
	unload();
	return 0;
}

/* A TCP or UDP packet of `size` IPv4 bytes from src_mac/src:sport to
 * dst:dport, TTL ttl, DF or not, to port `in`'s MAC. */
static size_t
packet(uint8_t *f, uint16_t in, const uint8_t *src_mac, const char *src, uint16_t sport, const char *dst,
       uint16_t dport, uint8_t proto, uint8_t ttl, bool df, uint16_t size)
{
	struct pkt_spec s = {.vlan = -1, .sport = sport, .dport = dport, .proto = proto, .ttl = ttl,
			     .payload_len = (uint16_t)(size - 20 - (proto == IPPROTO_TCP ? 20 : 8))};
	memcpy(s.dst_mac, ports[in].mac.addr_bytes, 6);
	memcpy(s.src_mac, src_mac, 6);
	s.src = harness_addr(src);
	s.dst = harness_addr(dst);
	size_t len = pkt_build(f, PKT_MAX, &s);
	if (df || ttl == 0) { /* pkt_build makes neither */
		struct pkt_view v;
		f[14 + 6] = df ? 0x40 : 0;
		f[14 + 8] = ttl;
		pkt_parse(f, len, &v);
		pkt_fix_cksums(&v);
	}
	return len;
}

/* An ICMP error frame, every checksum computed in full: from src to dst,
 * TTL ttl, quoting quote_len bytes of the IPv4 packet q; next-hop MTU mtu. */
static size_t
icmp_frame(uint8_t *f, const uint8_t *dst_mac, const uint8_t *src_mac, uint32_t src, uint32_t dst, uint8_t ttl,
	   uint8_t type, uint8_t code, uint16_t mtu, const uint8_t *q, size_t quote_len)
{
	memset(f, 0, 14 + 28);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14, *icmp = ip + 20;
	const uint16_t tot = (uint16_t)(28 + quote_len);
	ip[0] = 0x45, ip[2] = tot >> 8, ip[3] = (uint8_t)tot, ip[8] = ttl, ip[9] = IPPROTO_ICMP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	const uint16_t ipck = (uint16_t)~pkt_fold(pkt_sum(ip, 20, 0));
	ip[10] = ipck >> 8, ip[11] = (uint8_t)ipck;
	icmp[0] = type, icmp[1] = code, icmp[6] = mtu >> 8, icmp[7] = (uint8_t)mtu;
	memcpy(icmp + 8, q, quote_len);
	const uint16_t ick = (uint16_t)~pkt_fold(pkt_sum(icmp, 8 + quote_len, 0));
	icmp[2] = ick >> 8, icmp[3] = (uint8_t)ick;
	return 14 + tot;
}

/* Run one frame in by port `in`: how many left (the first copied to got,
 * its length to *got_len); *reason is the drop reason counted, or -1. */
static unsigned
run_in(const uint8_t *f, size_t len, uint16_t in, int *reason, uint8_t *got, size_t *got_len)
{
	const unsigned n = harness_run_frame(f, len, in, reason, out);
	if (n && got) {
		*got_len = rte_pktmbuf_pkt_len(out[0]);
		CU_ASSERT_EQUAL(out[0]->nb_segs, 1);
		memcpy(got, rte_pktmbuf_mtod(out[0], uint8_t *), *got_len);
	}
	harness_free_out(out, n);
	return n;
}

/* Expect exactly frame e (e_len bytes) out of f. */
static void
expect_frame(const uint8_t *f, size_t len, uint16_t in, const uint8_t *e, size_t e_len, const char *what)
{
	static uint8_t got[PKT_MAX];
	size_t got_len = 0;
	int reason;
	CU_ASSERT_EQUAL(run_in(f, len, in, &reason, got, &got_len), 1);
	CU_ASSERT_EQUAL(got_len, e_len);
	const bool same = got_len == e_len && memcmp(got, e, e_len) == 0;
	CU_ASSERT(same);
	if (!same) {
		fprintf(stderr, "\n  %s: %zu bytes (reason %d), want %zu\n", what, got_len, reason, e_len);
		for (size_t i = 0; i < RTE_MIN(got_len, e_len); i++)
			if (got[i] != e[i])
				fprintf(stderr, "  byte %zu: %02x, want %02x\n", i, got[i], e[i]);
	}
}

static void
expect_drop(const uint8_t *f, size_t len, uint16_t in, int want, const char *what)
{
	int reason;
	CU_ASSERT_EQUAL(run_in(f, len, in, &reason, NULL, NULL), 0);
	CU_ASSERT_EQUAL(reason, want);
	if (reason != want)
		fprintf(stderr, "\n  %s: reason %d, want %d\n", what, reason, want);
}

static void
test_time_exceeded(void)
{
	uint8_t f[PKT_MAX], e[PKT_MAX];
	const uint8_t *client = mac_client.addr_bytes;

	/* TTL 1 and 0 to a VIP: the whole packet quoted; a large one cut to 576 bytes in all */
	static const struct {
		uint8_t ttl;
		uint16_t size;
		size_t quote;
	} cases[] = {{1, 60, 60}, {0, 60, 60}, {1, 1000, 548}};
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		size_t len = packet(f, 0, client, "10.10.0.99", 40000, "192.0.2.10", 80, IPPROTO_TCP, cases[i].ttl,
				    true, cases[i].size);
		size_t elen = icmp_frame(e, client, harness_port_mac.addr_bytes, harness_addr("10.10.0.1"), harness_addr("10.10.0.99"),
					 64, 11, 0, 0, f + 14, cases[i].quote);
		expect_frame(f, len, 0, e, elen, "time exceeded to the client");
	}
	/* a backend's reply with TTL 1: to the backend, from port 1's address */
	size_t len = packet(f, 1, mac_be11, "10.20.0.11", 8080, "10.10.0.99", 40000, IPPROTO_TCP, 1, true, 100);
	size_t elen = icmp_frame(e, mac_be11, mac_port1, harness_addr("10.20.0.1"), harness_addr("10.20.0.11"), 64, 11, 0, 0, f + 14,
				 100);
	expect_frame(f, len, 1, e, elen, "time exceeded to the backend");
	/* TTL 2 goes on */
	len = packet(f, 0, client, "10.10.0.99", 40000, "192.0.2.10", 80, IPPROTO_TCP, 2, true, 60);
	int reason;
	CU_ASSERT_EQUAL(run_in(f, len, 0, &reason, NULL, NULL), 1);
}

static void
test_fragmentation_needed(void)
{
	uint8_t f[PKT_MAX], e[PKT_MAX];
	const uint8_t *client = mac_client.addr_bytes;
	int reason;

	/* to a VIP whose out port (1) has mtu 1280: 1280 goes, 1281 with DF is answered */
	size_t len = packet(f, 0, client, "10.10.0.99", 40000, "192.0.2.10", 80, IPPROTO_TCP, 64, true, 1280);
	CU_ASSERT_EQUAL(run_in(f, len, 0, &reason, NULL, NULL), 1);
	len = packet(f, 0, client, "10.10.0.99", 40000, "192.0.2.10", 80, IPPROTO_TCP, 64, true, 1281);
	size_t elen = icmp_frame(e, client, harness_port_mac.addr_bytes, harness_addr("10.10.0.1"), harness_addr("10.10.0.99"), 64,
				 3, 4, 1280, f + 14, 548);
	expect_frame(f, len, 0, e, elen, "fragmentation needed to the client");
	/* without DF: dropped, not fragmented */
	len = packet(f, 0, client, "10.10.0.99", 40000, "192.0.2.10", 53, IPPROTO_UDP, 64, false, 1300);
	expect_drop(f, len, 0, LB_DROP_TOO_BIG, "UDP without DF");
	/* a backend's reply beyond port 0's mtu 1400: the backend is told */
	len = packet(f, 1, mac_be12, "10.20.0.12", 5353, "10.10.0.99", 40000, IPPROTO_UDP, 64, true, 1400);
	CU_ASSERT_EQUAL(run_in(f, len, 1, &reason, NULL, NULL), 1);
	len = packet(f, 1, mac_be12, "10.20.0.12", 5353, "10.10.0.99", 40000, IPPROTO_UDP, 64, true, 1401);
	elen = icmp_frame(e, mac_be12, mac_port1, harness_addr("10.20.0.1"), harness_addr("10.20.0.12"), 64, 3, 4, 1400, f + 14, 548);
	expect_frame(f, len, 1, e, elen, "fragmentation needed to the backend");
	len = packet(f, 1, mac_be12, "10.20.0.12", 5353, "10.10.0.99", 40000, IPPROTO_UDP, 64, false, 1401);
	expect_drop(f, len, 1, LB_DROP_TOO_BIG, "reply without DF");
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_no_address_and_rate(void)
{
	uint8_t f[PKT_MAX];
	const uint8_t *client = mac_client.addr_bytes;
	int reason;

	/* no address on the arrival port: nothing to send from */
	CU_ASSERT_EQUAL_FATAL(load(false, 1000, 1000), 0);
	size_t len = packet(f, 0, client, "10.10.0.99", 40000, "192.0.2.10", 80, IPPROTO_TCP, 1, true, 60);
	expect_drop(f, len, 0, LB_DROP_TTL_EXPIRED, "TTL 1, port without address");
	len = packet(f, 0, client, "10.10.0.99", 40000, "192.0.2.10", 80, IPPROTO_TCP, 64, true, 1300);
	expect_drop(f, len, 0, LB_DROP_TOO_BIG, "DF, port without address");

	/* icmp_rate 1 a second, burst 3: 3 at once, then one a second at most */
	CU_ASSERT_EQUAL_FATAL(load(true, 1, 3), 0);
	const double t0 = now_s();
	unsigned sent = 0, limited = 0;
	for (unsigned i = 0; i < 20; i++) {
		len = packet(f, 0, client, "10.10.0.99", (uint16_t)(40000 + i), "192.0.2.10", 80, IPPROTO_TCP, 1, true,
			     60);
		sent += run_in(f, len, 0, &reason, NULL, NULL);
		limited += reason == LB_DROP_ICMP_RATE;
	}
	const unsigned bound = 3 + (unsigned)(now_s() - t0 + 1);
	CU_ASSERT(sent >= 3 && sent <= bound);
	CU_ASSERT_EQUAL(sent + limited, 20);
	CU_ASSERT_EQUAL_FATAL(load(true, 1000, 1000), 0);
}

/* The backend's view of the client's UDP datagram to the dns VIP (after
 * lb_rewrite), and the VIP's view of it (before). */
static size_t
client_datagram(uint8_t *f, bool backend_view)
{
	return packet(f, 0, mac_client.addr_bytes, "10.10.0.99", 40000, backend_view ? "10.20.0.12" : "192.0.2.10",
		      backend_view ? 5353 : 53, IPPROTO_UDP, 63, true, 120);
}

static void
test_errors_from_backends(void)
{
	uint8_t f[PKT_MAX], e[PKT_MAX], q[PKT_MAX], vq[PKT_MAX];
	const size_t qlen = client_datagram(q, true) - 14;
	client_datagram(vq, false);
	/* the VIP's view has the backend's TTL: the quote is what the backend got */
	vq[14 + 8] = q[14 + 8];
	{
		struct pkt_view v;
		pkt_parse(vq, qlen + 14, &v);
		pkt_fix_cksums(&v);
	}
	const uint32_t be = harness_addr("10.20.0.12"), client = harness_addr("10.10.0.99"), vip = harness_addr("192.0.2.10");

	/* port unreachable, with the whole datagram and with 8 bytes of it */
	static const size_t quotes[] = {120, 28};
	for (unsigned k = 0; k < RTE_DIM(quotes); k++) {
		size_t len = icmp_frame(f, mac_port1, mac_be12, be, client, 64, 3, 3, 0, q + 14, quotes[k]);
		size_t elen = icmp_frame(e, mac_client.addr_bytes, harness_port_mac.addr_bytes, vip, client, 63, 3, 3, 0,
					 vq + 14, quotes[k]);
		expect_frame(f, len, 1, e, elen, "port unreachable to the client");
	}
	/* what a backend could not have sent */
	size_t len = icmp_frame(f, mac_port1, mac_be11, be, client, 64, 3, 3, 0, q + 14, 120);
	expect_drop(f, len, 1, LB_DROP_SPOOFED_BACKEND, "from another MAC");
	len = icmp_frame(f, harness_port_mac.addr_bytes, mac_be12, be, client, 64, 3, 3, 0, q + 14, 120);
	expect_drop(f, len, 0, LB_DROP_SPOOFED_BACKEND, "by the clients' port");
	len = icmp_frame(f, mac_port1, mac_be11, harness_addr("10.20.0.11"), client, 64, 3, 3, 0, q + 14, 120);
	expect_drop(f, len, 1, LB_DROP_ICMP_INNER, "about another backend's flow");
	len = icmp_frame(f, mac_port1, mac_be12, be, harness_addr("10.10.0.98"), 64, 3, 3, 0, q + 14, 120);
	expect_drop(f, len, 1, LB_DROP_ICMP_INNER, "to another client than the quote's");
	uint8_t bad[PKT_MAX];
	memcpy(bad, q, qlen + 14);
	bad[14 + 20 + 3] ^= 1; /* not the backend's port */
	len = icmp_frame(f, mac_port1, mac_be12, be, client, 64, 3, 3, 0, bad + 14, 120);
	expect_drop(f, len, 1, LB_DROP_ICMP_INNER, "about a port the backend does not serve");
	len = icmp_frame(f, mac_port1, mac_be12, be, client, 64, 3, 3, 0, q + 14, 24);
	expect_drop(f, len, 1, LB_DROP_ICMP_INNER, "a quote without its 8 L4 bytes");
	len = icmp_frame(f, mac_port1, mac_be12, be, client, 1, 3, 3, 0, q + 14, 120);
	expect_drop(f, len, 1, LB_DROP_TTL_EXPIRED, "TTL 1: no error about an error");
	len = icmp_frame(f, mac_port1, mac_be12, harness_addr("10.20.0.77"), client, 64, 3, 3, 0, q + 14, 120);
	expect_drop(f, len, 1, LB_DROP_NO_VIP, "from no backend");
	len = icmp_frame(f, mac_port1, mac_be12, be, harness_addr("127.0.0.1"), 64, 3, 3, 0, q + 14, 120);
	expect_drop(f, len, 1, LB_DROP_MARTIAN_DST, "to a martian address");
}

void
register_router_hop_tests(void)
{
	CU_pSuite s = CU_add_suite("router_hop", setup, teardown);
	CU_add_test(s, "time exceeded from the arrival port's address, byte-exact", test_time_exceeded);
	CU_add_test(s, "fragmentation needed for DF beyond the mtu; too_big without DF", test_fragmentation_needed);
	CU_add_test(s, "no address: dropped by reason; within icmp_rate", test_no_address_and_rate);
	CU_add_test(s, "a backend's error reaches its client as the VIP's, byte-exact", test_errors_from_backends);
}
