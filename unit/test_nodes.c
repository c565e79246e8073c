/* The lb nodes' process functions, driven through a real rte_graph (see
 * harness.h): verdict per fixture, exact rewrite, checksums against a full
 * recomputation, drop switch, no backend, long mixed bursts, chained mbufs. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "control/lb_lookup_fill.h"
#include "nodes/lb_flow_hash.h"
#include "tools/fixtures.h"
#include "tools/pkt.h"
#include "unit/harness.h"
#include "unit/tests.h"

static struct lb_config cfg;
static struct rte_mbuf *out[HARNESS_MAX_PKTS];

static struct fixture_vip
vip_of(unsigned i)
{
	return fixture_vip_of(&cfg, i);
}

static int
setup(void)
{
	return harness_load(harness_default_ini, &cfg);
}

static int
teardown(void)
{
	lb_config_free(&cfg);
	return 0;
}

/* The backend lb-graph must pick for this frame, from the config alone. */
static const struct lb_cfg_backend *
expected_backend(const struct pkt_view *in, unsigned vip)
{
	const struct lb_cfg_vip *v = &cfg.vips[vip];
	struct lb_flow_key key;
	lb_flow_key_init(&key, cfg.flow_hash, cfg.hash_seed);
	uint32_t size, h = lb_flow_hash(&key, in->src, in->dst, htons(in->sport), htons(in->dport), in->proto);
	uint16_t *lut = lb_lookup_new(v, lb_config_seed32(&cfg), &size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lut);
	const struct lb_cfg_backend *be = &v->backends[lut[lb_lookup_slot(h, size)]];
	free(lut);
	return be;
}

static uint16_t
ones_diff(uint16_t a, uint16_t b)
{
	uint32_t s = a + (uint16_t)~b;
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/* Everything lb_rewrite must have done to `in` to give `m`. */
static void
check_forwarded(const uint8_t *in_frame, size_t in_len, struct rte_mbuf *m, unsigned vip,
		bool in_cksum_wrong)
{
	uint8_t in_copy[PKT_MAX], got[PKT_MAX];
	struct pkt_view in, o;

	memcpy(in_copy, in_frame, in_len);
	CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_pkt_len(m), in_len);
	memcpy(got, rte_pktmbuf_read(m, 0, in_len, got), in_len);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(in_copy, in_len, &in), 0);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(got, in_len, &o), 0);

	const struct lb_cfg_backend *be = expected_backend(&in, vip);
	CU_ASSERT_EQUAL(o.dst, be->addr);
	CU_ASSERT_EQUAL(o.dport, be->port);
	CU_ASSERT_EQUAL(o.src, in.src);
	CU_ASSERT_EQUAL(o.sport, in.sport);
	CU_ASSERT_EQUAL(o.ip[8], in.ip[8] - 1); /* TTL */
	CU_ASSERT(memcmp(got, be->mac.addr_bytes, 6) == 0);
	CU_ASSERT(memcmp(got + 6, harness_port_mac.addr_bytes, 6) == 0);
	CU_ASSERT(memcmp(got + 12, in_copy + 12, in.l3 - 12) == 0); /* VLAN tag, ethertype */
	CU_ASSERT(memcmp(o.ip + 20, in.ip + 20, o.l4 - o.l3 - 20) == 0); /* IP options */
	const size_t l4_hdr = in.proto == IPPROTO_TCP ? 20 : 8;
	CU_ASSERT(memcmp(got + in.l4 + l4_hdr, in_copy + in.l4 + l4_hdr, in_len - in.l4 - l4_hdr) == 0);
	CU_ASSERT_EQUAL(((o.ip[10] << 8) | o.ip[11]), pkt_ip_cksum(&o));
	if (in.proto == IPPROTO_UDP && in.l4_cksum == 0) {
		CU_ASSERT_EQUAL(o.l4_cksum, 0);
	} else if (!in_cksum_wrong) {
		CU_ASSERT_EQUAL(o.l4_cksum, pkt_l4_cksum(&o));
	} else { /* wrong by the same amount after the rewrite: never "fixed" */
		CU_ASSERT_EQUAL(ones_diff(o.l4_cksum, pkt_l4_cksum(&o)),
				ones_diff(in.l4_cksum, pkt_l4_cksum(&in)));
	}
}

