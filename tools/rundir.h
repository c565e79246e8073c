/* DPDK 22.11 leaves its runtime folder (/var/run/dpdk/<file-prefix>:
 * config and fbarray files, 6 MB for --no-huge -m 512) behind at exit; on
 * most hosts that is a tmpfs, memory. Every lb-graph program removes its
 * own when it exits: call lb_rundir_remove_at_exit() after rte_eal_init(). */
#pragma once

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

static char lb_rundir_path[4096];

static inline void
lb_rundir_remove(void)
{
	char file[4096 + 256 + 2];
	DIR *d = lb_rundir_path[0] ? opendir(lb_rundir_path) : NULL;
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(file, sizeof(file), "%s/%s", lb_rundir_path, e->d_name);
			unlink(file);
		}
	closedir(d);
	rmdir(lb_rundir_path);
}

static inline void
lb_rundir_remove_at_exit(void)
{
	snprintf(lb_rundir_path, sizeof(lb_rundir_path), "%s", rte_eal_get_runtime_dir());
	atexit(lb_rundir_remove);
}
