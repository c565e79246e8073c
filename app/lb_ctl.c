/* lb-ctl: the command line for lb-graph's control API (the /lb/ commands on
 * DPDK's telemetry socket), for people and scripts.
 *
 *   lb-ctl [-c lb.ini | -p FILE_PREFIX | -s SOCKET] [--json] COMMAND
 *
 * Exit codes: 0 done, 1 refused by lb-graph (reason on stderr), 2 usage,
 * 3 no connection to lb-graph. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <wordexp.h>

#include <jansson.h>

#include "app/lb_api.h"
#include "control/lb_config.h"

enum { EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NOCONN };

static bool raw_json;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: lb-ctl [-c lb.ini | -p FILE_PREFIX | -s SOCKET] [--json] COMMAND\n"
		"commands:\n"
		"  vips                                    list the VIPs\n"
		"  vip NAME                                one VIP: backends, weights, state, packets\n"
		"  backend add VIP IP:PORT [MAC] [weight=N]  add a backend (weight 1 by default; no MAC: ARP finds it)\n"
		"  backend del VIP IP:PORT                 remove a backend\n"
		"  backend weight VIP IP:PORT N            set a weight (0..1000)\n"
		"  backend drain VIP IP:PORT               weight 0: no new flow goes to it\n"
		"  drop [on|off]                           show or set the global drop switch\n"
		"  stats                                   the counters of the [STATS] line\n"
		"  config                                  the running configuration, as INI\n"
		"  arp                                     neighbour table and ARP counters\n"
		"  flows                                   each worker's flow table: entries, hits, expiries, flood guard\n"
		"  frags                                   each worker's fragment table: datagrams, fragments followed, held\n"
		"  flow VIP CLIENT_IP:PORT                 one flow's backend in each worker's table\n"
		"  health [VIP]                            every health check: health, last result, since, counters\n"
		"  health VIP on|off                       switch a VIP's checks on or off (off: all serve)\n"
		"  health force VIP IP:PORT up|down|auto   force a backend's health for maintenance (auto: the checks')\n"
		"The socket is /var/run/dpdk/<prefix>/dpdk_telemetry.v2; the prefix comes from\n"
		"-p, or from --file-prefix in the [eal] args of the INI file given with -c.\n"
		"Exit: 0 done, 1 refused (reason on stderr), 2 usage, 3 no connection.\n");
}

/* --file-prefix from the INI's [eal] args, "rte" when absent. */
static int
prefix_from_ini(const char *path, char *prefix, size_t size)
{
	static struct lb_config cfg;
	wordexp_t we;

	if (lb_config_load(path, &cfg, stderr) < 0)
		return -1;
	snprintf(prefix, size, "rte");
	if (wordexp(cfg.eal_args, &we, WRDE_NOCMD) == 0) {
		for (size_t i = 0; i < we.we_wordc; i++) {
			const char *w = we.we_wordv[i];
			if (strncmp(w, "--file-prefix=", 14) == 0)
				snprintf(prefix, size, "%s", w + 14);
			else if (strcmp(w, "--file-prefix") == 0 && i + 1 < we.we_wordc)
				snprintf(prefix, size, "%s", we.we_wordv[i + 1]);
		}
		wordfree(&we);
	}
	lb_config_free(&cfg);
	return 0;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char hello[1024];
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	if (fd < 0 || strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    recv(fd, hello, sizeof(hello), 0) <= 0) { /* {"version":...} */
		close(fd);
		return -1;
	}
	return fd;
}