/* Send one frame; returns the mbuf that reached the sink or NULL, and the
 * drop reason that counted it in *reason (-1 when none did). */
static struct rte_mbuf *
send_one(const uint8_t *frame, size_t len, int *reason)
{
	struct lb_worker_counters before, after;
	struct rte_mbuf *m = harness_mbuf(frame, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	lb_counters_sum(&before);
	unsigned n = harness_run(&m, 1, out);
	lb_counters_sum(&after);
	*reason = -1;
	for (int r = 0; r < LB_DROP_COUNT; r++)
		if (after.drops[r] != before.drops[r]) {
			CU_ASSERT_EQUAL(after.drops[r] - before.drops[r], 1);
			CU_ASSERT_EQUAL(*reason, -1); /* one reason only */
			*reason = r;
		}
	CU_ASSERT_EQUAL(after.rx - before.rx, 1);
	return n ? out[0] : NULL;
}

static void
test_fixture_table(void)
{
	uint8_t frame[PKT_MAX];

	CU_ASSERT(nb_fixtures >= 30);
	for (unsigned v = 0; v < cfg.nb_vips; v++) {
		struct fixture_vip fv = vip_of(v);
		for (unsigned i = 0; i < nb_fixtures; i++) {
			const struct fixture *fx = &fixtures[i];
			size_t len = fx->build(frame, sizeof(frame), &fv, 1000 + i);
			int reason;
			struct rte_mbuf *m = send_one(frame, len, &reason);

			if (fx->verdict == FIXTURE_FORWARD) {
				CU_ASSERT_PTR_NOT_NULL(m);
				CU_ASSERT_EQUAL(reason, -1);
				if (m) {
					check_forwarded(frame, len, m, v, false);
					rte_pktmbuf_free(m);
				}
			} else {
				CU_ASSERT_PTR_NULL(m);
				CU_ASSERT_EQUAL(reason, fx->verdict);
				if (reason != fx->verdict)
					fprintf(stderr, "\n  fixture %s on vip.%s: reason %d, want %d\n", fx->name,
						cfg.vips[v].name, reason, fx->verdict);
			}
		}
	}
}

/* 10,000 random frames: every checksum equals a full recomputation. */
static void
test_checksums_random(void)
{
	static uint8_t frames[1000][512];
	static size_t lens[1000];
	static unsigned vips[1000];
	struct rte_mbuf *in[1000];
	unsigned zero_udp = 0, odd = 0;

	srand(42);
	for (unsigned round = 0; round < 10; round++) {
		for (unsigned i = 0; i < 1000; i++) {
			struct pkt_spec s = {.vlan = rand() % 4 == 0 ? rand() % 4096 : -1};
			memcpy(s.dst_mac, harness_port_mac.addr_bytes, 6);
			uint8_t payload[200];
			vips[i] = rand() % cfg.nb_vips;
			s.src = htonl(0x0b000000u + (uint32_t)rand() % 0x1000000); /* 11/8 */
			s.dst = cfg.vips[vips[i]].addr;
			s.sport = 1 + rand() % 65535;
			s.dport = cfg.vips[vips[i]].port;
			s.proto = cfg.vips[vips[i]].proto;
			s.ttl = 2 + rand() % 254;
			s.udp_no_cksum = s.proto == IPPROTO_UDP && rand() % 5 == 0;
			s.payload_len = rand() % sizeof(payload);
			for (unsigned b = 0; b < s.payload_len; b++)
				payload[b] = rand();
			s.payload = payload;
			lens[i] = pkt_build(frames[i], sizeof(frames[i]), &s);
			zero_udp += s.udp_no_cksum;
			odd += s.payload_len & 1;
			in[i] = harness_mbuf(frames[i], lens[i]);
			CU_ASSERT_PTR_NOT_NULL_FATAL(in[i]);
		}
		unsigned n = harness_run(in, 1000, out);
		CU_ASSERT_EQUAL_FATAL(n, 1000);
		/* order is kept within one VIP's traffic; match on the flow */
		for (unsigned i = 0; i < n; i++) {
			struct pkt_view o;
			uint8_t buf[512];
			const uint8_t *p = rte_pktmbuf_read(out[i], 0, rte_pktmbuf_pkt_len(out[i]), buf);
			memcpy(buf, p, rte_pktmbuf_pkt_len(out[i]));
			CU_ASSERT_EQUAL_FATAL(pkt_parse(buf, rte_pktmbuf_pkt_len(out[i]), &o), 0);
			bool found = false;
			for (unsigned j = 0; j < 1000 && !found; j++) {
				struct pkt_view iv;
				uint8_t tmp[512];
				memcpy(tmp, frames[j], lens[j]);
				pkt_parse(tmp, lens[j], &iv);
				if (iv.src == o.src && iv.sport == o.sport && lens[j] == o.len) {
					check_forwarded(frames[j], lens[j], out[i], vips[j], false);
					found = true;
				}
			}
			CU_ASSERT(found);
		}
		harness_free_out(out, n);
	}
	CU_ASSERT(zero_udp > 100);
	CU_ASSERT(odd > 1000);
}

static void
test_wrong_cksum_stays_wrong(void)
{
	uint8_t frame[PKT_MAX];

	for (unsigned v = 0; v < cfg.nb_vips; v++) {
		struct fixture_vip fv = vip_of(v);
		size_t len = fixture_build_ok(frame, sizeof(frame), &fv, 77, 0);
		struct pkt_view in;
		pkt_parse(frame, len, &in);
		uint8_t *ck = in.l4p + (in.proto == IPPROTO_TCP ? 16 : 6);
		ck[0] ^= 0x12; /* wrong, and not 0 */
		int reason;
		struct rte_mbuf *m = send_one(frame, len, &reason);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		check_forwarded(frame, len, m, v, true);
		rte_pktmbuf_free(m);
	}
}

static void
test_same_flow_same_backend(void)
{
	uint8_t frame[PKT_MAX];
	struct fixture_vip fv = vip_of(0);
	uint32_t first_dst = 0;
	unsigned seen[3] = {0};

	for (uint16_t seq = 0; seq < 5; seq++) {
		int reason;
		size_t len = fixture_build_ok(frame, sizeof(frame), &fv, 4242, seq);
		struct rte_mbuf *m = send_one(frame, len, &reason);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		struct pkt_view o;
		pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), len, &o);
		if (seq == 0)
			first_dst = o.dst;
		CU_ASSERT_EQUAL(o.dst, first_dst);
		rte_pktmbuf_free(m);
	}
	/* and different flows reach every backend */
	for (uint32_t flow = 0; flow < 300; flow++) {
		int reason;
		size_t len = fixture_build_ok(frame, sizeof(frame), &fv, flow, 0);
		struct rte_mbuf *m = send_one(frame, len, &reason);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		struct pkt_view o;
		pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), len, &o);
		for (unsigned b = 0; b < 3; b++)
			seen[b] += o.dst == cfg.vips[0].backends[b].addr;
		rte_pktmbuf_free(m);
	}
	for (unsigned b = 0; b < 3; b++)
		CU_ASSERT(seen[b] > 60);
}

