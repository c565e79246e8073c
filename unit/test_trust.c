/* The trust rules on a two-port set-up (clients on port 0, backends on
 * port 1), through the test graph: what a host on the wrong side, with the
 * wrong MAC or a spoofed source can make lb-graph forward, answer or send. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <rte_arp.h>
#include <rte_ring.h>

#include "control/lb_arp.h"
#include "control/lb_control.h"
#include "tools/pkt.h"
#include "unit/harness.h"
#include "unit/tests.h"

/* Port 0: clients; port 1: backends, a gateway to 10.30/16. */
#define TRUST_PORTS                                                                          \
	"[port.0]\ndev = net_null0\naddr = 10.10.0.1/24\n%s"                                 \
	"[port.1]\ndev = net_null1\naddr = 10.20.0.1/24\ngateway = 10.20.0.254\n%s"          \
	"[worker.1]\nrx = 0:0 1:0\n"                                                         \
	"[vip.web]\naddr = 192.0.2.10\nport = 80\nproto = tcp\nout_port = 1\n"               \
	"backend = 10.20.0.11:8080 02:00:00:00:00:11\n"                                      \
	"backend = 10.30.0.5:8080 02:00:00:00:00:fe weight=0\n"                              \
	"[vip.dns]\naddr = 192.0.2.10\nport = 53\nproto = udp\nout_port = 1\n"               \
	"backend = 10.20.0.12:5353 02:00:00:00:00:12\n"

static const uint8_t mac_be11[6] = {0x02, 0, 0, 0, 0, 0x11}, mac_be12[6] = {0x02, 0, 0, 0, 0, 0x12};
static const uint8_t mac_gw[6] = {0x02, 0, 0, 0, 0, 0xfe}, mac_other[6] = {0x02, 0x66, 0, 0, 0, 0x01};
static const uint8_t mac_port1[6] = {0x02, 0x70, 0x63, 0x61, 0x70, 0x01};
static struct lb_port_info ports[LB_MAX_PORTS];
static struct lb_config cfg;
static struct rte_mbuf *out[64];

/* The two ports; port 1 cannot send chained mbufs. */
static int
load(const char *port0_extra, const char *port1_extra)
{
	char text[2048];

	lb_config_free(&cfg);
	snprintf(text, sizeof(text), TRUST_PORTS, port0_extra, port1_extra);
	ports[0] = harness_ports[0];
	ports[1] = (struct lb_port_info){.defined = true, .port_id = 1, .tx_edge = harness_ports[0].tx_edge};
	memcpy(&ports[1].mac, mac_port1, 6);
	return harness_load_ports(text, &cfg, ports);
}

static int
setup(void)
{
	return load("", "");
}

static int
teardown(void)
{
	lb_config_free(&cfg); /* the next suite loads its own */
	return 0;
}

/* A frame from src_mac/src:sport to dst:dport, received on port `in`,
 * addressed to that port's MAC. */
static size_t
frame_of(uint8_t *f, uint16_t in, const uint8_t *src_mac, const char *src, uint16_t sport,
	 const char *dst, uint16_t dport, uint8_t proto)
{
	struct pkt_spec s = {.vlan = -1, .sport = sport, .dport = dport, .proto = proto, .ttl = 64,
			     .payload_len = 20};
	memcpy(s.dst_mac, ports[in].mac.addr_bytes, 6);
	memcpy(s.src_mac, src_mac, 6);
	inet_pton(AF_INET, src, &s.src);
	inet_pton(AF_INET, dst, &s.dst);
	return pkt_build(f, PKT_MAX, &s);
}

/* Run one frame in by port `in`: how many reached the sink; *reason is the
 * drop reason counted, or -1. */
static unsigned
run_in(const uint8_t *f, size_t len, uint16_t in, int *reason)
{
	const unsigned n = harness_run_frame(f, len, in, reason, out);
	harness_free_out(out, n);
	return n;
}

static int
verdict(uint16_t in, const uint8_t *src_mac, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	uint8_t proto)
{
	uint8_t f[PKT_MAX];
	int reason;
	size_t len = frame_of(f, in, src_mac, src, sport, dst, dport, proto);
	unsigned n = run_in(f, len, in, &reason);
	return n ? -1 : reason;
}

/* A backend's reply reaches lb_reverse only from the backends' side, from
 * the backend's MAC, towards a unicast, non-local address. (With no client
 * MAC known, one that passed ends as no_neighbor in lb_reverse.) */
