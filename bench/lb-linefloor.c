/* lb-linefloor MB AHEAD [rw]: the cost, in TSC cycles, of one random
 * 64-byte line per iteration from an MB-megabyte region of 2 MB pages, the
 * line prefetched AHEAD iterations before it is read (as lb_hash prefetches
 * flow-table buckets), and with rw one word of it written back (as a hit
 * refreshes its entry). The floor under a flow table larger than the
 * caches (README "Scaling"). Needs free hugepages. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <x86intrin.h>

#define ITERATIONS (1u << 24)

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s MB AHEAD [rw]\n", argv[0]);
		return 2;
	}
	const size_t bytes = (size_t)atoi(argv[1]) << 20, lines = bytes / 64;
	const unsigned ahead = (unsigned)atoi(argv[2]);
	const int rw = argc > 3 && strcmp(argv[3], "rw") == 0;
	uint8_t *r = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	uint32_t *idx = malloc(ITERATIONS * sizeof(*idx));
	if (!lines || r == MAP_FAILED || !idx) {
		perror("lb-linefloor: memory (2 MB pages reserved?)");
		return 1;
	}
	memset(r, 1, bytes);
	uint64_t x = 88172645463325252ull; /* xorshift: the lines in random order */
	for (uint32_t i = 0; i < ITERATIONS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		idx[i] = (uint32_t)(x % lines);
	}
	uint64_t sum = 0;
	const uint64_t t0 = __rdtsc();
	for (uint32_t i = 0; i < ITERATIONS; i++) {
		if (i + ahead < ITERATIONS)
			_mm_prefetch((const char *)(r + (size_t)idx[i + ahead] * 64), _MM_HINT_T0);
		uint64_t *p = (uint64_t *)(r + (size_t)idx[i] * 64);
		sum += p[0] + p[1];
		if (rw)
			p[1] = sum;
	}
	const uint64_t t1 = __rdtsc();
	printf("%s MB, %u ahead, %s: %.1f cycles a line (%u)\n", argv[1], ahead, rw ? "read+write" : "read",
	       (double)(t1 - t0) / ITERATIONS, (unsigned)(sum & 1));
	return 0;
}
