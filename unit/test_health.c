/* Health: the state machine (rise, fall, flapping, jitter bounds), health
 * combined with the admin state and what an operator forces, and the
 * all-down policy in the tables the nodes read; the check keys refused. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "control/lb_health_state.h"
#include "control/lb_lookup_fill.h"
#include "unit/harness.h"
#include "unit/tests.h"

static enum lb_health
feed(struct lb_health_state *s, const char *results, uint32_t rise, uint32_t fall, unsigned *changes)
{
	*changes = 0;
	for (const char *r = results; *r; r++)
		*changes += lb_health_step(s, *r == '+', rise, fall);
	return s->health;
}

static void
test_rise_fall(void)
{
	struct lb_health_state s = {0};
	unsigned ch;
	/* unknown until rise successes or fall failures in a row */
	CU_ASSERT_EQUAL(feed(&s, "+", 2, 3, &ch), LB_HEALTH_UNKNOWN);
	CU_ASSERT_EQUAL(feed(&s, "+", 2, 3, &ch), LB_HEALTH_UP);
	CU_ASSERT_EQUAL(ch, 1);
	CU_ASSERT_EQUAL(feed(&s, "++++", 2, 3, &ch), LB_HEALTH_UP);
	CU_ASSERT_EQUAL(ch, 0);
	/* two failures are not three */
	CU_ASSERT_EQUAL(feed(&s, "--", 2, 3, &ch), LB_HEALTH_UP);
	CU_ASSERT_EQUAL(feed(&s, "-", 2, 3, &ch), LB_HEALTH_DOWN);
	CU_ASSERT_EQUAL(ch, 1);
	/* back up after rise successes, not one */
	CU_ASSERT_EQUAL(feed(&s, "+", 2, 3, &ch), LB_HEALTH_DOWN);
	CU_ASSERT_EQUAL(feed(&s, "+", 2, 3, &ch), LB_HEALTH_UP);
	/* from unknown straight to down */
	struct lb_health_state u = {0};
	CU_ASSERT_EQUAL(feed(&u, "---", 2, 3, &ch), LB_HEALTH_DOWN);
	CU_ASSERT_EQUAL(ch, 1);
	/* rise = fall = 1: every result decides */
	struct lb_health_state one = {0};
	CU_ASSERT_EQUAL(feed(&one, "+-+-", 1, 1, &ch), LB_HEALTH_DOWN);
	CU_ASSERT_EQUAL(ch, 4);
}

/* A flapping backend (alternating, or failing 2 of 3) never changes
 * state with rise 2, fall 3: each run is cut short. */
static void
test_flapping(void)
{
	struct lb_health_state s = {0};
	unsigned ch;
	feed(&s, "++", 2, 3, &ch);
	CU_ASSERT_EQUAL(feed(&s, "-+-+-+-+-+-+-+-+", 2, 3, &ch), LB_HEALTH_UP);
	CU_ASSERT_EQUAL(ch, 0);
	CU_ASSERT_EQUAL(feed(&s, "--+--+--+--+", 2, 3, &ch), LB_HEALTH_UP);
	CU_ASSERT_EQUAL(ch, 0);
	feed(&s, "---", 2, 3, &ch);
	CU_ASSERT_EQUAL(feed(&s, "+-+-+-+-", 2, 3, &ch), LB_HEALTH_DOWN);
	CU_ASSERT_EQUAL(ch, 0);
}

static void
test_jitter_bounds(void)
{
	static const uint32_t intervals[] = {100, 2000, 3600000};
	for (unsigned i = 0; i < RTE_DIM(intervals); i++) {
		const uint32_t iv = intervals[i];
		uint32_t lo = UINT32_MAX, hi = 0;
		for (uint32_t r = 0; r < 100000; r++) {
			const uint32_t x = lb_health_next_ms(iv, r * 2654435761u);
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		}
		CU_ASSERT_EQUAL(lo, iv);
		CU_ASSERT_EQUAL(hi, iv + iv / 10); /* reached: the jitter is spread, up to 10% */
	}
}

