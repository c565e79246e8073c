/* xorshift64*: a fixed, portable stream of test inputs (the same on every
 * machine, unlike rand()), shared by the unit tests that need one. */
#pragma once

#include <stdint.h>

static inline uint64_t
test_rng64(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1DULL;
}
