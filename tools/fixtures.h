/* The packet fixture table: frames of every kind lb-graph meets, each with
 * the verdict lb_classify must give it. Used by lb-pcapgen (pcap runs of the
 * real binary) and by the unit tests (the node functions in a test graph). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FIXTURE_FORWARD (-1)

/* Payload of frames meant to be forwarded: "LBOK" vip flags flow(4) seq(2). */
#define FIXTURE_MAGIC_OK "LBOK"
#define FIXTURE_FLAG_UDP_ZERO_CKSUM 1

struct fixture_vip {
	uint32_t addr;  /* network order */
	uint16_t port;  /* host order */
	uint8_t proto;
	uint8_t index;  /* written into the payload */
	/* its first backend (the spoofing and return-path fixtures): */
	uint32_t be_addr; /* network order */
	uint16_t be_port; /* host order */
	uint8_t be_mac[6];
};

/* VIP i of a configuration, with its first backend. */
struct lb_config;
struct fixture_vip fixture_vip_of(const struct lb_config *cfg, unsigned i);

struct fixture {
	const char *name;
	int verdict; /* FIXTURE_FORWARD or an enum lb_drop_reason */
	size_t (*build)(uint8_t *frame, size_t cap, const struct fixture_vip *vip, uint32_t flow);
};

/* The MAC fixture frames are addressed to: lb-graph's port. It is the
 * address net_pcap gives its first port, and the unit harness's port; memif
 * configurations that lb-gen feeds set it (dev = net_memif0,...,mac=...). */
extern const uint8_t fixture_lb_mac[6];
#define FIXTURE_LB_MAC_STR "02:70:63:61:70:00"

extern const struct fixture fixtures[];
extern const unsigned nb_fixtures;

/* The fixture of that name (the program stops if there is none). */
const struct fixture *fixture_find(const char *name);

/* A good frame of flow `flow` to `vip` (source 100.64.0.0 + flow), seq in
 * the payload, odd and even lengths depending on the flow. */
size_t fixture_build_ok(uint8_t *frame, size_t cap, const struct fixture_vip *vip, uint32_t flow,
			uint16_t seq);

/* The fields a checker needs from a forwarded frame's payload. */
struct fixture_payload {
	uint8_t vip;
	uint8_t flags;
	uint32_t flow;
	uint16_t seq;
};
bool fixture_payload_get(const uint8_t *l4_payload, size_t len, struct fixture_payload *p);

/* The frames lb-gen sends and lb-nodebench replays: one per flow, flow f to
 * vips[f % nb_vips], `size` bytes without the FCS (60: a "64-byte" frame;
 * shorter ones padded to 60), TTL 64, the fixture tag (flow number) in the
 * payload when it has room (TCP needs 66 bytes). */
#define FIXTURE_MIN_FRAME 60
struct fixture_flows {
	uint8_t *frames; /* frame f at frames + f * size */
	uint16_t *lens;  /* its length */
	uint32_t size, count;
	uint32_t next;   /* the flow fixture_flows_fill copies next */
};
/* 0, or -1 when out of memory. */
int fixture_flow_frames(const struct fixture_vip *vips, unsigned nb_vips, uint32_t count,
			uint32_t size, struct fixture_flows *ff);
/* Copy the next n flows' frames, round robin, into the empty mbufs m[0..n). */
struct rte_mbuf;
void fixture_flows_fill(struct fixture_flows *ff, struct rte_mbuf **m, unsigned n);

/* The source address and port of flow `flow`. */
uint32_t fixture_flow_src(uint32_t flow);
uint16_t fixture_flow_sport(uint32_t flow);
