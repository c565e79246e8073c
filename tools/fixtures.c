#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "control/lb_config.h"
#include "nodes/lb_dataplane.h"
#include "tools/fixtures.h"
#include "tools/pkt.h"

static const uint8_t mac_client[6] = {0x02, 0, 0, 0, 0xc1, 0x01};
const uint8_t fixture_lb_mac[6] = {0x02, 0x70, 0x63, 0x61, 0x70, 0x00};
#define mac_lb fixture_lb_mac

uint32_t
fixture_flow_src(uint32_t flow)
{
	return htonl(0x64400000u + (flow & 0x3fffff)); /* 100.64.0.0/10 */
}

uint16_t
fixture_flow_sport(uint32_t flow)
{
	return 1024 + (flow * 7919u) % 64000;
}

struct fixture_vip
fixture_vip_of(const struct lb_config *cfg, unsigned i)
{
	const struct lb_cfg_vip *v = &cfg->vips[i];
	struct fixture_vip fv = {.addr = v->addr, .port = v->port, .proto = v->proto, .index = i};

	if (v->nb_backends) {
		fv.be_addr = v->backends[0].addr;
		fv.be_port = v->backends[0].port;
		memcpy(fv.be_mac, v->backends[0].mac.addr_bytes, 6);
	}
	return fv;
}

static void
base_spec(struct pkt_spec *s, const struct fixture_vip *vip, uint32_t flow)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->dst_mac, mac_lb, 6);
	memcpy(s->src_mac, mac_client, 6);
	s->vlan = -1;
	s->src = fixture_flow_src(flow);
	s->dst = vip->addr;
	s->sport = fixture_flow_sport(flow);
	s->dport = vip->port;
	s->proto = vip->proto;
	s->ttl = 64;
}

static size_t
build_ok_spec(uint8_t *frame, size_t cap, struct pkt_spec *s, const struct fixture_vip *vip,
	      uint32_t flow, uint16_t seq, uint8_t flags, uint16_t payload_len)
{
	uint8_t payload[128];

	memset(payload, 0xa5, sizeof(payload));
	memcpy(payload, FIXTURE_MAGIC_OK, 4);
	payload[4] = vip->index;
	payload[5] = flags;
	memcpy(payload + 6, &flow, 4);
	memcpy(payload + 10, &seq, 2);
	s->payload = payload;
	s->payload_len = payload_len;
	s->udp_no_cksum = flags & FIXTURE_FLAG_UDP_ZERO_CKSUM;
	return pkt_build(frame, cap, s);
}

size_t
fixture_build_ok(uint8_t *frame, size_t cap, const struct fixture_vip *vip, uint32_t flow, uint16_t seq)
{
	struct pkt_spec s;
	uint8_t flags = 0;

	base_spec(&s, vip, flow);
	if (vip->proto == IPPROTO_UDP && flow % 8 == 3)
		flags |= FIXTURE_FLAG_UDP_ZERO_CKSUM;
	return build_ok_spec(frame, cap, &s, vip, flow, seq, flags, 12 + (flow % 5) * 13);
}

bool
fixture_payload_get(const uint8_t *pl, size_t len, struct fixture_payload *p)
{
	if (len < 12 || memcmp(pl, FIXTURE_MAGIC_OK, 4) != 0)
		return false;
	p->vip = pl[4];
	p->flags = pl[5];
	memcpy(&p->flow, pl + 6, 4);
	memcpy(&p->seq, pl + 10, 2);
	return true;
}

/* ---- helpers for frames that must be dropped: a good frame, mutated ---- */

static uint8_t *ip_of(uint8_t *f) { return f + 14; }
static uint8_t *l4_of(uint8_t *f) { return f + 14 + (f[14] & 0xf) * 4; }

static void
refix(uint8_t *f, size_t len)
{
	struct pkt_view v;
	if (pkt_parse(f, len, &v) == 0)
		pkt_fix_cksums(&v);
}

