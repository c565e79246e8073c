/* Fragments through the test graph, on two ports (clients on port 0,
 * backends on port 1): a datagram's fragments, in order or not, all reach
 * the first's backend, byte-exact, and a backend's fragmented reply leaves
 * as the VIP's; overlapping, duplicate, tiny and oversize fragments are
 * dropped by reason; orphans are held within frag_hold, then time out. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rte_arp.h>
#include <rte_cycles.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"
#include "nodes/lb_frag_table.h"
#include "tools/pkt.h"
#include "unit/harness.h"
#include "unit/tests.h"

static const char ini[] =
	"[port.0]\ndev = net_null0\naddr = 10.10.0.1/24\n"
	"[port.1]\ndev = net_null1\naddr = 10.20.0.1/24\n"
	"[worker.1]\nrx = 0:0 1:0\n"
	"[vip.dns]\naddr = 192.0.2.10\nport = 53\nproto = udp\nout_port = 1\n"
	"backend = 10.20.0.12:5353 02:00:00:00:00:12\n"
	"[vip.web]\naddr = 192.0.2.10\nport = 80\nproto = tcp\nout_port = 1\n"
	"backend = 10.20.0.11:8080 02:00:00:00:00:11\n";

static const uint8_t mac_be12[6] = {0x02, 0, 0, 0, 0, 0x12};
static const struct rte_ether_addr mac_client = {{0x02, 0xc1, 0, 0, 0, 0x99}};
static const uint8_t mac_port1[6] = {0x02, 0x70, 0x63, 0x61, 0x70, 0x01};
static struct lb_port_info ports[LB_MAX_PORTS];
static struct lb_config cfg;
static struct rte_mbuf *out[256];

static int
setup(void)
{
	ports[0] = harness_ports[0];
	ports[1] = (struct lb_port_info){.defined = true, .port_id = 1, .tx_edge = harness_ports[0].tx_edge,
					 .multi_seg = true};
	memcpy(&ports[1].mac, mac_port1, 6);
	if (harness_load_ports(ini, &cfg, ports) < 0 || lb_arp_init(&cfg, ports, harness_pool, NULL) < 0)
		return -1;
	lb_control_init(&cfg, ports, NULL);
	lb_arp_input(harness_arp(RTE_ARP_OP_REQUEST, &mac_client, "10.10.0.99", "10.10.0.1"), 4);
	return 0;
}

static int
teardown(void)
{
	lb_control_stop();
	harness_rings_drain();
	lb_arp_fini();
	lb_config_free(&cfg);
	return 0;
}

/* A UDP datagram of `payload` bytes (or a TCP segment) as one IPv4 packet
 * into d (IPv4 header first), its length returned. */
static size_t
datagram(uint8_t *d, bool reply, uint8_t proto, uint16_t payload)
{
	uint8_t f[PKT_MAX];
	struct pkt_spec s = {.vlan = -1, .proto = proto, .ttl = 64, .payload_len = payload,
			     .sport = reply ? 5353 : 40000, .dport = reply ? 40000 : 53};
	s.src = harness_addr(reply ? "10.20.0.12" : "10.10.0.99");
	s.dst = harness_addr(reply ? "10.10.0.99" : "192.0.2.10");
	const size_t len = pkt_build(f, sizeof(f), &s) - 14;
	memcpy(d, f + 14, len);
	return len;
}

/* Fragment [off, off + len) of datagram d (IPv4 header first) as a frame
 * into port `in`: the datagram's header with MF and the offset, checksum
 * in full; mf as given. */
static size_t
fragment(uint8_t *f, uint16_t in, const uint8_t *d, size_t off, size_t len, bool mf)
{
	memcpy(f, ports[in].mac.addr_bytes, 6);
	memcpy(f + 6, in == 0 ? mac_client.addr_bytes : mac_be12, 6);
	f[12] = 0x08, f[13] = 0;
	uint8_t *ip = f + 14;
	memcpy(ip, d, 20);
	memcpy(ip + 20, d + 20 + off, len);
	const uint16_t tot = (uint16_t)(20 + len), field = (uint16_t)((mf ? 0x2000 : 0) | off / 8);
	ip[2] = tot >> 8, ip[3] = (uint8_t)tot, ip[6] = field >> 8, ip[7] = (uint8_t)field;
	ip[10] = ip[11] = 0;
	const uint16_t ck = (uint16_t)~pkt_fold(pkt_sum(ip, 20, 0));
	ip[10] = ck >> 8, ip[11] = (uint8_t)ck;
	return 14 + tot;
}

/* Run frames[0..n) in one graph run (keep: the fragment table as it is);
 * the drops by reason into drops[] (may be NULL). */
