/* lb-fuzz-seeds DIR: write every fixture (tools/fixtures.c), for a TCP and a
 * UDP VIP of fuzz_nodes.c's config, as the fuzzer's starting corpus; each
 * with flags 0 (one segment) and 1 (two segments). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "tools/fixtures.h"
#include "tools/pkt.h"

int
main(int argc, char **argv)
{
	static const char *const addrs[] = {"198.51.100.10", "198.51.100.20"};
	static const uint16_t ports[] = {80, 53};
	static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	/* their first backends, as fuzz_nodes.c has them (web's MAC from ARP) */
	static const char *const be_addrs[] = {"10.20.0.11", "10.20.0.13"};
	static const uint16_t be_ports[] = {8080, 5353};
	static const uint8_t be_macs[][6] = {{0x02, 0xaa, 0, 0, 0, 0x11}, {0x02, 0, 0, 0, 0, 0x13}};
	uint8_t buf[PKT_MAX + 1];
	char path[4096];
	unsigned n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (unsigned v = 0; v < 2; v++) {
		struct fixture_vip fv = {.port = ports[v], .proto = protos[v], .index = v, .be_port = be_ports[v]};
		inet_pton(AF_INET, addrs[v], &fv.addr);
		inet_pton(AF_INET, be_addrs[v], &fv.be_addr);
		memcpy(fv.be_mac, be_macs[v], 6);
		for (unsigned i = 0; i < nb_fixtures; i++)
			for (uint8_t flags = 0; flags < 2; flags++) {
				size_t len = fixtures[i].build(buf + 1, sizeof(buf) - 1, &fv, i);
				buf[0] = flags;
				snprintf(path, sizeof(path), "%s/%s-%u-%u", argv[1], fixtures[i].name, v, flags);
				FILE *f = fopen(path, "wb");
				if (!f || fwrite(buf, 1, len + 1, f) != len + 1) {
					perror(path);
					return 1;
				}
				fclose(f);
				n++;
			}
	}
	/* ARP frames for the ARP module (flag 8): a request to us, the reply to
	 * our request for a backend, a gratuitous claim for it, a zero sender */
	static const struct {
		const char *name;
		uint16_t op;
		uint8_t sha_last;
		const char *sip, *tip;
	} arps[] = {
		{"arp-request", 1, 0x50, "10.20.0.50", "10.20.0.1"},
		{"arp-reply-backend", 2, 0x11, "10.20.0.11", "10.20.0.1"},
		{"arp-gratuitous-backend", 2, 0x66, "10.20.0.11", "10.20.0.11"},
		{"arp-zero-sender", 1, 0x00, "10.20.0.51", "10.20.0.1"},
	};
	for (unsigned i = 0; i < sizeof(arps) / sizeof(arps[0]); i++) {
		uint8_t *f = buf + 1;
		memset(buf, 0, 1 + 42);
		buf[0] = 8;
		memset(f, 0xff, 6);
		const uint8_t sha[6] = {0x02, 0xaa, 0, 0, 0, arps[i].sha_last};
		memcpy(f + 6, arps[i].sha_last ? sha : (const uint8_t[6]){0}, 6);
		f[12] = 0x08, f[13] = 0x06;
		f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0, f[18] = 6, f[19] = 4, f[20] = 0, f[21] = arps[i].op;
		memcpy(f + 22, f + 6, 6);
		inet_pton(AF_INET, arps[i].sip, f + 28);
		if (arps[i].op == 2)
			memcpy(f + 32, (const uint8_t[6]){0x02, 0x70, 0x63, 0x61, 0x70, 0x00}, 6);
		inet_pton(AF_INET, arps[i].tip, f + 38);
		snprintf(path, sizeof(path), "%s/%s", argv[1], arps[i].name);
		FILE *fp = fopen(path, "wb");
		if (!fp || fwrite(buf, 1, 43, fp) != 43) {
			perror(path);
			return 1;
		}
		fclose(fp);
		n++;
	}
	printf("%u seeds in %s\n", n, argv[1]);
	return 0;
}
