/* The INI loader: every bad file is refused with "file:LINE: key 'x':
 * reason" (or "section 'y': reason"), and the shipped configs load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "control/lb_config.h"
#include "unit/harness.h"
#include "unit/tests.h"

#define PORT "[port.0]\ndev = net_null0\n"
#define WORKER "[worker.1]\nrx = 0:0\n"
#define VIP "[vip.web]\naddr = 192.0.2.1\nport = 80\nproto = tcp\nout_port = 0\n" \
	    "backend = 10.0.0.1:80 02:00:00:00:00:01\n"
#define GOOD PORT WORKER VIP

struct bad_case {
	const char *name;
	const char *text;
	size_t len; /* 0: strlen(text) */
	int line;
	const char *want; /* in the message after "path:line: " */
};

static const struct bad_case cases[] = {
	{"unknown section", GOOD "[frob]\n", 0, 11, "section 'frob': unknown section"},
	{"unknown key", "[lb]\nbogus = 1\n" GOOD, 0, 2, "key 'bogus': unknown key"},
	{"key outside a section", "x = 1\n" GOOD, 0, 1, "key 'x': key outside any section"},
	{"syntax error", GOOD "garbage\n", 0, 11, "expected '[section]' or 'key = value'"},
	{"bad VIP address", PORT WORKER "[vip.a]\naddr = 192.0.2.300\n", 0, 6, "key 'addr': bad IPv4 address"},
	{"VIP port too big", PORT WORKER "[vip.a]\nport = 70000\n", 0, 6, "key 'port': port must be 1..65535"},
	{"VIP port 0", PORT WORKER "[vip.a]\nport = 0\n", 0, 6, "key 'port': port must be 1..65535"},
	{"VIP port negative", PORT WORKER "[vip.a]\nport = -1\n", 0, 6, "key 'port': port must be 1..65535"},
	{"proto", PORT WORKER "[vip.a]\nproto = icmp\n", 0, 6, "key 'proto': expected tcp or udp"},
	{"duplicate VIP", GOOD "[vip.web2]\naddr = 192.0.2.1\nport = 80\nproto = tcp\nout_port = 0\n", 0, 11,
	 "section 'vip.web2': duplicate VIP: same address, port and protocol as vip.web"},
	{"duplicate section", GOOD "[vip.web]\n", 0, 11, "section 'vip.web': duplicate section"},
	{"duplicate key", PORT "rx_queues = 1\nrx_queues = 1\n" WORKER VIP, 0, 4, "key 'rx_queues': duplicate key"},
	{"backend without MAC, port without addr", PORT WORKER
	 "[vip.a]\naddr = 192.0.2.1\nport = 80\nproto = tcp\nout_port = 0\nbackend = 10.0.0.1:80\n", 0, 10,
	 "key 'backend': backend without a MAC: give one, or an addr to the out_port"},
	{"backend serving two VIPs", GOOD "[vip.b]\naddr = 192.0.2.2\nport = 80\nproto = tcp\nout_port = 0\n"
	 "backend = 10.0.0.1:80 02:00:00:00:00:01\n", 0, 16,
	 "key 'backend': this backend also serves vip.web: its replies could not be mapped back"},
	{"gateway without addr", "[port.0]\ndev = net_null0\ngateway = 10.0.0.1\n" WORKER VIP, 0, 3,
	 "key 'gateway': needs the port's own addr"},
	{"gateway off link", "[port.0]\ndev = net_null0\naddr = 10.0.0.2/24\ngateway = 10.0.1.1\n" WORKER VIP, 0, 4,
	 "key 'gateway': not in the port's subnet"},
	{"bad port addr", "[port.0]\ndev = net_null0\naddr = 10.0.0.2\n" WORKER VIP, 0, 3,
	 "key 'addr': expected ADDRESS/PREFIX_LENGTH"},
	{"backend bad MAC", PORT WORKER "[vip.a]\nbackend = 10.0.0.1:80 02:00:00:00:00\n", 0, 6,
	 "key 'backend': bad MAC address"},
	{"backend broadcast MAC", PORT WORKER "[vip.a]\nbackend = 10.0.0.1:80 ff:ff:ff:ff:ff:ff\n", 0, 6,
	 "key 'backend': the MAC must be a unicast, non-zero address"},
	{"backend multicast MAC", PORT WORKER "[vip.a]\nbackend = 10.0.0.1:80 01:00:5e:00:00:01\n", 0, 6,
	 "key 'backend': the MAC must be a unicast, non-zero address"},
	{"backend zero MAC", PORT WORKER "[vip.a]\nbackend = 10.0.0.1:80 00:00:00:00:00:00 weight=2\n", 0, 6,
	 "key 'backend': the MAC must be a unicast, non-zero address"},
	{"bad dst_mac", "[port.0]\ndev = net_null0\ndst_mac = all\n" WORKER VIP, 0, 3,
	 "key 'dst_mac': expected own or any"},
	{"bad check_gateway_mac", "[port.0]\ndev = net_null0\ncheck_gateway_mac = sometimes\n" WORKER VIP, 0, 3,
	 "key 'check_gateway_mac': expected on or off"},
	{"icmp_rate too big", "[port.0]\ndev = net_null0\nicmp_rate = 2000000\n" WORKER VIP, 0, 3,
	 "key 'icmp_rate': icmp_rate (echo replies per second) must be 0..1000000"},
	{"icmp_burst 0", "[port.0]\ndev = net_null0\nicmp_burst = 0\n" WORKER VIP, 0, 3,
	 "key 'icmp_burst': icmp_burst must be 1..1000000"},
	{"backend without port", PORT WORKER "[vip.a]\nbackend = 10.0.0.1 02:00:00:00:00:01\n", 0, 6,
	 "key 'backend': expected IP:PORT: the port is missing"},
	{"duplicate backend", GOOD "backend = 10.0.0.1:80 02:00:00:00:00:09\n", 0, 11,
	 "key 'backend': duplicate backend (also on line 10)"},
	{"worker on main lcore", PORT "[worker.0]\nrx = 0:0\n" VIP, 0, 3,
	 "section 'worker.0': worker on the main lcore 0"},
	{"queue polled by no worker", PORT "rx_queues = 2\n" WORKER VIP, 0, 3,
	 "key 'rx_queues': queue 0:1 is polled by no worker"},
	{"queue polled twice", PORT WORKER "[worker.2]\nrx = 0:0\n" VIP, 0, 6,
	 "key 'rx': queue 0:0 is already polled by worker.1"},
	{"rx on undefined port", PORT "[worker.1]\nrx = 0:0 3:0\n" VIP, 0, 4, "key 'rx': port 3 is not defined"},
	{"rx on missing queue", PORT "[worker.1]\nrx = 0:1\n" VIP, 0, 4,
	 "key 'rx': queue 0:1 does not exist (port.0 has rx_queues = 1)"},
	{"rx syntax", PORT "[worker.1]\nrx = 0\n" VIP, 0, 4, "key 'rx': expected PORT:QUEUE, got '0'"},
	{"VIP missing key", PORT WORKER "[vip.a]\naddr = 192.0.2.1\nport = 80\nout_port = 0\n", 0, 5,
	 "section 'vip.a': missing key 'proto'"},
	{"out_port undefined", PORT WORKER "[vip.a]\naddr = 192.0.2.1\nport = 80\nproto = udp\nout_port = 1\n", 0, 9,
	 "key 'out_port': port 1 is not defined"},
	{"port without dev", "[port.0]\nrx_queues = 1\n" WORKER VIP, 0, 1, "section 'port.0': missing key 'dev'"},
	{"bad dev", "[port.0]\ndev = eth0\n" WORKER VIP, 0, 2, "key 'dev': expected a DPDK virtual device"},
	{"port number", "[port.99]\n" GOOD, 0, 1, "section 'port.99': port number must be 0..15"},
	{"no VIP", PORT WORKER, 0, 4, "key '[vip.NAME]': no VIP defined"},
	{"no worker", PORT VIP, 0, 8, "key '[worker.L]': no worker defined"},
	{"huge value", "[lb]\nhash_seed = 99999999999999999999999\n" GOOD, 0, 2, "key 'hash_seed': expected 0x and 1 to 32 hex"},
	{"seed of 33 hex digits", "[lb]\nhash_seed = 0x123456789012345678901234567890123\n" GOOD, 0, 2,
	 "key 'hash_seed': expected 0x and 1 to 32 hex digits"},
	{"seed not hex", "[lb]\nhash_seed = 0x12g4\n" GOOD, 0, 2, "key 'hash_seed': expected 0x"},
	{"seed with a leading zero", "[lb]\nhash_seed = 0123\n" GOOD, 0, 2, "key 'hash_seed': expected 0x"},
	{"seed and seed file", "[lb]\nhash_seed = 1\nhash_seed_file = /nonexistent\n" GOOD, 0, 3,
	 "key 'hash_seed_file': hash_seed and hash_seed_file exclude each other"},
	{"seed file missing", "[lb]\nhash_seed_file = /nonexistent/seed\n" GOOD, 0, 2,
	 "key 'hash_seed_file': cannot open '/nonexistent/seed': No such file or directory"},
	{"bad flow_hash", "[lb]\nflow_hash = siphash\n" GOOD, 0, 2, "key 'flow_hash': expected keyed or crc32c"},
	{"bad bool", "[lb]\ndrop = maybe\n" GOOD, 0, 2, "key 'drop': expected on or off"},
	{"bad node_loop", "[lb]\nnode_loop = fast\n" GOOD, 0, 2, "key 'node_loop': expected auto, quad or scalar"},
	{"negative interval", "[lb]\nstats_interval = -1\n" GOOD, 0, 2, "key 'stats_interval': stats_interval"},
	{"EAL lcores owned", "[eal]\nargs = --no-huge --lcores=0-3\n" GOOD, 0, 2, "key 'args': '--lcores' is set by lb-graph"},
	{"EAL -l owned", "[eal]\nargs = -l 0-1\n" GOOD, 0, 2, "key 'args': '-l' is set by lb-graph"},
	{"EAL vdev owned", "[eal]\nargs = --vdev=net_null1\n" GOOD, 0, 2, "key 'args': '--vdev' is set by lb-graph"},
	{"EAL vdev owned, quoted", "[eal]\nargs = \"--vdev=net_tap0\"\n" GOOD, 0, 2, "key 'args': '--vdev' is set by lb-graph"},
	{"EAL -a owned, quoted in parts", "[eal]\nargs = --no-huge '-a' 0000:01:00.0\n" GOOD, 0, 2,
	 "key 'args': '-a' is set by lb-graph"},
	{"port with a leading zero", PORT WORKER "[vip.a]\naddr = 192.0.2.1\nport = 0443\n", 0, 7,
	 "key 'port': port must be 1..65535"},
	{"weight with a leading zero", PORT WORKER "[vip.a]\nbackend = 10.0.0.1:80 02:00:00:00:00:01 weight=010\n", 0, 6,
	 "key 'backend': expected weight=N (0..1000)"},
	{"hex weight", PORT WORKER "[vip.a]\nbackend = 10.0.0.1:80 02:00:00:00:00:01 weight=0x10\n", 0, 6,
	 "key 'backend': expected weight=N (0..1000)"},
	{"backend port with a leading zero", PORT WORKER "[vip.a]\nbackend = 10.0.0.1:080 02:00:00:00:00:01\n", 0, 6,
	 "key 'backend': port must be 1..65535"},
	{"port section with a leading zero", PORT "[port.01]\ndev = net_null1\n" WORKER VIP, 0, 3,
	 "section 'port.01': port number must be 0..15"},
	{"worker lcore with a leading zero", PORT "[worker.01]\nrx = 0:0\n" VIP, 0, 3,
	 "section 'worker.01': worker lcore must be"},
	{"off-link backend, no MAC, no gateway", "[port.0]\ndev = net_null0\naddr = 10.0.0.254/24\n" WORKER
	 "[vip.a]\naddr = 192.0.2.1\nport = 80\nproto = tcp\nout_port = 0\nbackend = 10.9.0.1:80\n", 0, 11,
	 "key 'backend': backend without a MAC off the out_port's subnet, and the port has no gateway"},
	{"EAL quoting", "[eal]\nargs = --file-prefix='x\n" GOOD, 0, 2, "key 'args': unbalanced quotes"},
	{"bad VIP name", PORT WORKER "[vip.a b]\n", 0, 5, "section 'vip.a b': VIP name must be"},
	{"non-UTF-8 key", "[lb]\nh\xff\xfe = 1\n" GOOD, 0, 2, "key 'h\\xff\\xfe': unknown key"},
	{"NUL byte", "[lb]\ndrop = o\0ff\n" GOOD, sizeof("[lb]\ndrop = o\0ff\n" GOOD) - 1, 2, "NUL byte in line"},
	{"empty file", "", 0, 1, "empty file"},
	{"only comments", "; nothing\n# here\n", 0, 2, "no port defined"},
	{"truncated line", GOOD "[vip.x]\naddr = 192.0.2", 0, 12, "key 'addr': bad IPv4 address '192.0.2'"},
	{"truncated file", GOOD "[vip.x]\naddr = 192.0.2.9\npo", 0, 13, "expected '[section]' or 'key = value'"},
};

