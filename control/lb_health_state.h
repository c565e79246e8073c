/* A backend's health as its check results make it, apart from the admin
 * state (weight, drain) and from what an operator forces. Pure functions:
 * the checker (lb_health.c) and the unit tests use the same ones. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum lb_health { LB_HEALTH_UNKNOWN, LB_HEALTH_UP, LB_HEALTH_DOWN };
enum lb_health_force { LB_FORCE_NONE, LB_FORCE_UP, LB_FORCE_DOWN };

struct lb_health_state {
	enum lb_health health;
	uint32_t ok_run, fail_run; /* consecutive results, capped at rise and fall */
};

static inline const char *
lb_health_name(enum lb_health h)
{
	return h == LB_HEALTH_UP ? "up" : h == LB_HEALTH_DOWN ? "down" : "unknown";
}

/* One check result: rise successes in a row make it up, fall failures in a
 * row down (from unknown too). True when the health changed. */
static inline bool
lb_health_step(struct lb_health_state *s, bool ok, uint32_t rise, uint32_t fall)
{
	if (ok) {
		s->fail_run = 0;
		if (s->ok_run < rise)
			s->ok_run++;
		if (s->health != LB_HEALTH_UP && s->ok_run >= rise) {
			s->health = LB_HEALTH_UP;
			return true;
		}
	} else {
		s->ok_run = 0;
		if (s->fail_run < fall)
			s->fail_run++;
		if (s->health != LB_HEALTH_DOWN && s->fail_run >= fall) {
			s->health = LB_HEALTH_DOWN;
			return true;
		}
	}
	return false;
}

/* Out of new-flow selection? A forced state wins; with the VIP's checks
 * off, or before the first verdict (unknown), the backend serves. */
static inline bool
lb_health_is_down(enum lb_health h, enum lb_health_force force, bool checks_on)
{
	if (force != LB_FORCE_NONE)
		return force == LB_FORCE_DOWN;
	return checks_on && h == LB_HEALTH_DOWN;
}

/* The wait before the next check: interval plus 0..10% jitter (r: any
 * random 32 bits), so the checks of many backends do not stay in step. */
static inline uint32_t
lb_health_next_ms(uint32_t interval_ms, uint32_t r)
{
	return interval_ms + r % (interval_ms / 10 + 1);
}