static void
test_return_path_trust(void)
{
	const uint8_t T = IPPROTO_TCP;
	/* the relay: a backend's endpoint from the client side */
	CU_ASSERT_EQUAL(verdict(0, mac_be11, "10.20.0.11", 8080, "10.10.0.3", 40000, T), LB_DROP_SPOOFED_BACKEND);
	CU_ASSERT_EQUAL(verdict(0, mac_other, "10.20.0.11", 8080, "10.10.0.3", 40000, T), LB_DROP_SPOOFED_BACKEND);
	/* backend side, another host's MAC */
	CU_ASSERT_EQUAL(verdict(1, mac_other, "10.20.0.11", 8080, "10.10.0.3", 40000, T), LB_DROP_SPOOFED_BACKEND);
	/* the real one */
	CU_ASSERT_EQUAL(verdict(1, mac_be11, "10.20.0.11", 8080, "10.10.0.3", 40000, T), LB_DROP_NO_NEIGHBOR);
	/* destinations that are no client */
	static const char *const martians[] = {"10.10.0.255", "10.10.0.0", "10.20.0.255", "10.10.0.1", "10.20.0.1",
					       "192.0.2.10", "255.255.255.255", "224.0.0.5", "127.0.0.1", "0.1.2.3"};
	for (unsigned i = 0; i < RTE_DIM(martians); i++) {
		int v = verdict(1, mac_be11, "10.20.0.11", 8080, martians[i], 40000, T);
		CU_ASSERT_EQUAL(v, LB_DROP_MARTIAN_DST);
		if (v != LB_DROP_MARTIAN_DST)
			fprintf(stderr, "\n  reply to %s: reason %d\n", martians[i], v);
	}
	/* a backend may be a client of a VIP: its address is a destination */
	CU_ASSERT_EQUAL(verdict(1, mac_be11, "10.20.0.11", 8080, "10.20.0.12", 40000, T), LB_DROP_NO_NEIGHBOR);
	/* a routed backend: any router MAC by default ... */
	CU_ASSERT_EQUAL(verdict(1, mac_other, "10.30.0.5", 8080, "10.10.0.3", 40000, T), LB_DROP_NO_NEIGHBOR);
	CU_ASSERT_EQUAL(verdict(0, mac_gw, "10.30.0.5", 8080, "10.10.0.3", 40000, T), LB_DROP_SPOOFED_BACKEND);
	/* ... only the gateway's with check_gateway_mac = on */
	CU_ASSERT_EQUAL_FATAL(load("", "check_gateway_mac = on\n"), 0);
	CU_ASSERT_EQUAL(verdict(1, mac_other, "10.30.0.5", 8080, "10.10.0.3", 40000, T), LB_DROP_SPOOFED_BACKEND);
	CU_ASSERT_EQUAL(verdict(1, mac_gw, "10.30.0.5", 8080, "10.10.0.3", 40000, T), LB_DROP_NO_NEIGHBOR);
	CU_ASSERT_EQUAL_FATAL(load("", ""), 0);
}

/* VIP traffic: never from a local address or a backend endpoint; from a
 * backend's address only on its side with its MAC. */
static void
test_forward_path_trust(void)
{
	const uint8_t T = IPPROTO_TCP, U = IPPROTO_UDP;
	CU_ASSERT_EQUAL(verdict(0, mac_other, "10.10.0.7", 40000, "192.0.2.10", 80, T), -1); /* a client */
	CU_ASSERT_EQUAL(verdict(0, mac_other, "10.10.0.1", 40000, "192.0.2.10", 80, T), LB_DROP_MARTIAN_SRC);
	CU_ASSERT_EQUAL(verdict(1, mac_other, "10.20.0.1", 40000, "192.0.2.10", 80, T), LB_DROP_MARTIAN_SRC);
	CU_ASSERT_EQUAL(verdict(0, mac_other, "192.0.2.10", 40000, "192.0.2.10", 80, T), LB_DROP_MARTIAN_SRC);
	/* a backend's address from the client side, or its endpoint from anywhere */
	CU_ASSERT_EQUAL(verdict(0, mac_other, "10.20.0.12", 7, "192.0.2.10", 53, U), LB_DROP_SPOOFED_BACKEND);
	CU_ASSERT_EQUAL(verdict(0, mac_be12, "10.20.0.12", 40000, "192.0.2.10", 80, T), LB_DROP_SPOOFED_BACKEND);
	CU_ASSERT_EQUAL(verdict(1, mac_be12, "10.20.0.12", 5353, "192.0.2.10", 53, U), LB_DROP_SPOOFED_BACKEND);
	CU_ASSERT_EQUAL(verdict(1, mac_be11, "10.20.0.11", 8080, "192.0.2.10", 80, T), LB_DROP_SPOOFED_BACKEND);
	/* backend side, someone else's MAC */
	CU_ASSERT_EQUAL(verdict(1, mac_other, "10.20.0.12", 40000, "192.0.2.10", 80, T), LB_DROP_SPOOFED_BACKEND);
	/* the backend as a client of another VIP: its side, its MAC */
	CU_ASSERT_EQUAL(verdict(1, mac_be12, "10.20.0.12", 40000, "192.0.2.10", 80, T), -1);
	CU_ASSERT_EQUAL(verdict(1, mac_be11, "10.20.0.11", 40000, "192.0.2.10", 53, U), -1);
}

