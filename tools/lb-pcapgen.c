/* lb-pcapgen: write a pcap of TCP/UDP flows to the VIPs of an lb-graph INI
 * file, optionally mixed with one frame of every kind lb-graph must drop.
 *
 *   lb-pcapgen -c lb.ini -o flows.pcap [--flows N] [--packets-per-flow K]
 *              [--first-flow F] [--bad] [--expect FILE]
 *
 * Every frame meant to be forwarded carries a payload that starts with
 * "LBOK", the VIP index, flags and the flow number, so a checker can match
 * lb-graph's output to its input; --expect writes how many frames each drop
 * reason must count. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lb_config.h"
#include "tools/pkt.h"

#define FLAG_UDP_ZERO_CKSUM 1

static const uint8_t mac_client[6] = {0x02, 0, 0, 0, 0xc1, 0x01};
static const uint8_t mac_lb[6] = {0x02, 0, 0, 0, 0x1b, 0x01};

static struct pkt_pcap *out;
static unsigned long expect[LB_DROP_COUNT], expect_fwd;

static void
emit(const uint8_t *frame, size_t len)
{
	pkt_pcap_write(out, frame, len);
}

static void
spec_for_vip(struct pkt_spec *s, const struct lb_cfg_vip *v, uint32_t flow)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->dst_mac, mac_lb, 6);
	memcpy(s->src_mac, mac_client, 6);
	s->vlan = -1;
	s->src = htonl(0x64400000u + flow); /* 100.64.0.0/10 */
	s->dst = v->addr;
	s->sport = 1024 + (flow * 7919u) % 64000;
	s->dport = v->port;
	s->proto = v->proto;
	s->ttl = 64;
}

/* A frame lb-graph must forward: payload "LBOK" vip flags flow(4) seq(2). */
static void
emit_ok(const struct lb_config *cfg, unsigned vip, uint32_t flow, uint16_t seq,
	void (*tweak)(struct pkt_spec *, uint8_t *flags))
{
	uint8_t payload[64], frame[PKT_MAX], flags = 0;
	struct pkt_spec s;

	spec_for_vip(&s, &cfg->vips[vip], flow);
	if (s.proto == IPPROTO_UDP && flow % 8 == 3)
		flags |= FLAG_UDP_ZERO_CKSUM;
	if (tweak)
		tweak(&s, &flags);
	s.udp_no_cksum = flags & FLAG_UDP_ZERO_CKSUM;
	memset(payload, 0xa5, sizeof(payload));
	memcpy(payload, "LBOK", 4);
	payload[4] = vip;
	payload[5] = flags;
	memcpy(payload + 6, &flow, 4);
	memcpy(payload + 10, &seq, 2);
	s.payload = payload;
	s.payload_len = 12 + (flow % 5) * 13; /* odd and even lengths */
	emit(frame, pkt_build(frame, sizeof(frame), &s));
	expect_fwd++;
}

/* A frame lb-graph must drop under `reason`, made by mutating a good one. */
static void
emit_bad(const struct lb_config *cfg, enum lb_drop_reason reason, size_t cut,
	 void (*mutate)(uint8_t *frame, size_t *len))
{
	static uint32_t n;
	uint8_t frame[PKT_MAX], payload[32];
	struct pkt_spec s;
	size_t len;

	spec_for_vip(&s, &cfg->vips[n % cfg->nb_vips], 0x30000 + n);
	n++;
	memset(payload, 0, sizeof(payload));
	memcpy(payload, "LBBAD", 5);
	s.payload = payload;
	s.payload_len = sizeof(payload);
	len = pkt_build(frame, sizeof(frame), &s);
	if (mutate)
		mutate(frame, &len);
	if (cut)
		len = cut;
	emit(frame, len);
	expect[reason]++;
}