static unsigned
run(uint8_t (*frames)[2048], const size_t *lens, const uint16_t *in, unsigned n, bool keep, uint64_t *drops)
{
	struct lb_worker_counters before, after;
	struct rte_mbuf *m[256];
	for (unsigned i = 0; i < n; i++) {
		m[i] = harness_mbuf(frames[i], lens[i]);
		m[i]->port = in[i];
	}
	lb_counters_sum(&before);
	const unsigned got = keep ? harness_run_keep(m, n, out) : harness_run(m, n, out);
	lb_counters_sum(&after);
	if (drops)
		for (int r = 0; r < LB_DROP_COUNT; r++)
			drops[r] = after.drops[r] - before.drops[r];
	return got;
}

/* The UDP checksum over a datagram put back together from fragment
 * frames out[0..n) (IPv4 header of the first; payloads at their offsets):
 * 0xffff when right. */
static uint16_t
reassembled_cksum(unsigned n, size_t *total)
{
	static uint8_t d[65536];
	size_t end = 0;
	const uint8_t *first = NULL;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *ip = rte_pktmbuf_mtod(out[i], uint8_t *) + 14;
		const size_t off = (size_t)((ip[6] & 0x1f) << 8 | ip[7]) * 8, len = (size_t)(ip[2] << 8 | ip[3]) - 20;
		memcpy(d + off, ip + 20, len);
		end = RTE_MAX(end, off + len);
		if (off == 0)
			first = ip;
	}
	*total = end;
	if (!first)
		return 0;
	uint8_t pseudo[12] = {0};
	memcpy(pseudo, first + 12, 8);
	pseudo[9] = IPPROTO_UDP, pseudo[10] = (uint8_t)(end >> 8), pseudo[11] = (uint8_t)end;
	return pkt_fold(pkt_sum(d, end, pkt_sum(pseudo, 12, 0)));
}

/* What lb-graph should make of input fragment frame f: addresses (dst or
 * src) rewritten, TTL - 1, the IPv4 checksum in full, the MACs. */
static void
expected(uint8_t *e, const uint8_t *f, size_t len, bool reply)
{
	memcpy(e, f, len);
	uint8_t *ip = e + 14;
	const uint32_t a = harness_addr(reply ? "192.0.2.10" : "10.20.0.12");
	memcpy(ip + (reply ? 12 : 16), &a, 4);
	ip[8]--;
	ip[10] = ip[11] = 0;
	const uint16_t ck = (uint16_t)~pkt_fold(pkt_sum(ip, 20, 0));
	ip[10] = ck >> 8, ip[11] = (uint8_t)ck;
	memcpy(e, reply ? mac_client.addr_bytes : mac_be12, 6);
	memcpy(e + 6, reply ? harness_ports[0].mac.addr_bytes : mac_port1, 6);
}

static uint8_t frames[256][2048];
static size_t lens[256];
static uint16_t ins[256];

/* A 3000-byte datagram in three fragments (1480, 1480, 48 bytes), sent in
 * `order`: all three leave, later ones byte-exact, the whole right. */
static void
three(bool reply, const unsigned order[3], const char *what)
{
	uint8_t d[4096];
	const size_t dl = datagram(d, reply, IPPROTO_UDP, 3000), pl = dl - 20;
	const size_t off[3] = {0, 1480, 2960};
	uint8_t e[3][2048];
	size_t el[3];
	for (unsigned k = 0; k < 3; k++) {
		const unsigned i = order[k];
		lens[k] = fragment(frames[k], reply ? 1 : 0, d, off[i], RTE_MIN(pl - off[i], (size_t)1480), i < 2);
		ins[k] = reply ? 1 : 0;
		expected(e[i], frames[k], lens[k], reply);
		el[i] = lens[k];
	}
	uint64_t drops[LB_DROP_COUNT];
	const unsigned n = run(frames, lens, ins, 3, false, drops);
	CU_ASSERT_EQUAL(n, 3);
	if (n != 3) {
		fprintf(stderr, "\n  %s: %u out\n", what, n);
		for (int r = 0; r < LB_DROP_COUNT; r++)
			if (drops[r])
				fprintf(stderr, "  %s: %lu\n", lb_drop_reason_names[r], (unsigned long)drops[r]);
	}
	for (unsigned j = 0; j < n; j++) {
		const uint8_t *g = rte_pktmbuf_mtod(out[j], uint8_t *);
		const size_t foff = (size_t)((g[20] & 0x1f) << 8 | g[21]) * 8;
		const unsigned i = foff == 0 ? 0 : foff == 1480 ? 1 : 2;
		if (i == 0) { /* the first: the ports too; its checksum is the datagram's */
			CU_ASSERT_EQUAL(g[14 + 20 + (reply ? 0 : 2)], reply ? 0 : 5353 >> 8);
			CU_ASSERT_EQUAL(g[14 + 20 + (reply ? 1 : 3)], reply ? 53 : 5353 & 0xff);
			CU_ASSERT(memcmp(g, e[0], 34) == 0);
		} else {
			CU_ASSERT(rte_pktmbuf_pkt_len(out[j]) == el[i] && memcmp(g, e[i], el[i]) == 0);
		}
	}
	size_t total;
	CU_ASSERT_EQUAL(reassembled_cksum(n, &total), 0xffff);
	CU_ASSERT_EQUAL(total, pl);
	harness_free_out(out, n);
}