static void
test_health_and_admin(void)
{
	/* forced wins; checks off or unknown serve */
	CU_ASSERT(lb_health_is_down(LB_HEALTH_DOWN, LB_FORCE_NONE, true));
	CU_ASSERT(!lb_health_is_down(LB_HEALTH_DOWN, LB_FORCE_NONE, false));
	CU_ASSERT(!lb_health_is_down(LB_HEALTH_UNKNOWN, LB_FORCE_NONE, true));
	CU_ASSERT(!lb_health_is_down(LB_HEALTH_DOWN, LB_FORCE_UP, true));
	CU_ASSERT(lb_health_is_down(LB_HEALTH_UP, LB_FORCE_DOWN, true));
	CU_ASSERT(lb_health_is_down(LB_HEALTH_UP, LB_FORCE_DOWN, false));

	/* in the table: a down backend has no entry; a drained one neither,
	 * and health does not give it one back */
	struct lb_cfg_backend b[3] = {
		{.addr = 1, .port = 80, .weight = 1}, {.addr = 2, .port = 80, .weight = 1}, {.addr = 3, .port = 80, .weight = 0}};
	struct lb_cfg_vip v = {.hash = LB_HASH_MAGLEV, .table_size = 251, .nb_backends = 3, .backends = b};
	uint32_t size;
	unsigned count[3];
	for (unsigned round = 0; round < 2; round++) {
		v.hash = round ? LB_HASH_MODULO : LB_HASH_MAGLEV;
		b[0].down = true;
		uint16_t *t = lb_lookup_new(&v, 7, &size);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		memset(count, 0, sizeof(count));
		for (uint32_t s = 0; s < size; s++)
			count[t[s]]++;
		CU_ASSERT(count[0] == 0 && count[1] == size && count[2] == 0);
		free(t);
		CU_ASSERT(!lb_vip_all_down(&v));
		b[0].down = false;
	}
}

/* Every backend with a weight down: no table with all_down = drop (the
 * nodes count no_healthy_backend), all of them by weight with open. */