static uint8_t *ip_of(uint8_t *f) { return f + 14; }
static uint8_t *l4_of(uint8_t *f) { return f + 14 + (f[14] & 0xf) * 4; }
static void refix(uint8_t *f, size_t len)
{
	struct pkt_view v;
	if (pkt_parse(f, len, &v) == 0)
		pkt_fix_cksums(&v);
}

static void m_other_dst(uint8_t *f, size_t *l) { ip_of(f)[19] ^= 0x55; refix(f, *l); }
static void m_other_port(uint8_t *f, size_t *l) { l4_of(f)[3] ^= 0x01; refix(f, *l); }
static void m_other_proto(uint8_t *f, size_t *l)
{
	/* The VIP's address and port over the other protocol, well formed. */
	uint8_t *l4 = l4_of(f);
	if (ip_of(f)[9] == IPPROTO_TCP) {
		ip_of(f)[9] = IPPROTO_UDP;
		l4[4] = (uint8_t)((*l - 34) >> 8), l4[5] = (uint8_t)(*l - 34);
	} else {
		ip_of(f)[9] = IPPROTO_TCP;
		l4[12] = 5 << 4; /* 32-byte payload was appended: room for 20 bytes */
	}
	refix(f, *l);
}
static void m_cut_in_l4(uint8_t *f, size_t *l)
{
	/* IP header and frame agree: the packet ends 5 bytes into L4. */
	*l = 14 + 20 + 5;
	ip_of(f)[2] = 0, ip_of(f)[3] = 25;
}
static void m_icmp(uint8_t *f, size_t *l) { ip_of(f)[9] = IPPROTO_ICMP; }
static void m_arp(uint8_t *f, size_t *l) { f[12] = 0x08; f[13] = 0x06; *l = 42; }
static void m_ipv6(uint8_t *f, size_t *l) { f[12] = 0x86; f[13] = 0xdd; }
static void m_qinq(uint8_t *f, size_t *l)
{
	memmove(f + 22, f + 14, *l - 14);
	f[12] = 0x88, f[13] = 0xa8, f[14] = 0, f[15] = 10;
	f[16] = 0x81, f[17] = 0x00, f[18] = 0, f[19] = 20;
	f[20] = 0x08, f[21] = 0x00;
	*l += 8;
}
static void m_version6(uint8_t *f, size_t *l) { ip_of(f)[0] = 0x65; }
static void m_ihl4(uint8_t *f, size_t *l) { ip_of(f)[0] = 0x44; }
static void m_totlen_small(uint8_t *f, size_t *l) { ip_of(f)[2] = 0; ip_of(f)[3] = 19; }
static void m_totlen_big(uint8_t *f, size_t *l) { ip_of(f)[2] = 0x05; ip_of(f)[3] = 0xdc; }
static void m_frag_first(uint8_t *f, size_t *l) { ip_of(f)[6] = 0x20; }
static void m_frag_later(uint8_t *f, size_t *l) { ip_of(f)[6] = 0x00; ip_of(f)[7] = 0xb9; }
static void m_ttl1(uint8_t *f, size_t *l) { ip_of(f)[8] = 1; refix(f, *l); }
static void m_ttl0(uint8_t *f, size_t *l) { ip_of(f)[8] = 0; refix(f, *l); }
static void m_src_loop(uint8_t *f, size_t *l) { ip_of(f)[12] = 127; refix(f, *l); }
static void m_src_zero(uint8_t *f, size_t *l) { memset(ip_of(f) + 12, 0, 4); refix(f, *l); }
static void m_src_mcast(uint8_t *f, size_t *l) { ip_of(f)[12] = 224; refix(f, *l); }
static void m_l4len(uint8_t *f, size_t *l)
{
	if (ip_of(f)[9] == IPPROTO_UDP)
		l4_of(f)[4] = 0, l4_of(f)[5] = 4;   /* UDP length 4 */
	else
		l4_of(f)[12] = 4 << 4;               /* TCP data offset 4 */
}
static void m_l4len_big(uint8_t *f, size_t *l)
{
	if (ip_of(f)[9] == IPPROTO_UDP)
		l4_of(f)[4] = 0x05, l4_of(f)[5] = 0xdc;
	else
		l4_of(f)[12] = 15 << 4;              /* 60-byte header > payload */
}

