/* The flow table: its entries (hit, miss, expiry, eviction order), and
 * through the test graph with the live control core, what backend changes
 * do to existing flows: drain and additions move none, a removal or a
 * health down moves that backend's only; both node loops alike. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include <rte_cycles.h>
#include <rte_random.h>

#include "control/lb_control.h"
#include "tools/pkt.h"
#include "unit/harness.h"
#include "unit/tests.h"

#define NB_FLOWS 300

static const char flow_ini[] =
	"[port.0]\ndev = net_null0\n[worker.1]\nrx = 0:0\n"
	"[vip.web]\naddr = 198.51.100.10\nport = 80\nproto = tcp\nout_port = 0\n"
	"backend = 10.0.0.1:8080 02:00:00:00:00:01\nbackend = 10.0.0.2:8080 02:00:00:00:00:02\n"
	"backend = 10.0.0.3:8080 02:00:00:00:00:03\nbackend = 10.0.0.4:8080 02:00:00:00:00:04\n";

static struct rte_mbuf *out[NB_FLOWS];

/* The entries alone, on a table of one bucket. */
static void
test_entries(void)
{
	struct lb_flow_bucket b;
	struct lb_flow_table ft = {.buckets = &b, .mask = 0, .shift = 63, .mult = 0, /* every key: bucket 0 */
				   .timeout = {[LB_FLOW_SYN] = 16, [LB_FLOW_EST] = 160, [LB_FLOW_FIN] = 16, [LB_FLOW_UDP] = 80}};
	memset(&b, 0, sizeof(b));
	/* miss, insert, hit */
	CU_ASSERT_PTR_NULL(lb_flow_find(&ft, &b, 11, 100));
	struct lb_flow_entry *e = lb_flow_victim(&ft, &b, 11, 100);
	*e = (struct lb_flow_entry){.key = 11, .backend = 1, .seen = lb_flow_seen(100, LB_FLOW_EST)};
	CU_ASSERT_PTR_EQUAL(lb_flow_find(&ft, &b, 11, 250), e);
	CU_ASSERT_EQUAL(ft.stats.used, 1);
	/* expiry by state: EST lives 160 ticks, SYN 16 */
	CU_ASSERT_PTR_NULL(lb_flow_find(&ft, &b, 11, 261));
	e->seen = lb_flow_seen(100, LB_FLOW_SYN);
	CU_ASSERT_PTR_NOT_NULL(lb_flow_find(&ft, &b, 11, 116));
	CU_ASSERT_PTR_NULL(lb_flow_find(&ft, &b, 11, 117));
	/* a full bucket: an expired entry goes first, then the oldest */
	for (unsigned w = 0; w < LB_FLOW_WAYS; w++)
		b.e[w] = (struct lb_flow_entry){.key = 20 + w, .seen = lb_flow_seen(1000 + w, LB_FLOW_EST)};
	b.e[2].seen = lb_flow_seen(1000, LB_FLOW_FIN); /* idle 50 ticks > 16 */
	CU_ASSERT_PTR_EQUAL(lb_flow_victim(&ft, &b, 99, 1050), &b.e[2]);
	CU_ASSERT_EQUAL(ft.stats.expired, 1);
	b.e[2].seen = lb_flow_seen(1040, LB_FLOW_EST);
	CU_ASSERT_PTR_EQUAL(lb_flow_victim(&ft, &b, 99, 1050), &b.e[0]); /* seen at 1000: the oldest */
	CU_ASSERT_EQUAL(ft.stats.evicted, 1);
	/* times wrap */
	const uint32_t top = (1u << LB_FLOW_TIME_BITS) - 1;
	b.e[1].seen = lb_flow_seen(top - 5, LB_FLOW_EST);
	CU_ASSERT_EQUAL(lb_flow_age(10, b.e[1].seen), 16);
}