static void
test_drop_switch(void)
{
	uint8_t frame[PKT_MAX];
	struct fixture_vip fv = vip_of(1);
	size_t len = fixture_build_ok(frame, sizeof(frame), &fv, 5, 0);
	int reason;

	__atomic_store_n(&lb_dp.drop_all, true, __ATOMIC_RELEASE);
	CU_ASSERT_PTR_NULL(send_one(frame, len, &reason));
	CU_ASSERT_EQUAL(reason, LB_DROP_POLICY);
	/* non-VIP traffic keeps its own reason */
	len = fixture_find("other_dst")->build(frame, sizeof(frame), &fv, 6);
	CU_ASSERT_PTR_NULL(send_one(frame, len, &reason));
	CU_ASSERT_EQUAL(reason, LB_DROP_NO_VIP);
	__atomic_store_n(&lb_dp.drop_all, false, __ATOMIC_RELEASE);
	len = fixture_build_ok(frame, sizeof(frame), &fv, 5, 0);
	struct rte_mbuf *m = send_one(frame, len, &reason);
	CU_ASSERT_PTR_NOT_NULL(m);
	rte_pktmbuf_free(m);
}

static void
test_no_backend(void)
{
	static const char ini[] =
		"[port.0]\ndev = net_null0\n[worker.1]\nrx = 0:0\n"
		"[vip.empty]\naddr = 192.0.2.1\nport = 80\nproto = tcp\nout_port = 0\n";
	struct lb_config c2;
	uint8_t frame[PKT_MAX];
	int reason;

	CU_ASSERT_EQUAL_FATAL(harness_load(ini, &c2), 0);
	struct fixture_vip fv = {.addr = c2.vips[0].addr, .port = 80, .proto = IPPROTO_TCP};
	size_t len = fixture_build_ok(frame, sizeof(frame), &fv, 1, 0);
	CU_ASSERT_PTR_NULL(send_one(frame, len, &reason));
	CU_ASSERT_EQUAL(reason, LB_DROP_NO_BACKEND);
	lb_config_free(&c2);
	lb_config_free(&cfg);
	CU_ASSERT_EQUAL(harness_load(harness_default_ini, &cfg), 0);
}