/* Send one command; returns the value under the command's name, or NULL. */
static json_t *
call(int fd, const char *cmd, const char *params)
{
	static char buf[65536];
	char req[1024];
	json_error_t jerr;
	ssize_t n;

	snprintf(req, sizeof(req), "%s%s%s", cmd, params ? "," : "", params ? params : "");
	if (send(fd, req, strlen(req), 0) < 0 || (n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0) {
		fprintf(stderr, "lb-ctl: lost the connection: %s\n", strerror(errno));
		exit(EXIT_NOCONN);
	}
	buf[n] = '\0';
	json_t *root = json_loads(buf, 0, &jerr);
	json_t *v = root ? json_object_get(root, cmd) : NULL;
	if (!v || json_is_null(v)) {
		fprintf(stderr, "lb-ctl: lb-graph does not know %s (reply: %s)\n", cmd, buf);
		exit(EXIT_REFUSED);
	}
	json_incref(v);
	json_decref(root);
	return v;
}

static int
print_reply(const char *cmd, json_t *v)
{
	json_t *err = json_is_object(v) ? json_object_get(v, "error") : NULL;
	if (raw_json) {
		char *s = json_dumps(v, JSON_COMPACT);
		printf("%s\n", s);
		free(s);
	}
	if (err) {
		fprintf(stderr, "lb-ctl: %s refused: %s\n", cmd, json_string_value(err));
		return EXIT_REFUSED;
	}
	if (raw_json)
		return EXIT_OK;
	if (json_is_string(v)) {
		fputs(json_string_value(v), stdout);
		return EXIT_OK;
	}
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val) {
		if (json_is_string(val))
			printf("%s: %s\n", key, json_string_value(val));
		else if (json_is_integer(val))
			printf("%s: %" JSON_INTEGER_FORMAT "\n", key, json_integer_value(val));
	}
	return EXIT_OK;
}

/* Paged reads start over when a page comes from another generation of
 * the state than the first (a change came in between), at most
 * LB_API_PAGED_TRIES times. */
static int
changed_meanwhile(const char *what)
{
	fprintf(stderr, "lb-ctl: %s changed while it was read, %d times in a row; try again\n", what,
		LB_API_PAGED_TRIES);
	return EXIT_REFUSED;
}

static uint64_t
generation_of(json_t *v)
{
	return (uint64_t)json_integer_value(json_object_get(v, LB_KEY_GENERATION));
}

static int
show_vips(int fd)
{
	json_t *v = call(fd, LB_API_VIPS, NULL);
	if (raw_json || json_object_get(v, LB_KEY_ERROR)) {
		int rc = print_reply("vips", v);
		json_decref(v);
		return rc;
	}
	json_t *name = json_object_get(v, LB_KEY_NAME), *addr = json_object_get(v, LB_KEY_ADDR),
	       *port = json_object_get(v, LB_KEY_PORT), *proto = json_object_get(v, LB_KEY_PROTO);
	for (size_t i = 0; i < json_array_size(name); i++)
		printf("%s: %s:%" JSON_INTEGER_FORMAT "/%s\n", json_string_value(json_array_get(name, i)),
		       json_string_value(json_array_get(addr, i)), json_integer_value(json_array_get(port, i)),
		       json_string_value(json_array_get(proto, i)));
	json_decref(v);
	return EXIT_OK;
}

/* The whole VIP into out (a memory stream), or an exit code other than
 * EXIT_OK; 1 (try again) when a page came from another generation. */
