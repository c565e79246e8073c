# Shared by the bench/*.sh scripts (sourced, not run).

# node_cycles LOG: "node cycles/packet" for each node of the rte_graph
# statistics tables in LOG (lb-graph's or l3fwd-graph's), from its last row.
node_cycles() {
	awk -F'|' 'NF > 7 && $2 !~ /Node/ { gsub(/ /, "", $2); opc[$2] = $6 + 0; cpc[$2] = $8 + 0 }
		END { for (n in opc) if (opc[n] > 0) printf "%s %.1f\n", n, cpc[n] / opc[n] }' "$1" | sort
}

# eal_mem: the EAL memory options of every benchmarked process: 2 MB
# hugepages when at least 512 are free and hugetlbfs is mounted (two
# processes of 512 MB), else 4 KB pages (--no-huge). BENCH_HUGE=0 forces
# 4 KB pages. Reserve them beforehand, as root:
#   echo 1024 > /proc/sys/vm/nr_hugepages; mkdir -p /dev/hugepages; mount -t hugetlbfs nodev /dev/hugepages
eal_mem() {
	local free
	free=$(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo)
	if [ "${BENCH_HUGE:-1}" != 0 ] && [ "${free:-0}" -ge 512 ] && grep -q hugetlbfs /proc/mounts; then
		echo "-m 512 --huge-unlink" # no page files left behind, even when killed
	else
		echo "--no-huge -m 512"
	fi
}

# median: the median of the numbers on stdin, one per line.
median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}