/* 1,500 frames of every kind in one go (streams longer than a burst, mixed
 * edges): each ends exactly once, and no mbuf is lost. */
static void
test_mixed_burst_conservation(void)
{
	static struct rte_mbuf *in[1500];
	uint8_t frame[PKT_MAX];
	unsigned want_fwd = 0, want_drop[LB_DROP_COUNT] = {0};
	struct lb_worker_counters before, after;
	const unsigned in_use = rte_mempool_in_use_count(harness_pool);

	for (unsigned i = 0; i < RTE_DIM(in); i++) {
		const struct fixture *fx = &fixtures[(i * 7) % nb_fixtures];
		struct fixture_vip fv = vip_of(i % cfg.nb_vips);
		size_t len = fx->build(frame, sizeof(frame), &fv, i);
		in[i] = harness_mbuf(frame, len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(in[i]);
		if (fx->verdict == FIXTURE_FORWARD)
			want_fwd++;
		else
			want_drop[fx->verdict]++;
	}
	lb_counters_sum(&before);
	unsigned n = harness_run(in, RTE_DIM(in), out);
	lb_counters_sum(&after);
	CU_ASSERT_EQUAL(n, want_fwd);
	CU_ASSERT_EQUAL(after.forwarded - before.forwarded, want_fwd);
	for (unsigned r = 0; r < LB_DROP_COUNT; r++)
		CU_ASSERT_EQUAL(after.drops[r] - before.drops[r], want_drop[r]);
	harness_free_out(out, n);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(harness_pool), in_use);
}

/* The frames of one loop run: bytes in output order and drops by reason. */
struct loop_result {
	unsigned n;
	uint64_t drops[LB_DROP_COUNT];
	uint8_t (*bytes)[PKT_MAX];
	uint16_t *lens;
};

static void
run_loop(bool scalar, const struct fixture **fx, const unsigned *vip, unsigned count,
	 struct loop_result *r)
{
	static struct rte_mbuf *in[1500];
	uint8_t frame[PKT_MAX];
	struct lb_worker_counters before, after;

