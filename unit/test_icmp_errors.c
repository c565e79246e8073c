/* ICMP errors about a VIP's flows, from the client's side, through the test
 * graph: they reach the flow's own backend, with the quote rewritten to the
 * backend's view and every checksum right, whole or truncated quotes; what
 * cannot be a real error about a VIP flow is dropped. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "tools/pkt.h"
#include "unit/harness.h"
#include "unit/tests.h"

static struct rte_mbuf *out[8];
static struct lb_config cfg;

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

/* The client's datagram to the dns VIP, or the VIP's answer to it (reply). */
static size_t
dns_packet(uint8_t *f, bool reply, uint16_t payload)
{
	struct pkt_spec s = {.vlan = -1, .proto = IPPROTO_UDP, .ttl = 64, .payload_len = payload,
			     .sport = reply ? 53 : 40000, .dport = reply ? 40000 : 53};
	memcpy(s.dst_mac, harness_port_mac.addr_bytes, 6);
	memcpy(s.src_mac, (uint8_t[]){0x02, 0xc1, 0, 0, 0, 1}, 6);
	s.src = reply ? harness_addr("198.51.100.20") : harness_addr("203.0.113.5");
	s.dst = reply ? harness_addr("203.0.113.5") : harness_addr("198.51.100.20");
	return pkt_build(f, PKT_MAX, &s);
}

/* An ICMP error (type/code) from `from` to the VIP quoting quote_len bytes
 * of the VIP's answer (after tweak, when given). */
