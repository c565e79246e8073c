/* lb-unit [SUITE [TEST]]: the CUnit suites, all of them or the one named
 * (and in it the one test named). The EAL and the test graph start only
 * when a chosen suite needs them (config, hash and maglev do not). Exit
 * status 0 only when every test run passed; 2 for an unknown name. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "unit/harness.h"
#include "unit/tests.h"

static const struct {
	const char *name; /* as CU_add_suite names it */
	void (*add)(void);
	bool needs_eal;
} suites[] = {
	{"config", register_config_tests, false},
	{"hash", register_hash_tests, false},
	{"maglev", register_maglev_tests, false},
	{"key_table", register_key_table_tests, true},
	{"nodes", register_node_tests, true},
	{"return_path", register_return_path_tests, true},
	{"trust", register_trust_tests, true},
	{"arp", register_arp_tests, true},
	{"live_control", register_live_control_tests, true},
	{"kernel", register_kernel_tests, true},
	{"health", register_health_tests, false},
	{"flow", register_flow_tests, true},
	{"icmp_errors", register_icmp_error_tests, true},
	{"router_hop", register_router_hop_tests, true},
	{"fragments", register_fragment_tests, true},
};

int
main(int argc, char **argv)
{
	const char *suite = argc > 1 ? argv[1] : NULL, *test = argc > 2 ? argv[2] : NULL;
	bool eal = false, found = false;

	if (argc > 3 || (suite && (!strcmp(suite, "-h") || !strcmp(suite, "--help")))) {
		fprintf(stderr, "usage: %s [SUITE [TEST]]\nsuites:", argv[0]);
		for (unsigned i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
			fprintf(stderr, " %s", suites[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (unsigned i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (!suite || strcmp(suite, suites[i].name) == 0) {
			suites[i].add();
			eal |= suites[i].needs_eal;
			found = true;
		}
	if (!found) {
		fprintf(stderr, "lb-unit: no suite '%s' (lb-unit --help lists them)\n", suite);
		CU_cleanup_registry();
		return 2;
	}
	if (eal && harness_init() < 0) {
		fprintf(stderr, "lb-unit: EAL or test graph set-up failed\n");
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (test) {
		CU_pSuite s = CU_get_suite(suite);
		CU_pTest t = s ? CU_get_test(s, test) : NULL;
		if (!t) {
			fprintf(stderr, "lb-unit: no test '%s' in suite '%s'\n", test, suite);
			CU_cleanup_registry();
			return 2;
		}
		CU_basic_run_test(s, t);
	} else {
		CU_basic_run_tests();
	}
	unsigned run = CU_get_number_of_tests_run(), failed = CU_get_number_of_tests_failed();
	unsigned asserts_failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	printf("\nunit: %u passed, %u failed\n", run - failed, failed);
	return failed || asserts_failed ? 1 : 0;
}