static size_t
flow_frame(uint8_t *f, unsigned i, uint8_t flags)
{
	struct pkt_spec s = {.vlan = -1, .sport = 20000 + i, .dport = 80, .proto = IPPROTO_TCP, .ttl = 64,
			     .payload_len = 10, .tcp_flags = flags};
	memcpy(s.dst_mac, harness_port_mac.addr_bytes, 6);
	memcpy(s.src_mac, (uint8_t[]){0x02, 0xc1, 0, 0, 0, 1}, 6);
	s.src = htonl(0xc0a80000u + i / 200 * 256 + i % 200 + 1); /* 192.168.x.y */
	inet_pton(AF_INET, "198.51.100.10", &s.dst);
	return pkt_build(f, PKT_MAX, &s);
}

/* The backend (last byte of its address) of every flow, 0 when dropped. */
static void
run_flows(uint8_t *backend_of, uint8_t flags)
{
	struct rte_mbuf *in[NB_FLOWS];
	uint8_t f[PKT_MAX];
	for (unsigned i = 0; i < NB_FLOWS; i++) {
		in[i] = harness_mbuf(f, flow_frame(f, i, flags));
		in[i]->port = 0;
	}
	memset(backend_of, 0, NB_FLOWS);
	const unsigned n = harness_run(in, NB_FLOWS, out);
	for (unsigned k = 0; k < n; k++) {
		const uint8_t *p = rte_pktmbuf_mtod(out[k], const uint8_t *);
		const uint16_t sport = (uint16_t)(p[34] << 8 | p[35]);
		backend_of[sport - 20000] = p[14 + 19];
	}
	harness_free_out(out, n);
}

static unsigned
moved(const uint8_t *a, const uint8_t *b, int except)
{
	unsigned n = 0;
	for (unsigned i = 0; i < NB_FLOWS; i++)
		n += a[i] != b[i] && a[i] != except;
	return n;
}

static int
weight(const char *addr, uint32_t w)
{
	struct lb_control_result r;
	rte_be32_t a;
	inet_pton(AF_INET, addr, &a);
	return lb_control_backend_weight("web", a, 8080, w, &r);
}

static void
test_backend_changes(void)
{
	struct lb_config c;
	struct lb_control_result r;
	uint8_t before[NB_FLOWS], after[NB_FLOWS];
	rte_be32_t a;

	for (unsigned loop = 0; loop < 2; loop++) {
		harness_use_loop(loop == 1);
		/* 300 flows in 16384 buckets of 4: no bucket overflows (in 4096
		 * entries one in ~50 tables did, and evicted a flow) */
		CU_ASSERT_EQUAL_FATAL(harness_flow_tables(65536), 0);
		CU_ASSERT_EQUAL_FATAL(harness_load_live(flow_ini, &c), 0);
		run_flows(before, RTE_TCP_SYN_FLAG);
		unsigned on4 = 0;
		for (unsigned i = 0; i < NB_FLOWS; i++) {
			CU_ASSERT(before[i] >= 1 && before[i] <= 4);
			on4 += before[i] == 4;
		}
		CU_ASSERT(on4 > 20);
		const struct lb_flow_stats *st = &lb_dp.flows[harness_graph_id()]->stats;
		CU_ASSERT_EQUAL(st->inserts, NB_FLOWS);
		/* again: every one a hit, same backend */
		run_flows(after, RTE_TCP_ACK_FLAG);
		CU_ASSERT_EQUAL(moved(before, after, -1), 0);
		CU_ASSERT_EQUAL(st->hits, NB_FLOWS);
		/* drain 4, raise 1's weight, add a 5th: no flow moves */
		CU_ASSERT_EQUAL(weight("10.0.0.4", 0), 0);
		CU_ASSERT_EQUAL(weight("10.0.0.1", 5), 0);
		struct lb_cfg_backend nb = {.port = 8080, .weight = 1, .has_mac = true,
					    .mac = {{0x02, 0, 0, 0, 0, 0x05}}};
		inet_pton(AF_INET, "10.0.0.5", &nb.addr);
		CU_ASSERT_EQUAL(lb_control_backend_add("web", &nb, &r), 0);
		run_flows(after, RTE_TCP_ACK_FLAG);
		CU_ASSERT_EQUAL(moved(before, after, -1), 0);
		/* without the table (a new flow of the same shape) Maglev would have moved some */
		/* removal of 2: its flows reselect (never to 2), the others stay */
		inet_pton(AF_INET, "10.0.0.2", &a);
		CU_ASSERT_EQUAL(lb_control_backend_del("web", a, 8080, &r), 0);
		run_flows(after, RTE_TCP_ACK_FLAG);
		CU_ASSERT_EQUAL(moved(before, after, 2), 0);
		for (unsigned i = 0; i < NB_FLOWS; i++)
			CU_ASSERT(after[i] != 2 && after[i] != 0);
		memcpy(before, after, NB_FLOWS);
		/* health down of 3: its flows reselect, the others stay */
		inet_pton(AF_INET, "10.0.0.3", &a);
		CU_ASSERT_EQUAL(lb_control_backend_down("web", a, 8080, true, &r), 0);
		run_flows(after, RTE_TCP_ACK_FLAG);
		CU_ASSERT_EQUAL(moved(before, after, 3), 0);
		for (unsigned i = 0; i < NB_FLOWS; i++)
			CU_ASSERT(after[i] != 3);
		CU_ASSERT(st->stale > 0);
		harness_unload_live(&c);
		CU_ASSERT_EQUAL(harness_flow_tables(0), 0);
	}
	harness_use_loop(false);
}