static void
test_all_down_policy(void)
{
	struct lb_cfg_backend b[3] = {{.addr = 1, .port = 80, .weight = 1, .down = true},
				      {.addr = 2, .port = 80, .weight = 2, .down = true},
				      {.addr = 3, .port = 80, .weight = 0}};
	struct lb_cfg_vip v = {.hash = LB_HASH_MAGLEV, .table_size = 251, .nb_backends = 3, .backends = b,
			       .all_down = LB_ALL_DOWN_DROP};
	uint32_t size;
	CU_ASSERT(lb_vip_all_down(&v));
	CU_ASSERT_EQUAL(lb_lookup_size(&v), 0);
	CU_ASSERT_PTR_NULL(lb_lookup_new(&v, 7, &size));
	v.all_down = LB_ALL_DOWN_OPEN;
	uint16_t *t = lb_lookup_new(&v, 7, &size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	unsigned count[3] = {0};
	for (uint32_t s = 0; s < size; s++)
		count[t[s]]++;
	CU_ASSERT(count[0] > 0 && count[1] > count[0] && count[2] == 0); /* by weight, the drained one out */
	free(t);
	/* one up again: the others stay out, open or not */
	b[1].down = false;
	CU_ASSERT(!lb_vip_all_down(&v));
	t = lb_lookup_new(&v, 7, &size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	memset(count, 0, sizeof(count));
	for (uint32_t s = 0; s < size; s++)
		count[t[s]]++;
	CU_ASSERT(count[0] == 0 && count[1] == size);
	free(t);
	/* no weight at all is not "all down": no_backend, as before */
	b[0].weight = b[1].weight = 0;
	CU_ASSERT(!lb_vip_all_down(&v));
}

static void
test_check_keys(void)
{
#define BASE "[port.0]\ndev = net_null0\naddr = 10.0.0.1/24\nkernel = k0\n[worker.1]\nrx = 0:0\n" \
	     "[vip.v]\naddr = 192.0.2.1\nport = 80\nproto = tcp\nout_port = 0\n"
	static const struct {
		const char *text;
		int line;
		const char *want;
	} cases[] = {
		{BASE "check = icmp\n", 12, "key 'check': expected none, tcp, http or udp"},
		{BASE "check = http\ncheck_path = index.html\n", 13, "key 'check_path': expected a path that starts with '/'"},
		{BASE "check = http\ncheck_path = /a b\n", 13, "key 'check_path': expected a path"},
		{BASE "check = http\ncheck_status = 200-99\n", 13, "key 'check_status': expected HTTP status codes"},
		{BASE "check = http\ncheck_status = 600\n", 13, "key 'check_status': expected HTTP status codes"},
		{BASE "check = http\ncheck_status = 2xx\n", 13, "key 'check_status': expected HTTP status codes"},
		{BASE "check = http\ncheck_interval_ms = 50\n", 13, "key 'check_interval_ms': check_interval_ms must be 100..3600000"},
		{BASE "check = tcp\ncheck_rise = 0\n", 13, "key 'check_rise': check_rise must be 1..100"},
		{BASE "check = tcp\ncheck_interval_ms = 500\ncheck_timeout_ms = 800\n", 14,
		 "key 'check_timeout_ms': longer than check_interval_ms (500)"},
		{BASE "check = tcp\ncheck_path = /\n", 13, "key 'check_path': only for check = http"},
		{BASE "check = http\ncheck_send = hi\n", 13, "key 'check_send': only for check = udp"},
		{BASE "check_fall = 3\n", 12, "key 'check_fall': needs a check"},
		{BASE "all_down = maybe\n", 12, "key 'all_down': expected drop or open"},
		{"[port.0]\ndev = net_null0\naddr = 10.0.0.1/24\n[worker.1]\nrx = 0:0\n"
		 "[vip.v]\naddr = 192.0.2.1\nport = 80\nproto = tcp\nout_port = 0\ncheck = tcp\n",
		 11, "key 'check': needs a kernel interface on the out_port ([port.0] kernel)"},
	};
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		char *msg = NULL, prefix[32];
		size_t size = 0;
		struct lb_config c;
		FILE *err = open_memstream(&msg, &size);
		CU_ASSERT_EQUAL(harness_config(cases[i].text, strlen(cases[i].text), &c, err), -1);
		fclose(err);
		snprintf(prefix, sizeof(prefix), "unit.ini:%d: ", cases[i].line);
		const bool ok = strncmp(msg, prefix, strlen(prefix)) == 0 && strstr(msg, cases[i].want);
		if (!ok)
			fprintf(stderr, "\n  got: %s  want: %s%s\n", msg, prefix, cases[i].want);
		CU_ASSERT(ok);
		free(msg);
	}
	/* the defaults, and a full set written back and read alike */
	static const char good[] = BASE "check = http\ncheck_path = /health\ncheck_host = www.example\n"
				   "check_status = 200,204,300-302\nall_down = open\n";
	struct lb_config a, b;
	CU_ASSERT_EQUAL_FATAL(harness_config(good, strlen(good), &a, stderr), 0);
	const struct lb_cfg_check *k = &a.vips[0].check;
	CU_ASSERT(k->kind == LB_CHECK_HTTP && k->interval_ms == 2000 && k->timeout_ms == 1000 && k->rise == 2 &&
		  k->fall == 3 && k->port == 0);
	CU_ASSERT((k->status[1] >> (204 - 100 - 64)) & 1);
	CU_ASSERT(!((k->status[1] >> (205 - 100 - 64)) & 1));
	CU_ASSERT((k->status[3] >> (302 - 100 - 192)) & 1);
	CU_ASSERT_EQUAL(a.vips[0].all_down, LB_ALL_DOWN_OPEN);
	char *dump = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&dump, &size);
	lb_config_write(f, &a);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(harness_config(dump, size, &b, stderr), 0);
	CU_ASSERT(memcmp(&a.vips[0].check, &b.vips[0].check, sizeof(a.vips[0].check)) == 0);
	CU_ASSERT_EQUAL(b.vips[0].all_down, LB_ALL_DOWN_OPEN);
	free(dump);
	lb_config_free(&a);
	lb_config_free(&b);
#undef BASE
}

void
register_health_tests(void)
{
	CU_pSuite s = CU_add_suite("health", NULL, NULL);
	CU_add_test(s, "rise and fall", test_rise_fall);
	CU_add_test(s, "flapping changes nothing", test_flapping);
	CU_add_test(s, "jitter: interval to interval + 10%", test_jitter_bounds);
	CU_add_test(s, "health with the admin state and forcing", test_health_and_admin);
	CU_add_test(s, "all down: drop, or open by weight", test_all_down_policy);
	CU_add_test(s, "check keys: refused, defaults, written back", test_check_keys);
}