static size_t
bad_base(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow)
{
	struct pkt_spec s;
	uint8_t payload[32] = "LBBAD";

	base_spec(&s, vip, flow);
	s.payload = payload;
	s.payload_len = sizeof(payload);
	return pkt_build(f, cap, &s);
}

#define BAD(fn, ...)                                                                          \
	static size_t fn(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow)  \
	{                                                                                      \
		size_t l = bad_base(f, cap, vip, flow);                                        \
		__VA_ARGS__;                                                                   \
		return l;                                                                      \
	}

BAD(other_dst, { ip_of(f)[19] ^= 0x55; refix(f, l); })
BAD(other_port, { l4_of(f)[3] ^= 0x01; refix(f, l); })
BAD(other_proto, {
	/* the VIP's address and port over the other protocol, well formed */
	uint8_t *l4 = l4_of(f);
	if (ip_of(f)[9] == IPPROTO_TCP) {
		ip_of(f)[9] = IPPROTO_UDP;
		l4[4] = (uint8_t)((l - 34) >> 8), l4[5] = (uint8_t)(l - 34);
	} else {
		ip_of(f)[9] = IPPROTO_TCP;
		l4[12] = 5 << 4;
	}
	refix(f, l);
})
/* an unreachable to the VIP whose "quote" is the datagram's own bytes: no VIP flow's */
BAD(icmp, { ip_of(f)[9] = IPPROTO_ICMP; l4_of(f)[0] = 3; })
BAD(cut_in_eth, { l = 10; })
BAD(cut_in_vlan, { f[12] = 0x81, f[13] = 0x00; l = 16; })
BAD(cut_in_ip, { l = 14 + 12; })
BAD(cut_in_l4, {
	/* IP header and frame agree: the packet ends 5 bytes into L4 */
	l = 14 + 20 + 5;
	ip_of(f)[2] = 0, ip_of(f)[3] = 25;
})
BAD(arp, { f[12] = 0x08, f[13] = 0x06; l = 42; })
BAD(ipv6, { f[12] = 0x86, f[13] = 0xdd; })
BAD(qinq, {
	memmove(f + 22, f + 14, l - 14);
	f[12] = 0x88, f[13] = 0xa8, f[14] = 0, f[15] = 10;
	f[16] = 0x81, f[17] = 0x00, f[18] = 0, f[19] = 20;
	f[20] = 0x08, f[21] = 0x00;
	l += 8;
})
BAD(version6, { ip_of(f)[0] = 0x65; })
BAD(ihl4, { ip_of(f)[0] = 0x44; })
BAD(totlen_below_header, { ip_of(f)[2] = 0, ip_of(f)[3] = 19; })
BAD(totlen_beyond_frame, { ip_of(f)[2] = 0x05, ip_of(f)[3] = 0xdc; })
BAD(later_fragment, { ip_of(f)[6] = 0x00, ip_of(f)[7] = 0xb9; refix(f, l); })
/* a first fragment of 4 bytes: no whole L4 header, and not a multiple of 8 */
BAD(frag_first_tiny, {
	ip_of(f)[6] = 0x20;
	l = 14 + (size_t)((ip_of(f)[0] & 0xf) * 4) + 4;
	ip_of(f)[2] = (uint8_t)((l - 14) >> 8), ip_of(f)[3] = (uint8_t)(l - 14);
	refix(f, l);
})
/* a later fragment, MF set, whose data is not a multiple of 8 bytes */
BAD(frag_odd_length, {
	ip_of(f)[6] = 0x20, ip_of(f)[7] = 0xb9;
	l--;
	ip_of(f)[2] = (uint8_t)((l - 14) >> 8), ip_of(f)[3] = (uint8_t)(l - 14);
	refix(f, l);
})
/* the last fragment at offset 65512: beyond 65535 bytes */
BAD(frag_too_long, { ip_of(f)[6] = 0x1f, ip_of(f)[7] = 0xfd; refix(f, l); })
BAD(ttl1, { ip_of(f)[8] = 1; refix(f, l); })
BAD(ttl0, { ip_of(f)[8] = 0; refix(f, l); })
BAD(src_loopback, { ip_of(f)[12] = 127; refix(f, l); })
BAD(src_zero, { memset(ip_of(f) + 12, 0, 4); refix(f, l); })
BAD(src_multicast, { ip_of(f)[12] = 224; refix(f, l); })
BAD(src_broadcast, { memset(ip_of(f) + 12, 255, 4); refix(f, l); })
BAD(dst_broadcast, { memset(ip_of(f) + 16, 255, 4); refix(f, l); })
BAD(dst_multicast, { ip_of(f)[16] = 239; refix(f, l); })
BAD(src_is_vip, { memcpy(ip_of(f) + 12, ip_of(f) + 16, 4); refix(f, l); })
BAD(l4_len_short, {
	if (ip_of(f)[9] == IPPROTO_UDP)
		l4_of(f)[4] = 0, l4_of(f)[5] = 4; /* UDP length 4 */
	else
		l4_of(f)[12] = 4 << 4;             /* TCP data offset 4 */
})
BAD(l4_len_long, {
	if (ip_of(f)[9] == IPPROTO_UDP)
		l4_of(f)[4] = 0x05, l4_of(f)[5] = 0xdc; /* beyond the IP payload */
	else
		l4_of(f)[12] = 15 << 4;                  /* 60-byte header > payload */
})