/* Beyond flow_guard_rate new flows a second (burst: the rate), flows go by
 * Maglev alone: forwarded, not remembered, counted; what was in the table
 * stays. */
static void
test_flood_guard(void)
{
	struct lb_config c;
	uint8_t first[NB_FLOWS], again[NB_FLOWS];
	CU_ASSERT_EQUAL_FATAL(harness_flow_tables_guarded(4096, 50), 0);
	CU_ASSERT_EQUAL_FATAL(harness_load_live(flow_ini, &c), 0);
	const struct lb_flow_stats *st = &lb_dp.flows[harness_graph_id()]->stats;
	const uint64_t t0 = rte_get_tsc_cycles();
	run_flows(first, RTE_TCP_SYN_FLAG);
	const double secs = (double)(rte_get_tsc_cycles() - t0) / rte_get_tsc_hz();
	unsigned forwarded = 0;
	for (unsigned i = 0; i < NB_FLOWS; i++)
		forwarded += first[i] != 0;
	CU_ASSERT_EQUAL(forwarded, NB_FLOWS);
	/* 50 at once, and 50 a second of the time it took */
	CU_ASSERT(st->inserts >= 50 && st->inserts <= 51 + (uint64_t)(secs * 50));
	CU_ASSERT_EQUAL(st->inserts + st->guarded, NB_FLOWS);
	const uint64_t inserts = st->inserts;
	/* a drain: the remembered flows stay on the drained backend, the others follow Maglev */
	CU_ASSERT_EQUAL(weight("10.0.0.1", 0), 0);
	run_flows(again, RTE_TCP_ACK_FLAG);
	CU_ASSERT(st->hits >= inserts);
	harness_unload_live(&c);
	CU_ASSERT_EQUAL(harness_flow_tables(0), 0);
}

/* The worker answers the control side's question about one flow from its
 * own table (lb_flow_query, a source node: one graph walk). */
static void
test_query(void)
{
	struct lb_config c;
	uint8_t be[NB_FLOWS];
	CU_ASSERT_EQUAL_FATAL(harness_flow_tables(65536), 0);
	CU_ASSERT_EQUAL_FATAL(harness_load_live(flow_ini, &c), 0);
	run_flows(be, RTE_TCP_SYN_FLAG);
	struct lb_flow_mailbox *mb = &lb_dp.flows[harness_graph_id()]->mailbox;
	uint8_t f[PKT_MAX];
	flow_frame(f, 7, 0);
	uint32_t src;
	uint16_t sport;
	memcpy(&src, f + 26, 4);
	memcpy(&sport, f + 34, 2);
	for (unsigned known = 0; known < 2; known++) {
		mb->key = lb_flow_key(src, known ? sport : (uint16_t)(sport + 0x100), 0);
		__atomic_store_n(&mb->asked, mb->answered + 1, __ATOMIC_RELEASE);
		CU_ASSERT_EQUAL(harness_run(out, 0, out), 0); /* one walk, no frame */
		CU_ASSERT_EQUAL(mb->answered, mb->asked);
		CU_ASSERT_EQUAL(mb->found, known == 1);
	}
	/* flow 7's backend, named by its slot: 10.0.0.N holds slot N - 1 */
	CU_ASSERT_EQUAL(lb_flow_ref_slot(mb->backend) + 1, be[7]);
	CU_ASSERT_EQUAL(mb->state, LB_FLOW_SYN);
	harness_unload_live(&c);
	CU_ASSERT_EQUAL(harness_flow_tables(0), 0);
}

