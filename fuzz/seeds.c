/* lb-fuzz-seeds DIR: write every fixture (tools/fixtures.c), for a TCP and a
 * UDP VIP of fuzz_nodes.c's config, as the fuzzer's starting corpus; each
 * with flags 0 (one segment) and 1 (two segments). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "tools/fixtures.h"
#include "tools/pkt.h"

int
main(int argc, char **argv)
{
	static const char *const addrs[] = {"198.51.100.10", "198.51.100.20"};
	static const uint16_t ports[] = {80, 53};
	static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	uint8_t buf[PKT_MAX + 1];
	char path[4096];
	unsigned n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (unsigned v = 0; v < 2; v++) {
		struct fixture_vip fv = {.port = ports[v], .proto = protos[v], .index = v};
		inet_pton(AF_INET, addrs[v], &fv.addr);
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
	printf("%u seeds in %s\n", n, argv[1]);
	return 0;
}