static void
check_refused(const char *text, size_t len, int line, const char *want)
{
	char *msg = NULL, prefix[600];
	size_t size = 0;
	struct lb_config cfg;
	FILE *err = open_memstream(&msg, &size);

	CU_ASSERT_EQUAL(harness_config(text, len, &cfg, err), -1);
	fclose(err);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", HARNESS_INI_NAME, line);
	bool ok = strncmp(msg, prefix, strlen(prefix)) == 0 && strstr(msg, want) != NULL &&
		  strchr(msg, '\n') == msg + strlen(msg) - 1;
	if (!ok)
		fprintf(stderr, "\n  got: %s  want: %s...%s\n", msg, prefix, want);
	CU_ASSERT(ok);
	free(msg);
}

static void
test_bad_files(void)
{
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		const struct bad_case *c = &cases[i];
		check_refused(c->text, c->len ? c->len : strlen(c->text), c->line, c->want);
	}
}

static void
test_overlong_line(void)
{
	char text[1024];
	snprintf(text, sizeof(text), "[eal]\nargs = --no-huge%0300d\n" GOOD, 0);
	check_refused(text, strlen(text), 2, "section 'eal': line longer than 198 characters");
}

static void
test_not_a_file(void)
{
	struct lb_config cfg;
	char *msg = NULL;
	size_t size;
	FILE *err = open_memstream(&msg, &size);

	mkdir("/tmp/lb-unit-dir.ini", 0700);
	CU_ASSERT_EQUAL(lb_config_load("/tmp/lb-unit-dir.ini", &cfg, err), -1);
	CU_ASSERT_EQUAL(lb_config_load("/nonexistent/lb.ini", &cfg, err), -1);
	fclose(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "/tmp/lb-unit-dir.ini: not a regular file\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "/nonexistent/lb.ini: No such file or directory\n"));
	rmdir("/tmp/lb-unit-dir.ini");
	free(msg);
}

static void
test_good_file_values(void)
{
	static const char text[] =
		"\xef\xbb\xbf; BOM, comments and defaults\n"
		"[eal]\nargs = --no-huge -m 512\nmain_lcore = 2\n"
		"[lb]\nhash_seed = 0x10\ndrop = on ; inline comment\nstats_interval = 5\ngraph_stats = yes\n"
		"[port.3]\ndev = net_pcap0,rx_pcap=a.pcap\nrx_queues = 2\n"
		"[worker.1]\nrx = 3:0, 3:1\ncpu = 0\n"
		"[vip.web]\naddr = 192.0.2.1\nport = 443\nproto = tcp\nout_port = 3\n"
		"backend = 10.0.0.1:8443 02:00:00:00:00:01\nbackend = 10.0.0.2:8443 02:00:00:00:00:02\n";
	struct lb_config cfg;
	char path[64];
	/* through a file once: lb_config_load's own path, BOM and all */
	snprintf(path, sizeof(path), "/tmp/lb-unit-%d.ini", getpid());
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(text, 1, strlen(text), f);
	fclose(f);

	CU_ASSERT_EQUAL_FATAL(lb_config_load(path, &cfg, stderr), 0);
	CU_ASSERT_STRING_EQUAL(cfg.path, path);
	CU_ASSERT_STRING_EQUAL(cfg.eal_args, "--no-huge -m 512");
	CU_ASSERT_EQUAL(cfg.main_lcore, 2);
	CU_ASSERT(cfg.hash_seed[0] == 0x10 && cfg.hash_seed[1] == 0);
	CU_ASSERT_EQUAL(cfg.flow_hash, LB_FLOW_HASH_KEYED); /* flow_hash's default */
	CU_ASSERT(cfg.drop);
	CU_ASSERT(cfg.graph_stats);
	CU_ASSERT_EQUAL(cfg.node_loop, LB_LOOP_AUTO); /* node_loop's default */
	CU_ASSERT_EQUAL(cfg.stats_interval, 5);
	CU_ASSERT(cfg.ports[3].defined && !cfg.ports[0].defined);
	CU_ASSERT_EQUAL(cfg.ports[3].rx_queues, 2);
	CU_ASSERT_EQUAL(cfg.ports[3].rx_desc, 1024);
	CU_ASSERT(!cfg.ports[3].any_dst_mac && !cfg.ports[3].check_gateway_mac); /* dst_mac = own */
	CU_ASSERT_EQUAL(cfg.ports[3].icmp_rate, 100);
	CU_ASSERT_EQUAL(cfg.ports[3].icmp_burst, 0); /* as icmp_rate */
	CU_ASSERT_EQUAL(cfg.nb_workers, 1);
	CU_ASSERT_EQUAL(cfg.workers[0].lcore, 1);
	CU_ASSERT_EQUAL(cfg.workers[0].cpu, 0);
	CU_ASSERT_EQUAL(cfg.workers[0].nb_rx, 2);
	CU_ASSERT_EQUAL(cfg.nb_vips, 1);
	CU_ASSERT_EQUAL(cfg.vips[0].port, 443);
	CU_ASSERT_EQUAL(cfg.vips[0].nb_backends, 2);
	CU_ASSERT_EQUAL(cfg.vips[0].backends[1].port, 8443);
	CU_ASSERT_EQUAL(cfg.vips[0].backends[1].mac.addr_bytes[5], 2);
	lb_config_free(&cfg);
	unlink(path);
}

/* hash_seed_file: read when only its owner may read it, refused when
 * others may; the written INI names the file, never the seed. */
static void
test_seed_file(void)
{
	const char *seed_path = "/tmp/lb-unit-seed";
	char text[512], *dump = NULL;
	size_t size = 0;
	struct lb_config cfg;
	FILE *f = fopen(seed_path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("0x0123456789abcdef00112233445566ff\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "[lb]\nhash_seed_file = %s\n" GOOD, seed_path);
	chmod(seed_path, 0640);
	check_refused(text, strlen(text), 2, "key 'hash_seed_file': '/tmp/lb-unit-seed' is readable or writable by group or others (mode 0640)");
	chmod(seed_path, 0606);
	check_refused(text, strlen(text), 2, "by group or others (mode 0606): chmod 600 it");
	chmod(seed_path, 0600);
	CU_ASSERT_EQUAL_FATAL(harness_config(text, strlen(text), &cfg, stderr), 0);
	CU_ASSERT(cfg.hash_seed[0] == 0x00112233445566ffull && cfg.hash_seed[1] == 0x0123456789abcdefull);
	f = open_memstream(&dump, &size);
	lb_config_write(f, &cfg);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(dump, "hash_seed_file = /tmp/lb-unit-seed\n"));
	CU_ASSERT_PTR_NULL(strstr(dump, "0123456789abcdef"));
	CU_ASSERT_PTR_NULL(strstr(dump, "445566ff"));
	lb_config_free(&cfg);
	free(dump);
	/* an inline seed is not written either, and the dump loads */
	snprintf(text, sizeof(text), "[lb]\nhash_seed = 0xfeedc0ffee\nflow_hash = crc32c\n" GOOD);
	CU_ASSERT_EQUAL_FATAL(harness_config(text, strlen(text), &cfg, stderr), 0);
	CU_ASSERT(cfg.hash_seed[0] == 0xfeedc0ffeeull && cfg.flow_hash == LB_FLOW_HASH_CRC32C);
	dump = NULL;
	f = open_memstream(&dump, &size);
	lb_config_write(f, &cfg);
	fclose(f);
	CU_ASSERT_PTR_NULL(strstr(dump, "feedc0ffee"));
	CU_ASSERT_PTR_NOT_NULL(strstr(dump, "flow_hash = crc32c\n"));
	lb_config_free(&cfg);
	CU_ASSERT_EQUAL(harness_config(dump, size, &cfg, stderr), 0);
	CU_ASSERT_EQUAL(cfg.flow_hash, LB_FLOW_HASH_CRC32C);
	lb_config_free(&cfg);
	free(dump);
	unlink(seed_path);
}

/* The port's trust keys, read and written back (lb-ctl config) alike. */
static void
test_port_trust_keys_round_trip(void)
{
	static const char text[] = "[port.0]\ndev = net_null0\naddr = 10.0.0.254/24\ngateway = 10.0.0.1\n"
				   "dst_mac = any\ncheck_gateway_mac = on\nicmp_rate = 7\nicmp_burst = 3\n"
				   "[port.1]\ndev = net_null1\nicmp_rate = 0\n[worker.1]\nrx = 0:0 1:0\n" VIP;
	struct lb_config a, b;
	char *dump = NULL;
	size_t size = 0;

	CU_ASSERT_EQUAL_FATAL(harness_config(text, strlen(text), &a, stderr), 0);
	CU_ASSERT(a.ports[0].any_dst_mac && a.ports[0].check_gateway_mac && !a.ports[1].any_dst_mac);
	CU_ASSERT(a.ports[0].icmp_rate == 7 && a.ports[0].icmp_burst == 3 && a.ports[1].icmp_rate == 0);
	FILE *f = open_memstream(&dump, &size);
	lb_config_write(f, &a);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(harness_config(dump, size, &b, stderr), 0);
	for (unsigned p = 0; p < 2; p++) {
		CU_ASSERT_EQUAL(a.ports[p].any_dst_mac, b.ports[p].any_dst_mac);
		CU_ASSERT_EQUAL(a.ports[p].check_gateway_mac, b.ports[p].check_gateway_mac);
		CU_ASSERT_EQUAL(a.ports[p].icmp_rate, b.ports[p].icmp_rate);
		CU_ASSERT_EQUAL(a.ports[p].icmp_burst, b.ports[p].icmp_burst);
	}
	free(dump);
	lb_config_free(&a);
	lb_config_free(&b);
}

static void
test_node_loop_values(void)
{
	static const struct {
		const char *value;
		enum lb_node_loop loop;
	} cases[] = {{"auto", LB_LOOP_AUTO}, {"quad", LB_LOOP_QUAD}, {"scalar", LB_LOOP_SCALAR}};

	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		char text[512];
		struct lb_config cfg;
		snprintf(text, sizeof(text),
			 "[lb]\nnode_loop = %s\n"
			 "[port.0]\ndev = net_null0\n[worker.1]\nrx = 0:0\n"
			 "[vip.v]\naddr = 192.0.2.1\nport = 53\nproto = udp\nout_port = 0\n"
			 "backend = 10.0.0.1:53 02:00:00:00:00:01\n",
			 cases[i].value);
		CU_ASSERT_EQUAL_FATAL(harness_config(text, strlen(text), &cfg, stderr), 0);
		CU_ASSERT_EQUAL(cfg.node_loop, cases[i].loop);
		CU_ASSERT_STRING_EQUAL(lb_node_loop_name(cfg.node_loop), cases[i].value);
		lb_config_free(&cfg);
	}
}

static void
test_shipped_configs_load(void)
{
	static const char *const files[] = {"conf/lb.ini", "conf/examples/af_packet.ini",
					    "conf/examples/pci.ini"};
	for (unsigned i = 0; i < RTE_DIM(files); i++) {
		char path[1024];
		struct lb_config cfg;
		snprintf(path, sizeof(path), "%s/%s", LB_SOURCE_ROOT, files[i]);
		CU_ASSERT_EQUAL(lb_config_load(path, &cfg, stderr), 0);
		lb_config_free(&cfg);
	}
}

/* Every default in the key tables parses, and a file with only what is
 * required gets them all. */
static void
test_defaults(void)
{
	static const char text[] = "[port.0]\ndev = net_null0\n[worker.1]\nrx = 0:0\n"
				   "[vip.v]\naddr = 192.0.2.1\nport = 53\nproto = udp\nout_port = 0\n";
	struct lb_config cfg;

	CU_ASSERT_EQUAL_FATAL(harness_config(text, strlen(text), &cfg, stderr), 0);
	CU_ASSERT(cfg.main_lcore == 0 && cfg.main_cpu == 0 && cfg.mbufs == 0);
	CU_ASSERT(cfg.hash_seed[0] == 0x1b873593 && cfg.hash_seed[1] == 0 && !cfg.hash_seed_file[0]);
	CU_ASSERT(cfg.flow_hash == LB_FLOW_HASH_KEYED && !cfg.drop && cfg.stats_interval == 1 && !cfg.graph_stats);
	CU_ASSERT_EQUAL(cfg.node_loop, LB_LOOP_AUTO);
	const struct lb_cfg_port *p = &cfg.ports[0];
	CU_ASSERT(p->rx_queues == 1 && p->rx_desc == 1024 && p->tx_desc == 1024 && !p->promiscuous);
	CU_ASSERT(!p->addr && !p->gateway && !p->any_dst_mac && !p->check_gateway_mac);
	CU_ASSERT(p->icmp_rate == LB_DEFAULT_ICMP_RATE && p->icmp_burst == 0);
	CU_ASSERT_EQUAL(cfg.workers[0].cpu, 1); /* the lcore's number */
	CU_ASSERT(cfg.vips[0].hash == LB_HASH_MAGLEV && cfg.vips[0].table_size == LB_DEFAULT_TABLE_SIZE);
	lb_config_free(&cfg);
}

/* Keys are independent of their order: main_cpu before main_lcore stays
 * (main_lcore used to overwrite it), and hash_seed and hash_seed_file
 * refuse each other in both orders. */
static void
test_key_order(void)
{
	static const char text[] = "[eal]\nmain_cpu = 1\nmain_lcore = 3\n[port.0]\ndev = net_null0\n"
				   "[worker.1]\nrx = 0:0\n[vip.v]\naddr = 192.0.2.1\nport = 53\nproto = udp\n"
				   "out_port = 0\n";
	struct lb_config cfg;

	CU_ASSERT_EQUAL_FATAL(harness_config(text, strlen(text), &cfg, stderr), 0);
	CU_ASSERT(cfg.main_lcore == 3 && cfg.main_cpu == 1);
	lb_config_free(&cfg);
	const char *seed_path = "/tmp/lb-unit-seed-order";
	FILE *f = fopen(seed_path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("0x42\n", f);
	fclose(f);
	chmod(seed_path, 0600);
	char seeds[256];
	snprintf(seeds, sizeof(seeds), "[lb]\nhash_seed_file = %s\nhash_seed = 1\n", seed_path);
	check_refused(seeds, strlen(seeds), 3, "key 'hash_seed': hash_seed and hash_seed_file exclude each other");
	snprintf(seeds, sizeof(seeds), "[lb]\nhash_seed = 1\nhash_seed_file = %s\n", seed_path);
	check_refused(seeds, strlen(seeds), 3, "key 'hash_seed_file': hash_seed and hash_seed_file exclude each other");
	unlink(seed_path);
}

void
register_config_tests(void)
{
	CU_pSuite s = CU_add_suite("config", NULL, NULL);
	CU_add_test(s, "bad INI files refused with file:line: key: reason", test_bad_files);
	CU_add_test(s, "over-long line refused", test_overlong_line);
	CU_add_test(s, "directory or missing file refused", test_not_a_file);
	CU_add_test(s, "good file: values and defaults", test_good_file_values);
	CU_add_test(s, "node_loop = auto, quad, scalar", test_node_loop_values);
	CU_add_test(s, "port trust keys: read and written back", test_port_trust_keys_round_trip);
	CU_add_test(s, "hash_seed_file: owner only; dumps never show the seed", test_seed_file);
	CU_add_test(s, "shipped configs load", test_shipped_configs_load);
	CU_add_test(s, "defaults: from the key tables, all parse", test_defaults);
	CU_add_test(s, "keys do not depend on their order", test_key_order);
}