	for (unsigned i = 0; i < count; i++) {
		struct fixture_vip fv = vip_of(vip[i]);
		size_t len = fx[i]->build(frame, sizeof(frame), &fv, i);
		in[i] = harness_mbuf(frame, len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(in[i]);
	}
	harness_use_loop(scalar);
	lb_counters_sum(&before);
	r->n = harness_run(in, count, out);
	lb_counters_sum(&after);
	harness_use_loop(false);
	for (unsigned d = 0; d < LB_DROP_COUNT; d++)
		r->drops[d] = after.drops[d] - before.drops[d];
	for (unsigned i = 0; i < r->n; i++) {
		r->lens[i] = rte_pktmbuf_pkt_len(out[i]);
		CU_ASSERT_FATAL(r->lens[i] <= PKT_MAX);
		memcpy(r->bytes[i], rte_pktmbuf_read(out[i], 0, r->lens[i], r->bytes[i]), r->lens[i]);
	}
	harness_free_out(out, r->n);
}

/* node_loop = quad against the scalar reference: the same frames give the
 * same frames out, byte for byte and in order, and the same drops, for
 * stream lengths around the quad loop's edges (4 at a time, 8 ahead) and a
 * long mixed one. */
static void
test_scalar_and_quad_agree(void)
{
	static const struct fixture *fx[1500];
	static unsigned vip[1500];
	static uint8_t bytes[2][1500][PKT_MAX];
	static uint16_t lens[2][1500];
	const unsigned counts[] = {1, 3, 4, 11, 12, 13, 15, 255, 256, 257, 1500};
	const struct fixture *fwd[64];
	unsigned compared = 0, nb_fwd = 0;

	for (unsigned i = 0; i < nb_fixtures && nb_fwd < RTE_DIM(fwd); i++)
		if (fixtures[i].verdict == FIXTURE_FORWARD)
			fwd[nb_fwd++] = &fixtures[i];
	srand(7);
	for (unsigned c = 0; c < RTE_DIM(counts); c++) {
		for (unsigned i = 0; i < counts[c]; i++) {
			/* half of them forwarded kinds, the rest any kind */
			fx[i] = rand() % 2 ? fwd[rand() % nb_fwd] : &fixtures[rand() % nb_fixtures];
			vip[i] = rand() % cfg.nb_vips;
		}
		struct loop_result r[2] = {{.bytes = bytes[0], .lens = lens[0]},
					   {.bytes = bytes[1], .lens = lens[1]}};
		run_loop(true, fx, vip, counts[c], &r[0]);
		run_loop(false, fx, vip, counts[c], &r[1]);
		CU_ASSERT_EQUAL(r[0].n, r[1].n);
		CU_ASSERT(memcmp(r[0].drops, r[1].drops, sizeof(r[0].drops)) == 0);
		for (unsigned i = 0; i < RTE_MIN(r[0].n, r[1].n); i++) {
			CU_ASSERT_EQUAL(lens[0][i], lens[1][i]);
			CU_ASSERT(memcmp(bytes[0][i], bytes[1][i], lens[0][i]) == 0);
			compared++;
		}
	}
	CU_ASSERT(compared > 500); /* enough forwarded frames to mean something */
}

/* Headers in the first segment, payload in a second: forwarded, and the
 * total length is checked against the whole chain. Headers cut by the
 * segment boundary: truncated, never read past the segment. */
static void
test_chained_mbuf(void)
{
	uint8_t frame[PKT_MAX];
	struct fixture_vip fv = vip_of(1);
	struct lb_worker_counters before, after;

	for (unsigned split = 20; split <= 50; split += 30) {
		size_t len = fixture_build_ok(frame, sizeof(frame), &fv, 9, 0);
		struct rte_mbuf *a = harness_mbuf(frame, split);
		struct rte_mbuf *b = harness_mbuf(frame + split, len - split);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_chain(a, b), 0);
		lb_counters_sum(&before);
		unsigned n = harness_run(&a, 1, out);
		lb_counters_sum(&after);
		if (split < 14 + 20 + 8) {
			CU_ASSERT_EQUAL(n, 0);
			CU_ASSERT_EQUAL(after.drops[LB_DROP_TRUNCATED] - before.drops[LB_DROP_TRUNCATED], 1);
		} else {
			CU_ASSERT_EQUAL_FATAL(n, 1);
			check_forwarded(frame, len, out[0], 1, false);
			harness_free_out(out, n);
		}
	}
}

/* A UDP checksum that the rewrite turns into 0 must be sent as 0xffff
 * (0 means "no checksum"): find the payload word that makes it so. */