static int
read_vip(int fd, const char *name, FILE *out)
{
	uint32_t first = 0, total;
	uint64_t gen = 0;
	char params[128];

	do {
		snprintf(params, sizeof(params), "%s %u", name, first);
		json_t *v = call(fd, LB_API_VIP, params);
		if (raw_json || json_object_get(v, LB_KEY_ERROR)) {
			int rc = print_reply("vip", v);
			json_decref(v);
			return rc == EXIT_OK ? -1 : rc;
		}
		if (first == 0)
			gen = generation_of(v);
		else if (generation_of(v) != gen) {
			json_decref(v);
			return 1;
		}
		json_t *be = json_object_get(v, "backend"), *mac = json_object_get(v, "mac"),
		       *w = json_object_get(v, "weight"), *st = json_object_get(v, "state"),
		       *pk = json_object_get(v, "backend_pkts"), *hl = json_object_get(v, "health");
		total = json_integer_value(json_object_get(v, "nb_backends"));
		if (first == 0) {
			fprintf(out, "vip %s %s:%" JSON_INTEGER_FORMAT "/%s out_port %" JSON_INTEGER_FORMAT " hash %s",
				name, json_string_value(json_object_get(v, "addr")),
				json_integer_value(json_object_get(v, "port")),
				json_string_value(json_object_get(v, "proto")),
				json_integer_value(json_object_get(v, "out_port")),
				json_string_value(json_object_get(v, "hash")));
			if (json_integer_value(json_object_get(v, "table_size")))
				fprintf(out, " table_size %" JSON_INTEGER_FORMAT,
					json_integer_value(json_object_get(v, "table_size")));
			fprintf(out, " pkts %" JSON_INTEGER_FORMAT "\n", json_integer_value(json_object_get(v, "pkts")));
			fprintf(out, "  %-21s %-17s %6s %-7s %12s  %s\n", "backend", "mac", "weight", "state", "pkts", "health");
		}
		size_t n = json_array_size(be);
		for (size_t i = 0; i < n; i++)
			fprintf(out, "  %-21s %-17s %6" JSON_INTEGER_FORMAT " %-7s %12" JSON_INTEGER_FORMAT "  %s\n",
				json_string_value(json_array_get(be, i)), json_string_value(json_array_get(mac, i)),
				json_integer_value(json_array_get(w, i)), json_string_value(json_array_get(st, i)),
				json_integer_value(json_array_get(pk, i)),
				json_string_value(json_array_get(hl, i)) ? json_string_value(json_array_get(hl, i)) : "-");
		first += n;
		json_decref(v);
		if (n == 0)
			break;
	} while (first < total);
	return EXIT_OK;
}

/* Run read(fd, arg, stream) until one attempt saw one generation, and
 * print what it read. */
static int
paged(int fd, const void *arg, int (*read)(int, const void *, FILE *), const char *what)
{
	for (int attempt = 0; attempt < LB_API_PAGED_TRIES; attempt++) {
		char *text = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&text, &len);
		if (!out)
			return EXIT_REFUSED;
		int rc = read(fd, arg, out);
		fclose(out);
		if (rc == EXIT_OK)
			fwrite(text, 1, len, stdout);
		free(text);
		if (rc != 1)
			return rc < 0 ? EXIT_OK : rc;
	}
	return changed_meanwhile(what);
}

static int
read_vip_cb(int fd, const void *name, FILE *out)
{
	return read_vip(fd, name, out);
}

/* /lb/health page by page (its lines, counters once); arg: the VIP or NULL. */
/* A reply's array of text lines, each after indent; how many. */
static size_t
print_lines(FILE *out, const char *indent, const json_t *lines)
{
	const size_t n = json_array_size(lines);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s\n", indent, json_string_value(json_array_get(lines, i)));
	return n;
}

static int
read_health(int fd, const void *arg, FILE *out)
{
	const char *vip = arg;
	unsigned first = 0, total;
	char params[96];

	do {
		snprintf(params, sizeof(params), "%u%s%s", first, vip ? " " : "", vip ? vip : "");
		json_t *v = call(fd, LB_API_HEALTH, params), *e = json_object_get(v, LB_KEY_ENTRIES);
		if (!e) {
			int rc = print_reply("health", v);
			json_decref(v);
			return rc == EXIT_OK ? -1 : rc;
		}
		if (first == 0)
			fprintf(out, "checks: %" JSON_INTEGER_FORMAT " sent: %" JSON_INTEGER_FORMAT " ok: %" JSON_INTEGER_FORMAT
				     " failed: %" JSON_INTEGER_FORMAT "\n",
				json_integer_value(json_object_get(v, "checks")), json_integer_value(json_object_get(v, "sent")),
				json_integer_value(json_object_get(v, "ok")), json_integer_value(json_object_get(v, "failed")));
		total = json_integer_value(json_object_get(v, "checks"));
		const size_t n = print_lines(out, "  ", e);
		first += n;
		json_decref(v);
		if (n == 0)
			break;
	} while (first < total);
	return EXIT_OK;
}

