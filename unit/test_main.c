/* lb-unit: every CUnit suite. Exit status 0 only when all tests pass. */
#include <stdio.h>

#include <CUnit/Basic.h>

#include "unit/harness.h"
#include "unit/tests.h"

int
main(void)
{
	if (harness_init() < 0) {
		fprintf(stderr, "lb-unit: EAL or test graph set-up failed\n");
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	register_config_tests();
	register_hash_tests();
	register_key_table_tests();
	register_maglev_tests();
	register_node_tests();
	register_l3_tests();
	register_trust_tests();
	register_arp_tests();
	register_churn_tests();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned run = CU_get_number_of_tests_run(), failed = CU_get_number_of_tests_failed();
	unsigned asserts_failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	printf("\nunit: %u passed, %u failed\n", run - failed, failed);
	return failed || asserts_failed ? 1 : 0;
}
