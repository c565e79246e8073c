/* The kernel interface's rules in lb_classify, lb_to_kernel and
 * lb_from_kernel, through the test graph: two ports with a kernel
 * interface each (clients on port 0, backends on port 1); their taps are
 * ethdev ids 5 and 6 here, and every port's TX edge leads to the sink. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "control/lb_tables_build.h"
#include "tools/pkt.h"
#include "unit/harness.h"
#include "unit/tests.h"

#define KERNEL_PORTS                                                                         \
	"[port.0]\ndev = net_null0\naddr = 10.10.0.1/24\nkernel = lbk0\nkernel_rate = 1\nkernel_burst = 5\n" \
	"[port.1]\ndev = net_null1\naddr = 10.20.0.1/24\nkernel = lbk1\n"                    \
	"[worker.1]\nrx = 0:0 1:0\n"                                                         \
	"[vip.web]\naddr = 192.0.2.10\nport = 80\nproto = tcp\nout_port = 1\n"               \
	"backend = 10.20.0.11:8080 02:00:00:00:00:11\n"

#define TAP0 5
#define TAP1 6
static const uint8_t mac_client[6] = {0x02, 0xc1, 0, 0, 0, 0x01}, mac_be11[6] = {0x02, 0, 0, 0, 0, 0x11};
static const uint8_t mac_port1[6] = {0x02, 0x70, 0x63, 0x61, 0x70, 0x01};
static struct lb_port_info ports[LB_MAX_PORTS];
static struct lb_config cfg;
static struct rte_mbuf *out[64];

/* The tables of text, published. */
static int
publish(const char *text, struct lb_config *c)
{
	char err[256];
	if (harness_config(text, strlen(text), c, stderr) < 0)
		return -1;
	struct lb_tables *t = lb_tables_build(c, ports, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	lb_tables_publish(t, NULL);
	return 0;
}

static int
setup(void)
{
	ports[0] = harness_ports[0];
	ports[1] = (struct lb_port_info){.defined = true, .port_id = 1, .tx_edge = harness_ports[0].tx_edge};
	memcpy(&ports[1].mac, mac_port1, 6);
	for (unsigned p = 0; p < 2; p++) {
		ports[p].has_kernel = true;
		ports[p].kernel_port_id = p ? TAP1 : TAP0;
		ports[p].kernel_tx_edge = harness_ports[0].tx_edge;
	}
	return publish(KERNEL_PORTS, &cfg);
}

static int
teardown(void)
{
	lb_config_free(&cfg);
	return 0;
}

static size_t
frame(uint8_t *f, uint16_t in, const uint8_t *src_mac, const char *src, uint16_t sport, const char *dst,
      uint16_t dport, uint8_t proto)
{
	struct pkt_spec s = {.vlan = -1, .sport = sport, .dport = dport, .proto = proto, .ttl = 64, .payload_len = 20};
	memcpy(s.dst_mac, ports[in].mac.addr_bytes, 6);
	memcpy(s.src_mac, src_mac, 6);
	inet_pton(AF_INET, src, &s.src);
	inet_pton(AF_INET, dst, &s.dst);
	return pkt_build(f, PKT_MAX, &s);
}

/* What became of one frame in by port `in`: 'K' to the kernel, 'F'
 * forwarded elsewhere, or the drop reason. */
static int
fate(const uint8_t *f, size_t len, uint16_t in)
{
	struct lb_worker_counters before, after;
	struct rte_mbuf *m = harness_mbuf(f, len);
	m->port = in;
	lb_counters_sum(&before);
	const unsigned n = harness_run(&m, 1, out);
	lb_counters_sum(&after);
	harness_free_out(out, n);
	if (n)
		return after.to_kernel - before.to_kernel == 1 ? 'K' : 'F';
	for (int r = 0; r < LB_DROP_COUNT; r++)
		if (after.drops[r] != before.drops[r])
			return r;
	return -1;
}

static int
fate_of(uint16_t in, const uint8_t *mac, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	uint8_t proto)
{
	uint8_t f[PKT_MAX];
	return fate(f, frame(f, in, mac, src, sport, dst, dport, proto), in);
}

/* An ICMP message of type/code from src to dst, in by port `in`. */
static int
icmp_fate(uint16_t in, const char *src, const char *dst, uint8_t type)
{
	uint8_t f[PKT_MAX];
	size_t len = frame(f, in, mac_client, src, 0, dst, 0, IPPROTO_UDP);
	f[14 + 9] = IPPROTO_ICMP;
	f[14 + 10] = f[14 + 11] = 0;
	const uint16_t ck = pkt_fold(pkt_sum(f + 14, 20, 0));
	f[14 + 10] = (uint8_t)(~ck >> 8);
	f[14 + 11] = (uint8_t)~ck;
	memset(f + 34, 0, 8);
	f[34] = type;
	return fate(f, len, in);
}

static void
test_to_kernel(void)
{
	const uint8_t T = IPPROTO_TCP, U = IPPROTO_UDP;
	CU_ASSERT_EQUAL(fate_of(0, mac_client, "10.10.0.3", 40000, "10.10.0.1", 22, T), 'K');
	CU_ASSERT_EQUAL(fate_of(1, mac_be11, "10.20.0.5", 179, "10.20.0.1", 40001, T), 'K');
	CU_ASSERT_EQUAL(fate_of(1, mac_be11, "10.20.0.5", 53, "10.20.0.1", 40002, U), 'K');
	/* a backend's endpoint writing to the host: the host's, not a reply to a client */
	CU_ASSERT_EQUAL(fate_of(1, mac_be11, "10.20.0.11", 8080, "10.20.0.1", 40003, T), 'K');
	/* and to a client it is the return path (no client MAC known here) */
	CU_ASSERT_EQUAL(fate_of(1, mac_be11, "10.20.0.11", 8080, "10.10.0.3", 40003, T), LB_DROP_NO_NEIGHBOR);
	/* VIP traffic is not the kernel's */
	CU_ASSERT_EQUAL(fate_of(0, mac_client, "10.10.0.3", 40004, "192.0.2.10", 80, T), 'F');
	/* ICMP: echo is lb-graph's, the rest (errors about the host's own connections) the kernel's */
	CU_ASSERT_EQUAL(icmp_fate(1, "10.20.0.5", "10.20.0.1", 3), 'K');
	CU_ASSERT_EQUAL(icmp_fate(1, "10.20.0.5", "10.20.0.1", 8), 'F');
	CU_ASSERT_EQUAL(icmp_fate(1, "10.20.0.5", "10.20.0.9", 3), LB_DROP_NO_VIP);
}

static void
test_kernel_trust(void)
{
	const uint8_t T = IPPROTO_TCP;
	/* a port's address is reached by that port only */
	CU_ASSERT_EQUAL(fate_of(0, mac_client, "10.10.0.3", 40000, "10.20.0.1", 22, T), LB_DROP_WRONG_PORT);
	CU_ASSERT_EQUAL(fate_of(1, mac_be11, "10.20.0.5", 40000, "10.10.0.1", 22, T), LB_DROP_WRONG_PORT);
	CU_ASSERT_EQUAL(icmp_fate(0, "10.10.0.3", "10.20.0.1", 3), LB_DROP_WRONG_PORT);
	/* no martian or local sources for the host either */
	static const char *const martians[] = {"127.0.0.1", "0.0.0.1", "224.0.0.5", "192.0.2.10", "10.20.0.1"};
	for (unsigned i = 0; i < RTE_DIM(martians); i++)
		CU_ASSERT_EQUAL(fate_of(0, mac_client, martians[i], 40000, "10.10.0.1", 22, T), LB_DROP_MARTIAN_SRC);
	CU_ASSERT_EQUAL(icmp_fate(0, "127.0.0.1", "10.10.0.1", 3), LB_DROP_MARTIAN_SRC);
}

/* kernel_burst = 7 at kernel_rate = 1/s (a new burst: a full bucket): 20
 * at once let 7 through (8 when a second passes meanwhile); the rest is
 * counted. */
static void
test_kernel_rate(void)
{
	struct rte_mbuf *in[20];
	uint8_t f[PKT_MAX];
	struct lb_worker_counters before, after;
	struct lb_config c;
	char text[sizeof(KERNEL_PORTS) + 8];
	snprintf(text, sizeof(text), "%s", KERNEL_PORTS);
	char *burst = strstr(text, "kernel_burst = 5");
	CU_ASSERT_PTR_NOT_NULL_FATAL(burst);
	burst[strlen("kernel_burst = ")] = '7';
	CU_ASSERT_EQUAL_FATAL(publish(text, &c), 0);
	size_t len = frame(f, 0, mac_client, "10.10.0.3", 41000, "10.10.0.1", 9, IPPROTO_UDP);

	lb_counters_sum(&before);
	for (unsigned i = 0; i < RTE_DIM(in); i++) {
		in[i] = harness_mbuf(f, len);
		in[i]->port = 0;
	}
	const unsigned n = harness_run(in, RTE_DIM(in), out);
	harness_free_out(out, n);
	lb_counters_sum(&after);
	const uint64_t passed = after.to_kernel - before.to_kernel;
	CU_ASSERT(passed >= 7 && passed <= 8);
	CU_ASSERT_EQUAL(n, passed);
	CU_ASSERT_EQUAL(after.drops[LB_DROP_KERNEL_RATE] - before.drops[LB_DROP_KERNEL_RATE], 20 - passed);
	lb_config_free(&c);
	CU_ASSERT_EQUAL(publish(KERNEL_PORTS, &c), 0); /* the suite's tables again */
	lb_config_free(&c);
}

/* What a tap delivers leaves its port whole; from an id that is no tap,
 * nothing leaves. */
static void
test_from_kernel(void)
{
	uint8_t f[PKT_MAX];
	struct lb_worker_counters before, after;
	size_t len = frame(f, 0, mac_client, "10.10.0.1", 22, "10.10.0.3", 40000, IPPROTO_TCP);
	struct rte_mbuf *m[2] = {harness_mbuf(f, len), harness_mbuf(f, len)};
	m[0]->port = TAP0;
	m[1]->port = 1; /* a data port, not a tap */

	lb_counters_sum(&before);
	const unsigned n = harness_run_from_kernel(m, 2, out);
	lb_counters_sum(&after);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(out[0]), len);
	CU_ASSERT(memcmp(rte_pktmbuf_mtod(out[0], uint8_t *), f, len) == 0);
	CU_ASSERT_EQUAL(after.from_kernel - before.from_kernel, 2);
	CU_ASSERT_EQUAL(after.forwarded - before.forwarded, 1);
	CU_ASSERT_EQUAL(after.drops[LB_DROP_NO_ROUTE] - before.drops[LB_DROP_NO_ROUTE], 1);
	harness_free_out(out, n);
}

