/* Building the data path's exact-match tables (nodes/lb_key_table.h). A
 * table is filled once, before it is published, and never written after. */
#include <errno.h>

#include <rte_malloc.h>
#include <rte_random.h>

#include "control/lb_key_table_build.h"

struct lb_key_table *
lb_key_table_new(uint32_t max_keys, int socket)
{
	/* At most half full: short probe runs, and always an empty slot. */
	const uint32_t slots = rte_align32pow2(RTE_MAX(2 * max_keys, 8u));
	struct lb_key_table *t = rte_zmalloc_socket(
		"lb_key_table", sizeof(*t) + slots * sizeof(t->slots[0]), RTE_CACHE_LINE_SIZE, socket);

	if (t) {
		t->mask = slots - 1;
		t->shift = 64 - (uint32_t)__builtin_ctz(slots);
		t->mult = rte_rand() | 1; /* per table, per process: no one outside knows it */
	}
	return t;
}

int
lb_key_table_set(struct lb_key_table *t, uint64_t key, uint16_t value)
{
	if (key == 0)
		return -EINVAL;
	for (uint32_t i = lb_key_slot_of(t, key);; i = (i + 1) & t->mask) {
		struct lb_key_slot *s = &t->slots[i];
		if (s->key == key) {
			s->value = value;
			return 0;
		}
		if (s->key == 0) {
			if (2 * (t->count + 1) > t->mask + 1)
				return -ENOSPC;
			*s = (struct lb_key_slot){.key = key, .value = value};
			t->count++;
			return 0;
		}
	}
}

void
lb_key_table_free(struct lb_key_table *t)
{
	rte_free(t);
}