/* Not addressed to lb-graph's port. */
BAD(foreign_dst_mac, { f[5] ^= 0x42; })
BAD(multicast_dst_mac, { static const uint8_t m[6] = {0x01, 0, 0x5e, 0, 0, 1}; memcpy(f, m, 6); })
BAD(broadcast_mac, { memset(f, 0xff, 6); })

/* A VIP's first backend, as the source of VIP traffic or of a reply. */
static void
from_backend(uint8_t *f, const struct fixture_vip *vip, bool backend_mac, bool service_port)
{
	memcpy(ip_of(f) + 12, &vip->be_addr, 4);
	if (service_port)
		l4_of(f)[0] = vip->be_port >> 8, l4_of(f)[1] = vip->be_port & 0xff;
	if (backend_mac)
		memcpy(f + 6, vip->be_mac, 6);
}

/* A reply from the backend (its endpoint and MAC) to dst. */
static void
reply_to(uint8_t *f, size_t l, const struct fixture_vip *vip, uint32_t dst)
{
	from_backend(f, vip, true, true);
	memcpy(ip_of(f) + 16, &dst, 4);
	l4_of(f)[2] = 0x9c, l4_of(f)[3] = 0x40; /* client port 40000 */
	refix(f, l);
}

BAD(src_backend_endpoint, { from_backend(f, vip, true, true); refix(f, l); })
BAD(src_backend_foreign_mac, { from_backend(f, vip, false, false); refix(f, l); })
BAD(reply_foreign_mac, {
	reply_to(f, l, vip, fixture_flow_src(flow));
	memcpy(f + 6, mac_client, 6);
})
BAD(reply_to_broadcast, { reply_to(f, l, vip, 0xffffffffu); })
BAD(reply_to_multicast, { reply_to(f, l, vip, htonl(0xe0000001u)); })
BAD(reply_to_vip, { reply_to(f, l, vip, vip->addr); })
BAD(reply_to_loopback, { reply_to(f, l, vip, htonl(0x7f000001u)); })

/* ---- frames that must be forwarded ---- */

#define OK(fn, ...)                                                                           \
	static size_t fn(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow)  \
	{                                                                                      \
		struct pkt_spec s;                                                             \
		uint8_t flags = 0;                                                             \
		uint16_t plen = 24;                                                            \
		base_spec(&s, vip, flow);                                                      \
		__VA_ARGS__;                                                                   \
		return build_ok_spec(f, cap, &s, vip, flow, 0, flags, plen);                   \
	}

OK(plain, {})
/* A first fragment (MF, offset 0) whose TCP/UDP header and payload, 48
 * bytes, are a multiple of 8 as a fragment before the last must be; its
 * L4 checksum as if it were the datagram (the rewrite is incremental, so a
 * full recomputation of the output agrees) */