/* Every bit of the key picks the bucket: clients that differ only in their
 * address's last octet (the key's top byte) or only in their port spread
 * over the buckets (a bare multiply-shift was blind to the top byte, and
 * spread one-byte port differences over as few as 138 of 256 buckets). */
static void
test_buckets_spread(void)
{
	static struct lb_flow_bucket b[16384];
	struct lb_flow_table ft = {.buckets = b, .mask = 16383, .shift = 64 - 14};
	for (unsigned round = 0; round < 50; round++) {
		ft.mult = rte_rand();
		static uint8_t hit_a[16384], hit_p[16384];
		unsigned by_addr = 0, by_port = 0;
		memset(hit_a, 0, sizeof(hit_a));
		memset(hit_p, 0, sizeof(hit_p));
		for (uint32_t i = 0; i < 256; i++) {
			const size_t ba = lb_flow_bucket_of(&ft, lb_flow_key(0x0000a8c0u | i << 24, 0x5000, 0)) - b;
			const size_t bp = lb_flow_bucket_of(&ft, lb_flow_key(0x0100a8c0u, (uint16_t)(i << 8 | 0x4e), 0)) - b;
			by_addr += !hit_a[ba]++;
			by_port += !hit_p[bp]++;
		}
		CU_ASSERT(by_addr >= 240 && by_port >= 240); /* 256 keys in 16384 buckets: ~254 distinct */
	}
}

/* Both loops make the same choices from the same state. */
static void
test_loops_agree(void)
{
	struct lb_config c;
	uint8_t q[NB_FLOWS], s[NB_FLOWS];
	CU_ASSERT_EQUAL_FATAL(harness_flow_tables(65536), 0);
	CU_ASSERT_EQUAL_FATAL(harness_load_live(flow_ini, &c), 0);
	harness_use_loop(false);
	run_flows(q, RTE_TCP_SYN_FLAG);
	harness_use_loop(true);
	run_flows(s, RTE_TCP_SYN_FLAG);
	CU_ASSERT(memcmp(q, s, NB_FLOWS) == 0);
	CU_ASSERT_EQUAL(weight("10.0.0.1", 0), 0);
	harness_use_loop(false);
	run_flows(q, RTE_TCP_ACK_FLAG);
	harness_use_loop(true);
	run_flows(s, RTE_TCP_ACK_FLAG);
	CU_ASSERT(memcmp(q, s, NB_FLOWS) == 0);
	harness_use_loop(false);
	harness_unload_live(&c);
	CU_ASSERT_EQUAL(harness_flow_tables(0), 0);
}

void
register_flow_tests(void)
{
	CU_pSuite s = CU_add_suite("flow", NULL, NULL);
	CU_add_test(s, "entries: hit, miss, expiry by state, eviction order", test_entries);
	CU_add_test(s, "drain, weights, additions move no flow; removal and health down move their own", test_backend_changes);
	CU_add_test(s, "scalar and quad loops choose alike", test_loops_agree);
	CU_add_test(s, "flood guard: Maglev alone beyond the rate, nothing evicted", test_flood_guard);
	CU_add_test(s, "one flow asked of the worker that owns it", test_query);
	CU_add_test(s, "the bucket index uses every bit of the key", test_buckets_spread);
}