static size_t
icmp_error(uint8_t *f, const char *from, uint8_t type, uint8_t code, size_t quote_len, void (*tweak)(uint8_t *q))
{
	uint8_t q[PKT_MAX];
	const size_t ql = dns_packet(q, true, 100) - 14;
	if (quote_len > ql)
		quote_len = ql;
	if (tweak)
		tweak(q + 14);
	memset(f, 0, 14 + 20 + 8 + quote_len);
	memcpy(f, harness_port_mac.addr_bytes, 6);
	memcpy(f + 6, (uint8_t[]){0x02, 0xc1, 0, 0, 0, 1}, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14, *icmp = ip + 20;
	const uint16_t tot = (uint16_t)(20 + 8 + quote_len);
	ip[0] = 0x45, ip[2] = tot >> 8, ip[3] = (uint8_t)tot, ip[8] = 60, ip[9] = IPPROTO_ICMP;
	uint32_t s = harness_addr(from), d = harness_addr("198.51.100.20");
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	const uint16_t ipck = (uint16_t)~pkt_fold(pkt_sum(ip, 20, 0)); /* big-endian words */
	ip[10] = ipck >> 8, ip[11] = (uint8_t)ipck;
	icmp[0] = type, icmp[1] = code, icmp[6] = 0x05, icmp[7] = 0x00; /* next-hop MTU 1280 */
	memcpy(icmp + 8, q + 14, quote_len);
	const uint16_t ick = (uint16_t)~pkt_fold(pkt_sum(icmp, 8 + quote_len, 0));
	icmp[2] = ick >> 8, icmp[3] = (uint8_t)ick;
	return 14 + tot;
}

static int
run(uint8_t *f, size_t len, int *reason)
{
	const unsigned n = harness_run_frame(f, len, 0, reason, out);
	if (n == 1)
		memcpy(f, rte_pktmbuf_mtod(out[0], uint8_t *), rte_pktmbuf_pkt_len(out[0]));
	harness_free_out(out, n);
	return (int)n;
}

static void
test_to_the_flows_backend(void)
{
	uint8_t f[PKT_MAX], e[PKT_MAX];
	int reason;
	/* where the flow's own packets go */
	size_t len = dns_packet(f, false, 20);
	CU_ASSERT_EQUAL_FATAL(run(f, len, &reason), 1);
	uint32_t backend;
	memcpy(&backend, f + 14 + 16, 4);
	/* its error, with a whole quote and with RFC 792's 8 bytes only */
	static const size_t quotes[] = {1000, 28};
	for (unsigned k = 0; k < RTE_DIM(quotes); k++) {
		len = icmp_error(e, "192.0.2.77", 3, 4, quotes[k], NULL);
		CU_ASSERT_EQUAL_FATAL(run(e, len, &reason), 1);
		const uint8_t *ip = e + 14, *icmp = ip + 20, *q = icmp + 8, *qudp = q + 20;
		const size_t icmp_len = len - 14 - 20;
		CU_ASSERT(memcmp(ip + 16, &backend, 4) == 0);                    /* outer destination */
		CU_ASSERT(memcmp(e, f, 6) == 0);                                 /* to the backend's MAC */
		CU_ASSERT_EQUAL(ip[8], 59);                                      /* TTL - 1 */
		CU_ASSERT_EQUAL(pkt_fold(pkt_sum(ip, 20, 0)), 0xffff);           /* outer IPv4 checksum */
		CU_ASSERT_EQUAL(pkt_fold(pkt_sum(icmp, icmp_len, 0)), 0xffff);   /* ICMP checksum */
		CU_ASSERT(memcmp(q + 12, &backend, 4) == 0);                     /* quoted source */
		CU_ASSERT(qudp[0] == (5353 >> 8) && qudp[1] == (5353 & 0xff));   /* quoted source port */
		CU_ASSERT_EQUAL(pkt_fold(pkt_sum(q, 20, 0)), 0xffff);            /* quoted IPv4 checksum */
		if (quotes[k] > 28) { /* the whole datagram: its UDP checksum as the backend sent it */
			const uint16_t udp_len = (uint16_t)(qudp[4] << 8 | qudp[5]);
			uint8_t pseudo[12] = {0};
			memcpy(pseudo, q + 12, 8);
			pseudo[9] = IPPROTO_UDP, pseudo[10] = udp_len >> 8, pseudo[11] = (uint8_t)udp_len;
			CU_ASSERT_EQUAL(pkt_fold(pkt_sum(qudp, udp_len, pkt_sum(pseudo, 12, 0))), 0xffff);
		}
	}
	/* time exceeded too */
	len = icmp_error(e, "192.0.2.77", 11, 0, 1000, NULL);
	CU_ASSERT_EQUAL(run(e, len, &reason), 1);
}

static void tweak_src(uint8_t *q) { q[15] ^= 1; }              /* not the VIP */
static void tweak_sport(uint8_t *q) { q[20] ^= 1; }            /* not the VIP's port */
static void tweak_frag(uint8_t *q) { q[7] = 0x10; }            /* a later fragment */
static void tweak_proto(uint8_t *q) { q[9] = IPPROTO_ICMP; }   /* an error about an error */
static void tweak_version(uint8_t *q) { q[0] = 0x65; }

static void
test_only_real_errors(void)
{
	uint8_t e[PKT_MAX];
	int reason;
	static const struct {
		const char *what;
		size_t quote;
		void (*tweak)(uint8_t *);
	} bad[] = {
		{"quote cut in the IPv4 header", 12, NULL}, {"quote without the 8 L4 bytes", 24, NULL},
		{"not from the VIP", 1000, tweak_src},      {"not from the VIP's port", 1000, tweak_sport},
		{"a later fragment", 1000, tweak_frag},     {"about an ICMP message", 1000, tweak_proto},
		{"not IPv4", 1000, tweak_version},
	};
	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		const size_t len = icmp_error(e, "192.0.2.77", 3, 4, bad[i].quote, bad[i].tweak);
		CU_ASSERT_EQUAL(run(e, len, &reason), 0);
		CU_ASSERT_EQUAL(reason, LB_DROP_ICMP_INNER);
		if (reason != LB_DROP_ICMP_INNER)
			fprintf(stderr, "\n  %s: reason %d\n", bad[i].what, reason);
	}
	/* from a martian source, and other ICMP types: as before */
	size_t len = icmp_error(e, "127.0.0.1", 3, 4, 1000, NULL);
	CU_ASSERT_EQUAL(run(e, len, &reason), 0);
	CU_ASSERT_EQUAL(reason, LB_DROP_MARTIAN_SRC);
	len = icmp_error(e, "192.0.2.77", 5, 0, 1000, NULL); /* a redirect */
	CU_ASSERT_EQUAL(run(e, len, &reason), 0);
	CU_ASSERT_EQUAL(reason, LB_DROP_NO_VIP);
}

void
register_icmp_error_tests(void)
{
	CU_pSuite s = CU_add_suite("icmp_errors", setup, teardown);
	CU_add_test(s, "an error about a VIP flow reaches its backend, checksums right", test_to_the_flows_backend);
	CU_add_test(s, "truncated, nested, mismatched quotes dropped", test_only_real_errors);
}
