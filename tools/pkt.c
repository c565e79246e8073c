#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "tools/pkt.h"

uint32_t
pkt_sum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t
pkt_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

size_t
pkt_build(uint8_t *buf, size_t cap, const struct pkt_spec *s)
{
	const size_t l4_hdr = s->proto == IPPROTO_TCP ? 20 : 8;
	size_t l3 = s->vlan >= 0 ? 18 : 14;
	size_t len = l3 + 20 + l4_hdr + s->payload_len;
	uint8_t *ip, *l4;

	if (len > cap)
		return 0;
	memset(buf, 0, len);
	memcpy(buf, s->dst_mac, 6);
	memcpy(buf + 6, s->src_mac, 6);
	if (s->vlan >= 0) {
		put16(buf + 12, 0x8100);
		put16(buf + 14, (uint16_t)s->vlan);
	}
	put16(buf + l3 - 2, 0x0800);
	ip = buf + l3;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4_hdr + s->payload_len));
	put16(ip + 4, 0x1234);
	ip[8] = s->ttl ? s->ttl : 64;
	ip[9] = s->proto;
	memcpy(ip + 12, &s->src, 4);
	memcpy(ip + 16, &s->dst, 4);
	l4 = ip + 20;
	put16(l4, s->sport);
	put16(l4 + 2, s->dport);
	if (s->proto == IPPROTO_TCP) {
		put16(l4 + 4, 0x0102);
		l4[12] = 5 << 4;
		l4[13] = s->tcp_no_flags ? 0 : s->tcp_flags ? s->tcp_flags : 0x02;
		put16(l4 + 14, 65535);
	} else {
		put16(l4 + 4, (uint16_t)(8 + s->payload_len));
	}
	for (size_t i = 0; i < s->payload_len; i++)
		l4[l4_hdr + i] = s->payload ? s->payload[i] : (uint8_t)(i * 7 + 3);

	struct pkt_view v;
	pkt_parse(buf, len, &v);
	pkt_fix_cksums(&v);
	if (s->proto == IPPROTO_UDP && s->udp_no_cksum)
		put16(l4 + 6, 0);
	return len;
}

int
pkt_parse(uint8_t *frame, size_t len, struct pkt_view *v)
{
	size_t l3 = 14;

	memset(v, 0, sizeof(*v));
	if (len < 14)
		return -1;
	if (get16(frame + 12) == 0x8100)
		l3 = 18;
	if (len < l3 + 20 || get16(frame + l3 - 2) != 0x0800)
		return -1;
	v->len = len;
	v->l3 = l3;
	v->ip = frame + l3;
	v->l4 = l3 + (v->ip[0] & 0xf) * 4;
	v->l4p = frame + v->l4;
	v->proto = v->ip[9];
	memcpy(&v->src, v->ip + 12, 4);
	memcpy(&v->dst, v->ip + 16, 4);
	if (v->l4 + 8 > len || (v->proto != IPPROTO_TCP && v->proto != IPPROTO_UDP))
		return -1;
	if (v->proto == IPPROTO_TCP && v->l4 + 20 > len)
		return -1;
	v->sport = get16(v->l4p);
	v->dport = get16(v->l4p + 2);
	v->l4_cksum = get16(v->l4p + (v->proto == IPPROTO_TCP ? 16 : 6));
	return 0;
}

uint16_t
pkt_ip_cksum(const struct pkt_view *v)
{
	uint8_t hdr[60];
	size_t ihl = (v->ip[0] & 0xf) * 4;
	memcpy(hdr, v->ip, ihl);
	hdr[10] = hdr[11] = 0;
	return (uint16_t)~pkt_fold(pkt_sum(hdr, ihl, 0));
}

uint16_t
pkt_l4_cksum(const struct pkt_view *v)
{
	const size_t ihl = (v->ip[0] & 0xf) * 4;
	const size_t l4_len = get16(v->ip + 2) - ihl;
	const size_t ck_off = v->proto == IPPROTO_TCP ? 16 : 6;
	uint8_t pseudo[12];
	uint32_t sum;

	memcpy(pseudo, v->ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = v->proto;
	put16(pseudo + 10, (uint16_t)l4_len);
	sum = pkt_sum(pseudo, sizeof(pseudo), 0);
	sum = pkt_sum(v->l4p, ck_off, sum);
	sum = pkt_sum(v->l4p + ck_off + 2, l4_len - ck_off - 2, sum);
	uint16_t ck = (uint16_t)~pkt_fold(sum);
	return v->proto == IPPROTO_UDP && ck == 0 ? 0xffff : ck;
}

void
pkt_fix_cksums(struct pkt_view *v)
{
	put16(v->ip + 10, pkt_ip_cksum(v));
	put16(v->l4p + (v->proto == IPPROTO_TCP ? 16 : 6), pkt_l4_cksum(v));
	v->l4_cksum = get16(v->l4p + (v->proto == IPPROTO_TCP ? 16 : 6));
}

struct pkt_pcap {
	pcap_t *pcap;
	pcap_dumper_t *dump;
};

struct pkt_pcap *
pkt_pcap_open(const char *path)
{
	struct pkt_pcap *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pcap = pcap_open_dead(DLT_EN10MB, 65535);
	p->dump = p->pcap ? pcap_dump_open(p->pcap, path) : NULL;
	if (!p->dump) {
		if (p->pcap)
			pcap_close(p->pcap);
		free(p);
		return NULL;
	}
	return p;
}

void
pkt_pcap_write(struct pkt_pcap *p, const uint8_t *frame, size_t len)
{
	static unsigned usec;
	struct pcap_pkthdr h = {.caplen = len, .len = len};
	h.ts.tv_sec = 1700000000 + usec / 1000000;
	h.ts.tv_usec = usec++ % 1000000;
	pcap_dump((u_char *)p->dump, &h, frame);
}

void
pkt_pcap_close(struct pkt_pcap *p)
{
	pcap_dump_close(p->dump);
	pcap_close(p->pcap);
	free(p);
}