static void
test_in_order_and_not(void)
{
	static const unsigned orders[][3] = {{0, 1, 2}, {2, 1, 0}, {1, 0, 2}, {2, 0, 1}};
	for (unsigned o = 0; o < RTE_DIM(orders); o++) {
		three(false, orders[o], "to the VIP");
		three(true, orders[o], "a backend's reply");
	}
}

/* frames: the first fragment (1480 bytes) of a datagram, then `bad`. */
static int
verdict_after_first(uint16_t in, uint8_t proto, size_t off, size_t len, bool mf, bool first_twice)
{
	uint8_t d[4096];
	const size_t dl = datagram(d, in == 1, proto, 3000);
	(void)dl;
	unsigned n = 0;
	lens[n] = fragment(frames[n], in, d, 0, 1480, true), ins[n++] = in;
	if (first_twice)
		lens[n] = fragment(frames[n], in, d, 0, 1480, true), ins[n++] = in;
	lens[n] = fragment(frames[n], in, d, 1480, 1480, true), ins[n++] = in;
	lens[n] = fragment(frames[n], in, d, off, len, mf), ins[n++] = in;
	uint64_t drops[LB_DROP_COUNT];
	const unsigned got = run(frames, lens, ins, n, false, drops);
	harness_free_out(out, got);
	int reason = -1;
	for (int r = 0; r < LB_DROP_COUNT; r++)
		if (drops[r])
			reason = r;
	return got == n - 1 ? reason : -2;
}

static void
test_bad_fragments(void)
{
	/* overlapping the second, a duplicate of it, a second first */
	CU_ASSERT_EQUAL(verdict_after_first(0, IPPROTO_UDP, 2952, 48, false, false), LB_DROP_FRAG_OVERLAP);
	CU_ASSERT_EQUAL(verdict_after_first(0, IPPROTO_UDP, 1480, 1480, true, false), LB_DROP_FRAG_OVERLAP);
	CU_ASSERT_EQUAL(verdict_after_first(1, IPPROTO_UDP, 1480, 1480, true, false), LB_DROP_FRAG_OVERLAP);
	CU_ASSERT_EQUAL(verdict_after_first(0, IPPROTO_UDP, 2960, 48, false, true), LB_DROP_FRAG_OVERLAP);
	/* before the last, not a multiple of 8 */
	CU_ASSERT_EQUAL(verdict_after_first(0, IPPROTO_UDP, 2960, 44, true, false), LB_DROP_FRAG_TINY);
	/* beyond 65535 bytes */
	uint8_t d[4096];
	datagram(d, false, IPPROTO_UDP, 3000);
	uint64_t drops[LB_DROP_COUNT];
	lens[0] = fragment(frames[0], 0, d, 1480, 40, false), ins[0] = 0;
	{ /* at offset 65512: 20 + 65512 + 40 > 65535 */
		uint8_t *ip = frames[0] + 14;
		ip[6] = (65512 / 8) >> 8, ip[7] = (65512 / 8) & 0xff, ip[10] = ip[11] = 0;
		const uint16_t ck = (uint16_t)~pkt_fold(pkt_sum(ip, 20, 0));
		ip[10] = ck >> 8, ip[11] = (uint8_t)ck;
	}
	CU_ASSERT_EQUAL(run(frames, lens, ins, 1, false, drops), 0);
	CU_ASSERT_EQUAL(drops[LB_DROP_FRAG_TOO_LONG], 1);
	/* a first fragment without its whole header: TCP in 8 bytes */
	datagram(d, false, IPPROTO_TCP, 100);
	lens[0] = fragment(frames[0], 0, d, 0, 8, true);
	CU_ASSERT_EQUAL(run(frames, lens, ins, 1, false, drops), 0);
	CU_ASSERT_EQUAL(drops[LB_DROP_FRAG_TINY], 1);
	/* TCP at offset 8 (RFC 1858) */
	lens[0] = fragment(frames[0], 0, d, 8, 16, true);
	CU_ASSERT_EQUAL(run(frames, lens, ins, 1, false, drops), 0);
	CU_ASSERT_EQUAL(drops[LB_DROP_FRAG_TINY], 1);
}