/* Forwarded variants. */
static void t_vlan(struct pkt_spec *s, uint8_t *fl) { s->vlan = 100; }
static void t_ttl2(struct pkt_spec *s, uint8_t *fl) { s->ttl = 2; }

static void
emit_ip_options(const struct lb_config *cfg, uint32_t flow)
{
	/* Same as a good frame, with a 4-byte NOP option: IHL 6. */
	uint8_t frame[PKT_MAX], payload[16] = "LBOK";
	struct pkt_spec s;
	size_t len;

	spec_for_vip(&s, &cfg->vips[0], flow);
	payload[4] = 0;
	payload[5] = 0;
	memcpy(payload + 6, &flow, 4);
	s.payload = payload;
	s.payload_len = sizeof(payload);
	len = pkt_build(frame, sizeof(frame), &s);
	memmove(frame + 38, frame + 34, len - 34);
	memset(frame + 34, 1, 4); /* NOP options */
	len += 4;
	frame[14] = 0x46;
	frame[16] = (uint8_t)((len - 14) >> 8);
	frame[17] = (uint8_t)(len - 14);
	refix(frame, len);
	emit(frame, len);
	expect_fwd++;
}

static void
emit_padded(const struct lb_config *cfg, uint32_t flow)
{
	/* A short packet padded by Ethernet to 60 bytes: the IP total length is
	 * smaller than the frame, which is fine. */
	uint8_t frame[PKT_MAX];
	struct pkt_spec s;
	size_t len;
	unsigned vip = 0;

	for (unsigned i = 0; i < cfg->nb_vips; i++)
		if (cfg->vips[i].proto == IPPROTO_UDP)
			vip = i;
	spec_for_vip(&s, &cfg->vips[vip], flow);
	uint8_t payload[12] = "LBOK";
	payload[4] = vip;
	memcpy(payload + 6, &flow, 4);
	s.payload = payload;
	s.payload_len = s.proto == IPPROTO_UDP ? 12 : 0;
	len = pkt_build(frame, sizeof(frame), &s);
	if (len < 60) {
		memset(frame + len, 0, 60 - len);
		len = 60;
	}
	emit(frame, len);
	expect_fwd++;
}