static size_t
first_fragment(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow)
{
	struct pkt_spec s;
	base_spec(&s, vip, flow);
	size_t l = build_ok_spec(f, cap, &s, vip, flow, 0, 0, vip->proto == IPPROTO_TCP ? 28 : 40);
	ip_of(f)[6] = 0x20;
	refix(f, l);
	return l;
}
OK(vlan_tagged, { s.vlan = 100; })
OK(ttl2, { s.ttl = 2; })
OK(odd_length, { plen = 33; })
OK(udp_zero_cksum, {
	if (vip->proto == IPPROTO_UDP)
		flags |= FIXTURE_FLAG_UDP_ZERO_CKSUM;
})
OK(tcp_syn_fin, { s.tcp_flags = 0x03; })
OK(tcp_no_flags, { s.tcp_flags = 0; s.tcp_no_flags = true; })
/* A backend as a client of its VIP (one-arm): its address, another port,
 * its MAC, on its VIP's out port. */
OK(src_backend_as_client, {
	s.src = vip->be_addr;
	memcpy(s.src_mac, vip->be_mac, 6);
})

static size_t
ip_options(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow)
{
	/* A good frame with 4 bytes of NOP options: IHL 6, L4 at 24. */
	size_t l = plain(f, cap, vip, flow);
	memmove(f + 38, f + 34, l - 34);
	memset(f + 34, 1, 4);
	l += 4;
	f[14] = 0x46;
	f[16] = (uint8_t)((l - 14) >> 8), f[17] = (uint8_t)(l - 14);
	refix(f, l);
	return l;
}

/* Port unreachable from a VIP's first backend (its address and MAC) about
 * the flow's datagram to it; quote: the whole datagram, or 8 bytes of it. */
static size_t
icmp_from_backend_quote(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow, size_t quote)
{
	uint8_t q[256];
	struct pkt_spec s;
	base_spec(&s, vip, flow);
	s.dst = vip->be_addr;
	s.dport = vip->be_port;
	s.ttl = 63;
	const size_t ql = RTE_MIN(build_ok_spec(q, sizeof(q), &s, vip, flow, 0, 0, 24) - 14, quote);
	if (cap < 14 + 28 + ql)
		return 0;
	memset(f, 0, 14 + 28);
	memcpy(f, mac_lb, 6);
	memcpy(f + 6, vip->be_mac, 6);
	f[12] = 0x08;
	uint8_t *ip = f + 14, *icmp = ip + 20;
	const uint16_t tot = (uint16_t)(28 + ql);
	ip[0] = 0x45, ip[2] = tot >> 8, ip[3] = (uint8_t)tot, ip[8] = 64, ip[9] = IPPROTO_ICMP;
	memcpy(ip + 12, &vip->be_addr, 4);
	memcpy(ip + 16, q + 14 + 12, 4); /* to the client */
	const uint16_t ipck = (uint16_t)~pkt_fold(pkt_sum(ip, 20, 0));
	ip[10] = ipck >> 8, ip[11] = (uint8_t)ipck;
	icmp[0] = 3, icmp[1] = 3;
	memcpy(icmp + 8, q + 14, ql);
	const uint16_t ick = (uint16_t)~pkt_fold(pkt_sum(icmp, 8 + ql, 0));
	icmp[2] = ick >> 8, icmp[3] = (uint8_t)ick;
	return 14 + tot;
}

static size_t
icmp_from_backend(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow)
{
	return icmp_from_backend_quote(f, cap, vip, flow, 256);
}

static size_t
icmp_from_backend_8(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow)
{
	return icmp_from_backend_quote(f, cap, vip, flow, 28);
}

/* 1600 bytes of IPv4 with DF: beyond a 1500 mtu ("fragmentation needed"
 * where the arrival port has an address), and without DF. */
static size_t
big(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow, bool df)
{
	struct pkt_spec s;
	base_spec(&s, vip, flow);
	s.payload_len = (uint16_t)(1600 - 20 - (vip->proto == IPPROTO_TCP ? 20 : 8));
	size_t l = pkt_build(f, cap, &s);
	if (l && df) {
		ip_of(f)[6] = 0x40;
		refix(f, l);
	}
	return l;
}