static void
test_orphans_held_then_timeout(void)
{
	struct lb_frag_table *ft = lb_dp.frags[harness_graph_id()];
	uint8_t d[4096];
	uint64_t drops[LB_DROP_COUNT];
	datagram(d, false, IPPROTO_UDP, 3000);
	/* 100 later fragments of 100 datagrams never begun: 64 held, 36 orphans */
	for (unsigned i = 0; i < 100; i++) {
		d[4] = (uint8_t)(i >> 8), d[5] = (uint8_t)i; /* the IP id */
		lens[i] = fragment(frames[i], 0, d, 1480, 1480, true), ins[i] = 0;
	}
	CU_ASSERT_EQUAL(run(frames, lens, ins, 100, true, drops), 0);
	CU_ASSERT_EQUAL(drops[LB_DROP_FRAG_ORPHAN], 100 - ft->hold_max);
	CU_ASSERT_EQUAL(ft->nb_held, ft->hold_max);
	struct lb_worker_counters c;
	lb_counters_sum(&c);
	CU_ASSERT_EQUAL(c.frag_held, ft->hold_max);
	/* valid traffic goes on meanwhile */
	const unsigned order[3] = {0, 1, 2};
	three(false, order, "beside 64 held");
	/* held frag_timeout_ms, then dropped: an empty walk once the TSC is past it */
	const uint64_t timeout = ft->timeout;
	ft->timeout = rte_get_tsc_hz() / 1000;
	d[4] = 0xee, d[5] = 0xee;
	lens[0] = fragment(frames[0], 0, d, 1480, 1480, true);
	CU_ASSERT_EQUAL(run(frames, lens, ins, 1, true, drops), 0);
	CU_ASSERT_EQUAL(ft->nb_held, 1);
	const uint64_t until = ft->held[0].expire;
	while (rte_get_tsc_cycles() <= until)
		rte_pause();
	CU_ASSERT_EQUAL(run(frames, lens, ins, 0, true, drops), 0);
	CU_ASSERT_EQUAL(drops[LB_DROP_FRAG_TIMEOUT], 1);
	CU_ASSERT_EQUAL(ft->nb_held, 0);
	ft->timeout = timeout;
	lb_counters_sum(&c);
	CU_ASSERT_EQUAL(c.frag_held, 0);
}

/* Later fragments a burst before their first: held, then sent behind it. */
static void
test_first_in_a_later_burst(void)
{
	uint8_t d[4096];
	const size_t pl = datagram(d, false, IPPROTO_UDP, 3000) - 20;
	uint64_t drops[LB_DROP_COUNT];
	lens[0] = fragment(frames[0], 0, d, 2960, pl - 2960, false), ins[0] = 0;
	lens[1] = fragment(frames[1], 0, d, 1480, 1480, true), ins[1] = 0;
	CU_ASSERT_EQUAL(run(frames, lens, ins, 2, false, drops), 0); /* harness_run: dropped after */
	CU_ASSERT_EQUAL(drops[LB_DROP_FRAG_TIMEOUT], 2);
	CU_ASSERT_EQUAL(run(frames, lens, ins, 2, true, drops), 0);
	CU_ASSERT_EQUAL(lb_dp.frags[harness_graph_id()]->nb_held, 2);
	lens[0] = fragment(frames[0], 0, d, 0, 1480, true);
	const unsigned n = run(frames, lens, ins, 1, true, drops);
	CU_ASSERT_EQUAL(n, 3);
	size_t total;
	CU_ASSERT_EQUAL(reassembled_cksum(n, &total), 0xffff);
	CU_ASSERT_EQUAL(total, pl);
	harness_free_out(out, n);
	CU_ASSERT_EQUAL(lb_dp.frags[harness_graph_id()]->nb_held, 0);
}

void
register_fragment_tests(void)
{
	CU_pSuite s = CU_add_suite("fragments", setup, teardown);
	CU_add_test(s, "three fragments in any order reach the first's backend, and back as the VIP", test_in_order_and_not);
	CU_add_test(s, "later fragments held until their first comes in a later burst", test_first_in_a_later_burst);
	CU_add_test(s, "overlapping, duplicate, tiny and oversize fragments dropped by reason", test_bad_fragments);
	CU_add_test(s, "orphans: frag_hold held, the rest frag_orphan, then frag_timeout", test_orphans_held_then_timeout);
}