static void
emit_bad_set(const struct lb_config *cfg)
{
	emit_bad(cfg, LB_DROP_NO_VIP, 0, m_other_dst);
	emit_bad(cfg, LB_DROP_NO_VIP, 0, m_other_port);
	emit_bad(cfg, LB_DROP_NO_VIP, 0, m_other_proto);
	emit_bad(cfg, LB_DROP_NO_VIP, 0, m_other_proto);
	emit_bad(cfg, LB_DROP_NO_VIP, 0, m_icmp);
	emit_bad(cfg, LB_DROP_TRUNCATED, 10, NULL);     /* inside Ethernet */
	emit_bad(cfg, LB_DROP_TRUNCATED, 14 + 12, NULL); /* inside IPv4 */
	emit_bad(cfg, LB_DROP_TRUNCATED, 0, m_cut_in_l4);
	emit_bad(cfg, LB_DROP_TRUNCATED, 0, m_cut_in_l4);
	emit_bad(cfg, LB_DROP_ETHERTYPE, 0, m_arp);
	emit_bad(cfg, LB_DROP_ETHERTYPE, 0, m_ipv6);
	emit_bad(cfg, LB_DROP_ETHERTYPE, 0, m_qinq);
	emit_bad(cfg, LB_DROP_BAD_VERSION, 0, m_version6);
	emit_bad(cfg, LB_DROP_BAD_IHL, 0, m_ihl4);
	emit_bad(cfg, LB_DROP_BAD_TOTAL_LEN, 0, m_totlen_small);
	emit_bad(cfg, LB_DROP_BAD_TOTAL_LEN, 0, m_totlen_big);
	emit_bad(cfg, LB_DROP_FRAGMENT, 0, m_frag_first);
	emit_bad(cfg, LB_DROP_FRAGMENT, 0, m_frag_later);
	emit_bad(cfg, LB_DROP_TTL_EXPIRED, 0, m_ttl1);
	emit_bad(cfg, LB_DROP_TTL_EXPIRED, 0, m_ttl0);
	emit_bad(cfg, LB_DROP_MARTIAN_SRC, 0, m_src_loop);
	emit_bad(cfg, LB_DROP_MARTIAN_SRC, 0, m_src_zero);
	emit_bad(cfg, LB_DROP_MARTIAN_SRC, 0, m_src_mcast);
	emit_bad(cfg, LB_DROP_BAD_L4_LEN, 0, m_l4len);
	emit_bad(cfg, LB_DROP_BAD_L4_LEN, 0, m_l4len);
	emit_bad(cfg, LB_DROP_BAD_L4_LEN, 0, m_l4len_big);
	emit_bad(cfg, LB_DROP_BAD_L4_LEN, 0, m_l4len_big);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"out", required_argument, NULL, 'o'},
		{"flows", required_argument, NULL, 'f'}, {"packets-per-flow", required_argument, NULL, 'k'},
		{"first-flow", required_argument, NULL, 'F'}, {"bad", no_argument, NULL, 'b'},
		{"expect", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *path = NULL, *expect_path = NULL;
	uint32_t flows = 1024, per_flow = 1, first = 0;
	bool bad = false;
	static struct lb_config cfg;
	int c;

	while ((c = getopt_long(argc, argv, "c:o:f:k:F:be:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'o': path = optarg; break;
		case 'f': if (lb_parse_u32(optarg, 1, 1u << 24, &flows) < 0) goto usage; break;
		case 'k': if (lb_parse_u32(optarg, 1, 1000, &per_flow) < 0) goto usage; break;
		case 'F': if (lb_parse_u32(optarg, 0, 1u << 24, &first) < 0) goto usage; break;
		case 'b': bad = true; break;
		case 'e': expect_path = optarg; break;
		default: goto usage;
		}
	}
	if (!config || !path)
		goto usage;
	if (lb_config_load(config, &cfg, stderr) < 0)
		return 2;
	out = pkt_pcap_open(path);
	if (!out) {
		fprintf(stderr, "%s: cannot write\n", path);
		return 1;
	}
	/* Flows interleaved, as they would arrive. */
	for (uint32_t k = 0; k < per_flow; k++)
		for (uint32_t f = first; f < first + flows; f++)
			emit_ok(&cfg, f % cfg.nb_vips, f, k, NULL);
	if (bad) {
		emit_ok(&cfg, 0, 0x20000, 0, t_vlan);
		emit_ok(&cfg, 0, 0x20001, 0, t_ttl2);
		emit_ip_options(&cfg, 0x20002);
		emit_padded(&cfg, 0x20003);
		emit_bad_set(&cfg);
	}
	pkt_pcap_close(out);

	if (expect_path) {
		FILE *f = fopen(expect_path, "w");
		if (!f) {
			perror(expect_path);
			return 1;
		}
		fprintf(f, "forward %lu\n", expect_fwd);
		for (unsigned r = 0; r < LB_DROP_COUNT; r++)
			fprintf(f, "%s %lu\n", lb_drop_reason_names[r], expect[r]);
		fclose(f);
	}
	lb_config_free(&cfg);
	return 0;
usage:
	fprintf(stderr, "usage: %s -c lb.ini -o out.pcap [--flows N] [--packets-per-flow K] "
			"[--first-flow F] [--bad] [--expect FILE]\n", argv[0]);
	return 2;
}