static void
test_kernel_config(void)
{
	static const char bad_name[] = "[port.0]\ndev = net_null0\naddr = 10.0.0.1/24\nkernel = a/b\n";
	static const char no_addr[] = "[port.0]\ndev = net_null0\nkernel = lbk0\n";
	static const char twice[] = "[port.0]\ndev = net_null0\naddr = 10.0.0.1/24\nkernel = k\n"
				    "[port.1]\ndev = net_null1\naddr = 10.1.0.1/24\nkernel = k\n[worker.1]\nrx = 0:0 1:0\n"
				    "[vip.v]\naddr = 192.0.2.1\nport = 53\nproto = udp\nout_port = 0\n";
	char *msg = NULL;
	size_t size = 0;
	struct lb_config c;
	FILE *err = open_memstream(&msg, &size);
	CU_ASSERT_EQUAL(harness_config(bad_name, strlen(bad_name), &c, err), -1);
	CU_ASSERT_EQUAL(harness_config(no_addr, strlen(no_addr), &c, err), -1);
	CU_ASSERT_EQUAL(harness_config(twice, strlen(twice), &c, err), -1);
	fclose(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unit.ini:4: key 'kernel': expected an interface name"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unit.ini:3: key 'kernel': needs the port's own addr"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unit.ini:8: key 'kernel': port.0 has that interface already"));
	free(msg);
	/* written back and read again alike */
	CU_ASSERT_EQUAL(cfg.ports[0].kernel_rate, 1);
	CU_ASSERT_EQUAL(cfg.ports[1].kernel_rate, LB_DEFAULT_KERNEL_RATE);
	char *dump = NULL;
	FILE *f = open_memstream(&dump, &size);
	lb_config_write(f, &cfg);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(harness_config(dump, size, &c, stderr), 0);
	CU_ASSERT_STRING_EQUAL(c.ports[0].kernel, "lbk0");
	CU_ASSERT(c.ports[0].kernel_rate == 1 && c.ports[0].kernel_burst == 5);
	CU_ASSERT_STRING_EQUAL(c.ports[1].kernel, "lbk1");
	lb_config_free(&c);
	free(dump);
}

void
register_kernel_tests(void)
{
	CU_pSuite s = CU_add_suite("kernel", setup, teardown);
	CU_add_test(s, "to the kernel: the port address's TCP, UDP, ICMP but echo", test_to_kernel);
	CU_add_test(s, "to the kernel: only by its own port, from no martian source", test_kernel_trust);
	CU_add_test(s, "to the kernel: at most kernel_rate", test_kernel_rate);
	CU_add_test(s, "from the kernel: out of its port as it is", test_from_kernel);
	CU_add_test(s, "kernel, kernel_rate, kernel_burst: refused, written back", test_kernel_config);
}
