/* EAL start-up. The INI owns everything: [eal] args are passed as they are,
 * lcores come from [eal] main_lcore and the [worker.L] sections, devices from
 * [port.N] dev. */
#include <stdio.h>
#include <string.h>
#include <wordexp.h>

#include <rte_cpuflags.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "app/lb_app.h"
#include "tools/rundir.h"

#define MAX_ARGS 128

int
lb_eal_init(struct lb_app *app, const char *prog)
{
	const struct lb_config *cfg = &app->cfg;
	static char lcores[1024], main_lcore[32];
	char *argv[MAX_ARGS];
	int argc = 0, rc = -1;
	wordexp_t we;

	if (wordexp(cfg->eal_args, &we, WRDE_NOCMD) != 0) {
		fprintf(stderr, "%s: [eal] args: cannot split into words\n", cfg->path);
		return -1;
	}
	argv[argc++] = (char *)prog;
	for (size_t i = 0; i < we.we_wordc && argc < MAX_ARGS - 2 * LB_MAX_PORTS - 4; i++)
		argv[argc++] = we.we_wordv[i];

	int o = snprintf(lcores, sizeof(lcores), "--lcores=%u@%u", cfg->main_lcore, cfg->main_cpu);
	for (unsigned i = 0; i < cfg->nb_workers; i++)
		o += snprintf(lcores + o, sizeof(lcores) - o, ",%u@%u", cfg->workers[i].lcore,
			      cfg->workers[i].cpu);
	argv[argc++] = lcores;
	snprintf(main_lcore, sizeof(main_lcore), "--main-lcore=%u", cfg->main_lcore);
	argv[argc++] = main_lcore;
	for (unsigned p = 0; p < LB_MAX_PORTS; p++) {
		if (!cfg->ports[p].defined)
			continue;
		bool vdev = strncmp(cfg->ports[p].dev, "net_", 4) == 0;
		argv[argc++] = vdev ? "--vdev" : "-a";
		argv[argc++] = (char *)cfg->ports[p].dev;
	}
	argv[argc] = NULL;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	lb_rundir_remove_at_exit();
#if defined(__AES__)
	/* built with AES-NI for the keyed flow hash (meson.build) */
	if (!rte_cpu_get_flag_enabled(RTE_CPUFLAG_AES)) {
		fprintf(stderr, "this CPU has no AES-NI, which this build of lb-graph uses: rebuild it on this machine\n");
		goto out;
	}
#endif
	for (unsigned i = 0; i < cfg->nb_workers; i++)
		if (!rte_lcore_is_enabled(cfg->workers[i].lcore)) {
			fprintf(stderr, "worker.%u: lcore not enabled by the EAL\n", cfg->workers[i].lcore);
			goto out;
		}
	rc = 0;
out:
	wordfree(&we);
	return rc;
}