static size_t
big_df(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow)
{
	return big(f, cap, vip, flow, true);
}

static size_t
big_no_df(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow)
{
	return big(f, cap, vip, flow, false);
}

static size_t
padded_to_60(uint8_t *f, size_t cap, const struct fixture_vip *vip, uint32_t flow)
{
	/* The shortest payload, padded by Ethernet: IP total length < frame. */
	struct pkt_spec s;
	base_spec(&s, vip, flow);
	size_t l = build_ok_spec(f, cap, &s, vip, flow, 0, 0, 12);
	if (l < 60) {
		memset(f + l, 0, 60 - l);
		l = 60;
	}
	return l;
}

const struct fixture fixtures[] = {
	{"plain", FIXTURE_FORWARD, plain},
	{"first_fragment", FIXTURE_FORWARD, first_fragment},
	{"vlan_tagged", FIXTURE_FORWARD, vlan_tagged},
	{"ttl2", FIXTURE_FORWARD, ttl2},
	{"odd_length", FIXTURE_FORWARD, odd_length},
	{"udp_zero_cksum", FIXTURE_FORWARD, udp_zero_cksum},
	{"tcp_syn_fin", FIXTURE_FORWARD, tcp_syn_fin},
	{"tcp_no_flags", FIXTURE_FORWARD, tcp_no_flags},
	{"src_backend_as_client", FIXTURE_FORWARD, src_backend_as_client},
	{"ip_options", FIXTURE_FORWARD, ip_options},
	{"padded_to_60", FIXTURE_FORWARD, padded_to_60},
	{"other_dst", LB_DROP_NO_VIP, other_dst},
	{"other_port", LB_DROP_NO_VIP, other_port},
	{"other_proto", LB_DROP_NO_VIP, other_proto},
	{"icmp", LB_DROP_ICMP_INNER, icmp},
	{"icmp_from_backend", LB_DROP_NO_ROUTE, icmp_from_backend},     /* no port address: no route to the client */
	{"icmp_from_backend_8", LB_DROP_NO_ROUTE, icmp_from_backend_8},
	{"big_df", LB_DROP_TOO_BIG, big_df},                            /* no port address to say so from */
	{"big_no_df", LB_DROP_TOO_BIG, big_no_df},
	{"cut_in_eth", LB_DROP_TRUNCATED, cut_in_eth},
	{"cut_in_vlan", LB_DROP_TRUNCATED, cut_in_vlan},
	{"cut_in_ip", LB_DROP_TRUNCATED, cut_in_ip},
	{"cut_in_l4", LB_DROP_TRUNCATED, cut_in_l4},
	{"arp", LB_DROP_ETHERTYPE, arp},
	{"ipv6", LB_DROP_ETHERTYPE, ipv6},
	{"qinq", LB_DROP_ETHERTYPE, qinq},
	{"version6", LB_DROP_BAD_VERSION, version6},
	{"ihl4", LB_DROP_BAD_IHL, ihl4},
	{"totlen_below_header", LB_DROP_BAD_TOTAL_LEN, totlen_below_header},
	{"totlen_beyond_frame", LB_DROP_BAD_TOTAL_LEN, totlen_beyond_frame},
	{"later_fragment", LB_DROP_FRAG_TIMEOUT, later_fragment}, /* held for its first, then dropped */
	{"frag_first_tiny", LB_DROP_FRAG_TINY, frag_first_tiny},
	{"frag_odd_length", LB_DROP_FRAG_TINY, frag_odd_length},
	{"frag_too_long", LB_DROP_FRAG_TOO_LONG, frag_too_long},
	{"ttl1", LB_DROP_TTL_EXPIRED, ttl1},
	{"ttl0", LB_DROP_TTL_EXPIRED, ttl0},
	{"src_loopback", LB_DROP_MARTIAN_SRC, src_loopback},
	{"src_zero", LB_DROP_MARTIAN_SRC, src_zero},
	{"src_multicast", LB_DROP_MARTIAN_SRC, src_multicast},
	{"src_broadcast", LB_DROP_MARTIAN_SRC, src_broadcast},
	{"src_is_vip", LB_DROP_MARTIAN_SRC, src_is_vip},
	{"dst_broadcast", LB_DROP_NO_VIP, dst_broadcast},
	{"dst_multicast", LB_DROP_NO_VIP, dst_multicast},
	{"l4_len_short", LB_DROP_BAD_L4_LEN, l4_len_short},
	{"l4_len_long", LB_DROP_BAD_L4_LEN, l4_len_long},
	{"foreign_dst_mac", LB_DROP_NOT_FOR_US, foreign_dst_mac},
	{"multicast_dst_mac", LB_DROP_NOT_FOR_US, multicast_dst_mac},
	{"broadcast_mac", LB_DROP_NOT_FOR_US, broadcast_mac},
	{"src_backend_endpoint", LB_DROP_SPOOFED_BACKEND, src_backend_endpoint},
	{"src_backend_foreign_mac", LB_DROP_SPOOFED_BACKEND, src_backend_foreign_mac},
	{"reply_foreign_mac", LB_DROP_SPOOFED_BACKEND, reply_foreign_mac},
	{"reply_to_broadcast", LB_DROP_MARTIAN_DST, reply_to_broadcast},
	{"reply_to_multicast", LB_DROP_MARTIAN_DST, reply_to_multicast},
	{"reply_to_vip", LB_DROP_MARTIAN_DST, reply_to_vip},
	{"reply_to_loopback", LB_DROP_MARTIAN_DST, reply_to_loopback},
};
const unsigned nb_fixtures = RTE_DIM(fixtures);