static int
read_arp(int fd, const void *unused, FILE *out)
{
	uint32_t first = 0, total;
	uint64_t gen = 0;
	char params[16];

	do {
		snprintf(params, sizeof(params), "%u", first);
		json_t *v = call(fd, LB_API_ARP, params), *e = json_object_get(v, LB_KEY_ENTRIES);
		if (first == 0) {
			gen = generation_of(v);
			const char *key;
			json_t *val;
			json_object_foreach(v, key, val)
				if (json_is_integer(val) && strcmp(key, LB_KEY_FIRST) != 0)
					fprintf(out, "%s: %" JSON_INTEGER_FORMAT "\n", key, json_integer_value(val));
		} else if (generation_of(v) != gen) {
			json_decref(v);
			return 1;
		}
		total = json_integer_value(json_object_get(v, LB_KEY_ENTRIES_TOTAL));
		const size_t n = print_lines(out, "  ", e);
		first += n;
		json_decref(v);
		if (n == 0)
			break;
	} while (first < total);
	return EXIT_OK;
}

/* The generation a /lb/config page names in its first line, and the text
 * after that line. */
static const char *
config_page(const char *page, uint64_t *gen)
{
	const size_t head = strlen(LB_CONFIG_PAGE_HEAD);
	const char *nl = strchr(page, '\n');
	if (strncmp(page, LB_CONFIG_PAGE_HEAD, head) != 0 || !nl)
		return NULL;
	*gen = strtoull(page + head, NULL, 10);
	return nl + 1;
}

static int
read_config(int fd, const void *unused, FILE *out)
{
	uint64_t gen0 = 0;
	char page[16];

	for (unsigned p = 0;; p++) {
		snprintf(page, sizeof(page), "%u", p);
		json_t *v = call(fd, LB_API_CONFIG, page);
		uint64_t gen;
		const char *body = json_is_string(v) ? config_page(json_string_value(v), &gen) : NULL;
		if (!body) {
			int rc = print_reply("config", v);
			json_decref(v);
			return rc == EXIT_OK ? EXIT_REFUSED : rc;
		}
		if (p == 0) {
			gen0 = gen;
			fputs(json_string_value(v), out); /* with its first line: a comment */
		} else if (gen != gen0) {
			json_decref(v);
			return 1;
		} else {
			fputs(body, out);
		}
		const bool last = *body == '\0';
		json_decref(v);
		if (last)
			return EXIT_OK;
	}
}