static void
test_cksum_zero_becomes_ffff(void)
{
	uint8_t frame[PKT_MAX], payload[16] = {0};
	struct pkt_spec s = {.vlan = -1, .sport = 4321, .dport = 53, .proto = IPPROTO_UDP, .ttl = 64,
			     .payload = payload, .payload_len = sizeof(payload)};
	struct pkt_view o;
	int reason;

	memcpy(s.dst_mac, harness_port_mac.addr_bytes, 6);
	s.src = htonl(0x0b000001);
	s.dst = cfg.vips[1].addr;
	size_t len = pkt_build(frame, sizeof(frame), &s);
	struct rte_mbuf *m = send_one(frame, len, &reason);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	uint8_t got[PKT_MAX];
	memcpy(got, rte_pktmbuf_mtod(m, uint8_t *), len);
	rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL_FATAL(pkt_parse(got, len, &o), 0);
	/* the output's sum without its checksum field; w completes it to 0xffff */
	const uint16_t ck_field = o.l4_cksum;
	o.l4p[6] = o.l4p[7] = 0;
	uint8_t pseudo[12];
	memcpy(pseudo, o.ip + 12, 8);
	pseudo[8] = 0, pseudo[9] = IPPROTO_UDP, pseudo[10] = 0, pseudo[11] = (uint8_t)(len - o.l4);
	const uint16_t sum = pkt_fold(pkt_sum(o.l4p, len - o.l4, pkt_sum(pseudo, 12, 0)));
	CU_ASSERT_EQUAL(ck_field, (uint16_t)~sum);
	const uint16_t w = 0xffff - sum;
	payload[0] = w >> 8, payload[1] = w & 0xff;
	len = pkt_build(frame, sizeof(frame), &s);
	m = send_one(frame, len, &reason);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), len, &o);
	CU_ASSERT_EQUAL(o.l4_cksum, 0xffff);
	check_forwarded(frame, len, m, 1, false);
	rte_pktmbuf_free(m);
}

/* A 9000-byte frame in one mbuf (the test pool's buffers are 10 KB), on
 * ports with mtu 9216. */
static void
test_jumbo(void)
{
	static char ini[2048];
	const char *port = strstr(harness_default_ini, "dev = net_null0\n") + strlen("dev = net_null0\n");
	snprintf(ini, sizeof(ini), "%.*smtu = 9216\n%s", (int)(port - harness_default_ini), harness_default_ini, port);
	lb_config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(harness_load(ini, &cfg), 0);

	static uint8_t frame[PKT_MAX], payload[8970];
	struct pkt_spec s = {.vlan = -1, .sport = 999, .dport = 53, .proto = IPPROTO_UDP, .ttl = 64,
			     .payload = payload, .payload_len = sizeof(payload)};
	int reason;

	memcpy(s.dst_mac, harness_port_mac.addr_bytes, 6);
	memset(payload, 0x5a, sizeof(payload));
	s.src = htonl(0x0b000002);
	s.dst = cfg.vips[1].addr;
	size_t len = pkt_build(frame, sizeof(frame), &s);
	CU_ASSERT_FATAL(len > 9000);
	struct rte_mbuf *m = send_one(frame, len, &reason);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	check_forwarded(frame, len, m, 1, false);
	rte_pktmbuf_free(m);
	/* at the default mtu (1500): too big, and without DF not fragmented */
	lb_config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(harness_load(harness_default_ini, &cfg), 0);
	CU_ASSERT_PTR_NULL(send_one(frame, len, &reason));
	CU_ASSERT_EQUAL(reason, LB_DROP_TOO_BIG);
}

void
register_node_tests(void)
{
	CU_pSuite s = CU_add_suite("nodes", setup, teardown);
	CU_add_test(s, "fixture table: verdict and exact rewrite", test_fixture_table);
	CU_add_test(s, "10,000 random frames: checksums = full recompute", test_checksums_random);
	CU_add_test(s, "wrong L4 checksum stays wrong by the same amount", test_wrong_cksum_stays_wrong);
	CU_add_test(s, "same flow, same backend; all backends used", test_same_flow_same_backend);
	CU_add_test(s, "global drop switch", test_drop_switch);
	CU_add_test(s, "VIP without backends", test_no_backend);
	CU_add_test(s, "mixed 1500-frame stream: conservation", test_mixed_burst_conservation);
	CU_add_test(s, "scalar and quad loops agree", test_scalar_and_quad_agree);
	CU_add_test(s, "chained mbufs", test_chained_mbuf);
	CU_add_test(s, "UDP checksum computed as 0 is sent as 0xffff", test_cksum_zero_becomes_ffff);
	CU_add_test(s, "9000-byte jumbo frame", test_jumbo);
}