const struct fixture *
fixture_find(const char *name)
{
	for (unsigned i = 0; i < nb_fixtures; i++)
		if (strcmp(fixtures[i].name, name) == 0)
			return &fixtures[i];
	abort();
}

int
fixture_flow_frames(const struct fixture_vip *vips, unsigned nb_vips, uint32_t count, uint32_t size,
		    struct fixture_flows *ff)
{
	*ff = (struct fixture_flows){
		.frames = calloc(count, size), .lens = calloc(count, sizeof(*ff->lens)),
		.size = size, .count = count,
	};
	if (!ff->frames || !ff->lens || nb_vips == 0)
		return -1;
	for (uint32_t f = 0; f < count; f++) {
		const struct fixture_vip *fv = &vips[f % nb_vips];
		uint8_t tagged[PKT_MAX], payload[PKT_MAX] = {0};
		struct pkt_view tv;
		size_t tlen = fixture_build_ok(tagged, sizeof(tagged), fv, f, 0);
		pkt_parse(tagged, tlen, &tv);
		const size_t hdrs = 14 + 20 + (fv->proto == IPPROTO_TCP ? 20 : 8);
		const size_t plen = size > hdrs ? size - hdrs : 0;
		memcpy(payload, tagged + hdrs, plen < tlen - hdrs ? plen : tlen - hdrs);
		struct pkt_spec s = {
			.vlan = -1, .src = tv.src, .dst = tv.dst, .sport = tv.sport, .dport = tv.dport,
			.proto = fv->proto, .ttl = 64, .payload = payload, .payload_len = plen,
		};
		memcpy(s.src_mac, tagged + 6, 6);
		memcpy(s.dst_mac, tagged, 6);
		ff->lens[f] = pkt_build(ff->frames + (size_t)f * size, size, &s);
		if (ff->lens[f] < FIXTURE_MIN_FRAME) /* Ethernet padding */
			ff->lens[f] = FIXTURE_MIN_FRAME;
	}
	return 0;
}

void
fixture_flows_fill(struct fixture_flows *ff, struct rte_mbuf **m, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const uint32_t f = ff->next;
		ff->next = f + 1 == ff->count ? 0 : f + 1;
		memcpy(rte_pktmbuf_append(m[i], ff->lens[f]), ff->frames + (size_t)f * ff->size, ff->lens[f]);
	}
}
