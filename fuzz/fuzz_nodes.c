/* libFuzzer target: one input = one frame through the whole node chain
 * (test_src -> lb_classify -> lb_hash/lb_reverse/lb_icmp/lb_punt ->
 * lb_rewrite -> test_sink, or a drop node), as one mbuf or a chain of two.
 *
 * Input: byte 0 = flags (bit 0: split into two segments at byte 1's offset,
 * bit 1: global drop switch on, bit 2: node_loop = scalar, bit 3: the frame
 * goes to the ARP module (lb_arp_input, then a tick) instead, as a punted
 * frame would), then the frame.
 * The bytes before and after the frame in each segment are poisoned for
 * AddressSanitizer, so reading a byte outside the frame is a crash even
 * inside the mbuf's buffer. Frames start 8-byte aligned, as a PMD would put
 * them. After each input every counter must add up and every mbuf be back in
 * the pool. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_mbuf.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"
#include "nodes/lb_icmp_err.h"
#include "unit/harness.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#endif
#endif
#ifndef POISON
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static const char fuzz_ini[] =
	"[lb]\nhash_seed = 0x5eed\n"
	"[port.0]\ndev = net_null0\naddr = 10.20.0.1/24\ngateway = 10.20.0.254\nkernel = lbk0\n[worker.1]\nrx = 0:0\n"
	"[vip.web]\naddr = 198.51.100.10\nport = 80\nproto = tcp\nout_port = 0\ntable_size = 251\n"
	"backend = 10.20.0.11:8080\nbackend = 10.20.0.12:8080 02:00:00:00:00:12 weight=3\n"
	"[vip.dns]\naddr = 198.51.100.20\nport = 53\nproto = udp\nout_port = 0\nhash = modulo\n"
	"backend = 10.20.0.13:5353 02:00:00:00:00:13\n"
	"[vip.empty]\naddr = 198.51.100.30\nport = 443\nproto = tcp\nout_port = 0\n";

static struct lb_config cfg;
static unsigned in_use_start;
#define FUZZ_TAP 5

/* The reply to the request the first tick sent (a backend, the gateway). */
static void
learn(const char *sip, uint8_t last)
{
	const struct rte_ether_addr mac = {{0x02, 0xaa, 0, 0, 0, last}};
	lb_arp_input(harness_arp(RTE_ARP_OP_REPLY, &mac, sip, "10.20.0.1"), 2);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* port 0 has a kernel interface: ethdev 5, whose TX leads to the sink too */
	if (harness_init() < 0)
		goto fail;
	harness_ports[0].has_kernel = true;
	harness_ports[0].kernel_port_id = FUZZ_TAP;
	harness_ports[0].kernel_tx_edge = harness_ports[0].tx_edge;
	/* the flow table on (every VIP has affinity = flow): small, so inputs evict */
	if (harness_flow_tables(1024) < 0 || harness_load_live(fuzz_ini, &cfg) < 0) {
fail:
		fprintf(stderr, "lb-fuzz: set-up failed\n");
		exit(1);
	}
	/* a resolved backend, the gateway and a client: every path can forward */
	lb_arp_tick(1);
	learn("10.20.0.11", 0x11);
	learn("10.20.0.254", 0xfe);
	const struct rte_ether_addr client = {{0x02, 0xaa, 0, 0, 0, 0x99}};
	lb_arp_input(harness_arp(RTE_ARP_OP_REQUEST, &client, "10.20.0.99", "10.20.0.1"), 3);
	lb_arp_tick(4);
	harness_rings_drain(); /* the requests and replies that made */
	in_use_start = rte_mempool_in_use_count(harness_pool);
	return 0;
}

static struct rte_mbuf *
segment(const uint8_t *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(harness_pool);
	if (!m)
		abort();
	/* As close to the buffer's end as an 8-byte aligned start allows (PMDs
	 * align frames too); every byte before and after the frame poisoned,
	 * but for the room an ICMP error's new headers take in front of it. */
	m->data_off = (m->buf_len - len) & ~7u;
	m->data_len = m->pkt_len = len;
	m->port = 0; /* received on the harness's port */
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), data, len);
	POISON(m->buf_addr, m->data_off - LB_ICMP_ERR_HDRS); /* lb_icmp_error writes its headers there */
	POISON((uint8_t *)m->buf_addr + m->data_off + len, m->buf_len - m->data_off - len);
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rte_mbuf *out[4];
	struct lb_worker_counters before, after;
	struct rte_mbuf *segs[2] = {NULL, NULL}, *m;

	if (size < 2 || size > 9001)
		return 0;
	const uint8_t flags = data[0];
	data++, size--;
	__atomic_store_n(&lb_dp.drop_all, (flags & 2) != 0, __ATOMIC_RELEASE);
	harness_use_loop((flags & 4) != 0); /* node_loop: the graph of that loop */
	if ((flags & 1) && size > 1) {
		size_t split = 1 + data[0] % (size - 1);
		segs[0] = segment(data, split);
		segs[1] = segment(data + split, size - split);
		rte_pktmbuf_chain(segs[0], segs[1]);
	} else {
		segs[0] = segment(data, size);
	}
	m = segs[0];

	if (flags & 8) { /* the ARP module: it consumes the frame, whatever it is */
		static uint64_t now_ms = 100;
		lb_arp_input(m, now_ms);
		now_ms += 37;
		lb_arp_tick(now_ms);
		for (unsigned i = 0; i < 2; i++)
			if (segs[i])
				UNPOISON(segs[i]->buf_addr, segs[i]->buf_len);
		harness_rings_drain(); /* what it queued to send */
		if (rte_mempool_in_use_count(harness_pool) != in_use_start) {
			fprintf(stderr, "lb-fuzz: mbuf leaked by the ARP module\n");
			abort();
		}
		return 0;
	}
	/* flag 16: what port 0's kernel interface sent (lb_from_kernel) */
	before = lb_counters[harness_graph_id()];
	if (flags & 16)
		m->port = FUZZ_TAP;
	unsigned n = (flags & 16) ? harness_run_from_kernel(&m, 1, out) : harness_run(&m, 1, out);
	after = lb_counters[harness_graph_id()];
	for (unsigned i = 0; i < 2; i++)
		if (segs[i])
			UNPOISON(segs[i]->buf_addr, segs[i]->buf_len);

	uint64_t drops = 0;
	for (unsigned r = 0; r < LB_DROP_COUNT; r++)
		drops += after.drops[r] - before.drops[r];
	const uint64_t in = (after.rx - before.rx) + (after.from_kernel - before.from_kernel);
	if (in != 1 || n != after.forwarded - before.forwarded || n + drops + (after.punted - before.punted) != 1) {
		fprintf(stderr, "lb-fuzz: the frame did not end exactly once\n");
		abort();
	}
	harness_free_out(out, n);
	if (harness_rings_drain() != after.punted - before.punted) {
		fprintf(stderr, "lb-fuzz: a punted frame is not in the control plane's ring\n");
		abort();
	}
	if (rte_mempool_in_use_count(harness_pool) != in_use_start) {
		fprintf(stderr, "lb-fuzz: mbuf leaked\n");
		abort();
	}
	return 0;
}