/* Only frames to the port's own MAC, unless dst_mac = any; group
 * addresses only for ARP; a port lb-graph does not have: nothing. */
static void
test_destination_mac(void)
{
	uint8_t f[PKT_MAX];
	int reason;
	size_t len = frame_of(f, 0, mac_other, "10.10.0.7", 40000, "192.0.2.10", 80, IPPROTO_TCP);

	CU_ASSERT_EQUAL(run_in(f, len, 0, &reason), 1);
	CU_ASSERT_EQUAL(run_in(f, len, 1, &reason), 0); /* port 1's MAC is another */
	CU_ASSERT_EQUAL(reason, LB_DROP_NOT_FOR_US);
	CU_ASSERT_EQUAL(run_in(f, len, 5, &reason), 0); /* no such port */
	CU_ASSERT_EQUAL(reason, LB_DROP_NOT_FOR_US);
	f[0] = 0x06; /* another unicast MAC */
	CU_ASSERT_EQUAL(run_in(f, len, 0, &reason), 0);
	CU_ASSERT_EQUAL(reason, LB_DROP_NOT_FOR_US);
	CU_ASSERT_EQUAL_FATAL(load("dst_mac = any\n", ""), 0);
	CU_ASSERT_EQUAL(run_in(f, len, 0, &reason), 1); /* a mirror's frame */
	memset(f, 0xff, 6);
	CU_ASSERT_EQUAL(run_in(f, len, 0, &reason), 0); /* broadcast: still not */
	CU_ASSERT_EQUAL(reason, LB_DROP_NOT_FOR_US);
	CU_ASSERT_EQUAL_FATAL(load("", ""), 0);
}