/* argv words after the command name, joined by spaces. */
static void
join(char *buf, size_t size, int argc, char **argv)
{
	buf[0] = '\0';
	for (int i = 0; i < argc; i++) {
		strncat(buf, i ? " " : "", size - strlen(buf) - 1);
		strncat(buf, argv[i], size - strlen(buf) - 1);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"file-prefix", required_argument, NULL, 'p'},
		{"socket", required_argument, NULL, 's'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	char prefix[256] = "", path[512] = "", params[512];
	int c;

	while ((c = getopt_long(argc, argv, "+c:p:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (prefix_from_ini(optarg, prefix, sizeof(prefix)) < 0)
				return EXIT_USAGE;
			break;
		case 'p': snprintf(prefix, sizeof(prefix), "%s", optarg); break;
		case 's': snprintf(path, sizeof(path), "%s", optarg); break;
		case 'j': raw_json = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!path[0]) {
		const char *run = getuid() == 0 ? "/var/run" : getenv("XDG_RUNTIME_DIR");
		snprintf(path, sizeof(path), "%s/dpdk/%s/dpdk_telemetry.v2", run ? run : "/tmp",
			 prefix[0] ? prefix : "rte");
	}

	/* Check the words before connecting: a usage error never reaches lb-graph. */
	const char *cmd = NULL;
	int nargs = argc - 1;
	char **args = argv + 1;
	if (strcmp(argv[0], "vips") == 0 && nargs == 0)
		cmd = LB_API_VIPS;
	else if (strcmp(argv[0], "vip") == 0 && nargs == 1)
		cmd = LB_API_VIP;
	else if (strcmp(argv[0], "stats") == 0 && nargs == 0)
		cmd = LB_API_STATS;
	else if (strcmp(argv[0], "config") == 0 && nargs == 0)
		cmd = LB_API_CONFIG;
	else if (strcmp(argv[0], "arp") == 0 && nargs == 0)
		cmd = LB_API_ARP;
	else if (strcmp(argv[0], "drop") == 0 && nargs <= 1)
		cmd = LB_API_DROP;
	else if (strcmp(argv[0], "health") == 0 && nargs <= 1)
		cmd = LB_API_HEALTH;
	else if (strcmp(argv[0], "flows") == 0 && nargs == 0)
		cmd = LB_API_FLOWS;
	else if (strcmp(argv[0], "frags") == 0 && nargs == 0)
		cmd = LB_API_FRAGS;
	else if (strcmp(argv[0], "flow") == 0 && nargs == 2)
		cmd = LB_API_FLOW;
	else if (strcmp(argv[0], "health") == 0 && nargs == 4 && strcmp(args[0], "force") == 0) {
		cmd = LB_API_HEALTH_FORCE;
		nargs--;
		args++;
	} else if (strcmp(argv[0], "health") == 0 && nargs == 2 && strcmp(args[0], "force") != 0)
		cmd = LB_API_HEALTH_SET;
	else if (strcmp(argv[0], "backend") == 0 && nargs >= 1) {
		static const struct { const char *sub, *cmd; int min, max; } subs[] = {
			{"add", LB_API_BACKEND_ADD, 2, 4}, {"del", LB_API_BACKEND_DEL, 2, 2},
			{"weight", LB_API_BACKEND_WEIGHT, 3, 3}, {"drain", LB_API_BACKEND_DRAIN, 2, 2},
		};
		for (unsigned i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
			if (strcmp(args[0], subs[i].sub) == 0 && nargs - 1 >= subs[i].min &&
			    nargs - 1 <= subs[i].max)
				cmd = subs[i].cmd;
		nargs--;
		args++;
	}
	if (!cmd) {
		usage(stderr);
		return EXIT_USAGE;
	}
	join(params, sizeof(params), nargs, args);

	int fd = connect_to(path);
	if (fd < 0) {
		fprintf(stderr, "lb-ctl: cannot connect to %s: %s (is lb-graph running with this file prefix?)\n",
			path, strerror(errno));
		return EXIT_NOCONN;
	}
	int rc;
	if (strcmp(cmd, LB_API_VIP) == 0)
		rc = paged(fd, params, read_vip_cb, "the VIP");
	else if (strcmp(cmd, LB_API_VIPS) == 0)
		rc = show_vips(fd);
	else if ((strcmp(cmd, LB_API_FLOWS) == 0 || strcmp(cmd, LB_API_FLOW) == 0 || strcmp(cmd, LB_API_FRAGS) == 0) &&
		 !raw_json) {
		json_t *v = call(fd, cmd, nargs ? params : NULL), *e = json_object_get(v, LB_KEY_ENTRIES);
		rc = e ? EXIT_OK : print_reply(argv[0], v);
		if (e && json_array_size(e) == 0)
			printf(strcmp(cmd, LB_API_FRAGS) == 0 ? "no fragment table\n"
							       : "no flow table (no VIP has affinity = flow)\n");
		print_lines(stdout, "", e);
		json_decref(v);
	} else if (strcmp(cmd, LB_API_HEALTH) == 0 && !raw_json)
		rc = paged(fd, nargs ? args[0] : NULL, read_health, "the health checks");
	else if (strcmp(cmd, LB_API_ARP) == 0 && !raw_json)
		rc = paged(fd, NULL, read_arp, "the neighbour table");
	else if (strcmp(cmd, LB_API_CONFIG) == 0 && !raw_json)
		rc = paged(fd, NULL, read_config, "the configuration");
	else {
		json_t *v = call(fd, cmd, nargs ? params : NULL);
		rc = print_reply(argv[0], v);
		json_decref(v);
	}
	close(fd);
	return rc;
}
