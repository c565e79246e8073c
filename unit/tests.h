#pragma once
void register_node_tests(void);
void register_config_tests(void);
void register_hash_tests(void);
void register_maglev_tests(void);
void register_churn_tests(void);
void register_l3_tests(void);
void register_key_table_tests(void);