/* An ICMP echo request from src to dst, received on port 0. */
static size_t
echo_of(uint8_t *f, const char *src, const char *dst)
{
	memset(f, 0, 14 + 36);
	memcpy(f, ports[0].mac.addr_bytes, 6);
	memcpy(f + 6, mac_other, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14, *icmp = ip + 20;
	ip[0] = 0x45, ip[3] = 36, ip[8] = 64, ip[9] = IPPROTO_ICMP;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	icmp[0] = 8, icmp[5] = 7, icmp[7] = 1;
	uint16_t ck = ~pkt_fold(pkt_sum(ip, 20, 0));
	ip[10] = ck >> 8, ip[11] = ck & 0xff;
	ck = ~pkt_fold(pkt_sum(icmp, 16, 0));
	icmp[2] = ck >> 8, icmp[3] = ck & 0xff;
	return 14 + 36;
}

/* Echo replies: not to broadcast or local sources, at most icmp_burst at
 * once and icmp_rate a second. */
static void
test_icmp_not_a_reflector(void)
{
	uint8_t f[64];
	int reason;

	CU_ASSERT_EQUAL(run_in(f, echo_of(f, "10.10.0.7", "10.10.0.1"), 0, &reason), 1);
	static const char *const sources[] = {"10.10.0.255", "10.20.0.0", "10.10.0.1", "192.0.2.10", "255.255.255.255"};
	for (unsigned i = 0; i < RTE_DIM(sources); i++) {
		CU_ASSERT_EQUAL(run_in(f, echo_of(f, sources[i], "10.10.0.1"), 0, &reason), 0);
		CU_ASSERT_EQUAL(reason, LB_DROP_MARTIAN_SRC);
	}
	/* to a subnet broadcast: no local address */
	CU_ASSERT_EQUAL(run_in(f, echo_of(f, "10.10.0.7", "10.10.0.255"), 0, &reason), 0);
	CU_ASSERT_EQUAL(reason, LB_DROP_NO_VIP);

	/* 20 in one burst against a bucket of 5; then the next token comes
	 * no sooner than 1/10 s later (a lower bound: no machine is too fast) */
	CU_ASSERT_EQUAL_FATAL(load("icmp_rate = 10\nicmp_burst = 5\n", ""), 0);
	const uint64_t t0 = lb_arp_now_ms();
	struct rte_mbuf *in[20];
	struct lb_worker_counters before, after;
	for (unsigned i = 0; i < RTE_DIM(in); i++) {
		in[i] = harness_mbuf(f, echo_of(f, "10.10.0.7", "192.0.2.10"));
		in[i]->port = 0;
	}
	lb_counters_sum(&before);
	unsigned n = harness_run(in, RTE_DIM(in), out);
	lb_counters_sum(&after);
	harness_free_out(out, n);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_EQUAL(after.drops[LB_DROP_ICMP_RATE] - before.drops[LB_DROP_ICMP_RATE], 15);
	unsigned answered = 0;
	while (!answered && lb_arp_now_ms() - t0 < 5000) {
		answered = run_in(f, echo_of(f, "10.10.0.7", "192.0.2.10"), 0, &reason);
		if (!answered) {
			CU_ASSERT_EQUAL(reason, LB_DROP_ICMP_RATE);
			usleep(5000);
		}
	}
	const uint64_t waited = lb_arp_now_ms() - t0;
	CU_ASSERT(answered && waited >= 50); /* 100 ms, give or take the TSC frequency estimate */
	if (!answered || waited < 50)
		fprintf(stderr, "\n  next echo reply after %" PRIu64 " ms\n", waited);
	/* icmp_rate = 0: no replies at all */
	CU_ASSERT_EQUAL_FATAL(load("icmp_rate = 0\n", ""), 0);
	CU_ASSERT_EQUAL(run_in(f, echo_of(f, "10.10.0.7", "10.10.0.1"), 0, &reason), 0);
	CU_ASSERT_EQUAL(reason, LB_DROP_ICMP_RATE);
	CU_ASSERT_EQUAL_FATAL(load("", ""), 0);
}

/* A chain for a port without the multi-segment offload is dropped. */
static void
test_chain_to_single_segment_port(void)
{
	uint8_t f[PKT_MAX];
	struct lb_worker_counters before, after;
	size_t len = frame_of(f, 0, mac_other, "10.10.0.7", 40000, "192.0.2.10", 80, IPPROTO_TCP);
	struct rte_mbuf *m = harness_mbuf(f, 60), *tail = harness_mbuf(f + 60, len - 60);

	CU_ASSERT_FATAL(len > 60 && m && tail && rte_pktmbuf_chain(m, tail) == 0);
	m->port = 0;
	lb_counters_sum(&before);
	CU_ASSERT_EQUAL(harness_run(&m, 1, out), 0); /* the VIP's out port is port 1 */
	lb_counters_sum(&after);
	CU_ASSERT_EQUAL(after.drops[LB_DROP_TX_CHAINED] - before.drops[LB_DROP_TX_CHAINED], 1);
}

/* The ARP reply made from a chained request is one segment, and the
 * request's tail goes back to the pool. */
static void
test_arp_reply_from_chain(void)
{
	struct lb_config c;
	const struct rte_ether_addr client = {{0x02, 0xc1, 0, 0, 0, 0x07}};
	CU_ASSERT_EQUAL_FATAL(harness_load_live("[port.0]\ndev = net_null0\naddr = 10.10.0.1/24\n[worker.1]\nrx = 0:0\n"
						"[vip.web]\naddr = 192.0.2.10\nport = 80\nproto = tcp\nout_port = 0\n",
						&c), 0);
	const unsigned in_use = rte_mempool_in_use_count(harness_pool);

	struct rte_mbuf *m = harness_arp(RTE_ARP_OP_REQUEST, &client, "10.10.0.7", "10.10.0.1");
	struct rte_mbuf *tail = rte_pktmbuf_alloc(harness_pool);
	CU_ASSERT_FATAL(tail && rte_pktmbuf_append(tail, 18) && rte_pktmbuf_chain(m, tail) == 0);
	lb_arp_input(m, 1); /* no graph walk meanwhile: nothing else dequeues */
	struct rte_mbuf *reply = NULL;
	CU_ASSERT_EQUAL_FATAL(rte_ring_sc_dequeue(lb_dp.ctl_tx, (void **)&reply), 0);
	const char *why = NULL;
	CU_ASSERT_EQUAL(rte_mbuf_check(reply, 1, &why), 0);
	CU_ASSERT(reply->nb_segs == 1 && reply->next == NULL);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(reply), 42);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(harness_pool), in_use + 1); /* the reply only */
	rte_pktmbuf_free(reply);
	harness_unload_live(&c);
}

void
register_trust_tests(void)
{
	CU_pSuite s = CU_add_suite("trust", setup, teardown);
	CU_add_test(s, "return path: arrival port, source MAC, destination", test_return_path_trust);
	CU_add_test(s, "forward path: local and backend sources", test_forward_path_trust);
	CU_add_test(s, "destination MAC: own, any, group addresses", test_destination_mac);
	CU_add_test(s, "ICMP echo is not a reflector", test_icmp_not_a_reflector);
	CU_add_test(s, "chained mbuf to a single-segment port", test_chain_to_single_segment_port);
	CU_add_test(s, "ARP reply from a chained request", test_arp_reply_from_chain);
}
