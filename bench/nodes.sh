#!/usr/bin/env bash
# make bench-nodes: what lb_classify, lb_hash and lb_rewrite cost per packet
# without I/O (bench/lb-nodebench.c: frames copied into fresh mbufs from
# memory, freed after lb_rewrite, one worker on CPU 1), for 1k and 1M flows,
# both node loops, on 4 KB pages and, when reserved, 2 MB hugepages. The
# cases take turns, RUNS rounds of SECONDS each, so a slow spell of this
# shared machine hits them all; medians and min-max per case. Results go to
# results/nodes-<time>/ (results.md, runs.csv).
# Usage: bench/nodes.sh BUILD_DIR [RUNS] [SECONDS]   (from the project root)
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
runs=${2:-7}
seconds=${3:-2}
out=results/nodes-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
conf=$(mktemp /tmp/lb-nodes.XXXXXX.ini)
trap 'rm -f "$conf"' EXIT
cp conf/examples/memif.ini "$conf" # two VIPs (TCP, UDP), five backends

mems="4k"
[ "$(eal_mem)" = "-m 512" ] && mems="4k 2m"
echo "memory: $mems (2m needs 512 free hugepages, see bench/lib.sh)"
echo "round,memory,loop,flows,mpps,lb_classify,lb_hash,lb_rewrite,sum" >"$out/runs.csv"
for r in $(seq "$runs"); do
	for mem in $mems; do
		for loop in scalar quad; do
			for flows in 1024 1000000; do
				[ "$mem" = 4k ] && m="--no-huge -m 512" || m="-m 512"
				log=$(timeout -k 5 $((seconds + 60)) "$build/bench/lb-nodebench" -l 0,1 $m --no-pci \
					--file-prefix=nodebench-$$ --log-level='*:error' -- -c "$conf" \
					--flows "$flows" --loop "$loop" -d "$seconds" 2>&1)
				row=$(echo "$log" | awk '
					/^\[NODEBENCH\] flows/ { for (i = 1; i <= NF; i++) if ($i ~ /^MPPS=/) mpps = substr($i, 6) }
					/^\[NODE\] lb_(classify|hash|rewrite) / { c[$2] = $3 }
					END { if (mpps != "") printf "%s,%s,%s,%s,%.1f", mpps, c["lb_classify"], c["lb_hash"], c["lb_rewrite"],
						c["lb_classify"] + c["lb_hash"] + c["lb_rewrite"] }')
				if [ -z "$row" ]; then
					echo "lb-nodebench failed ($mem $loop $flows):"; echo "$log"; exit 1
				fi
				echo "$r,$mem,$loop,$flows,$row" >>"$out/runs.csv"
				echo "round $r: $mem $loop $flows flows: $row"
			done
		done
	done
done

{
	echo "| memory | loop | flows | lb_classify | lb_hash | lb_rewrite | sum (min-max) | Mpps |"
	echo "|---|---|---|---|---|---|---|---|"
	for mem in $mems; do
		for loop in scalar quad; do
			for flows in 1024 1000000; do
				col() { awk -F, -v m="$mem" -v l="$loop" -v f="$flows" -v c="$1" 'NR > 1 && $2 == m && $3 == l && $4 == f { print $c }' "$out/runs.csv"; }
				printf "| %s | %s | %s | %s | %s | %s | %s (%s-%s) | %s |\n" "$mem" "$loop" "$flows" \
					"$(col 6 | median)" "$(col 7 | median)" "$(col 8 | median)" "$(col 9 | median)" \
					"$(col 9 | sort -g | head -1)" "$(col 9 | sort -g | tail -1)" "$(col 5 | median)"
			done
		done
	done
	echo
	echo "Cycles per packet per node, medians of $runs runs of $seconds s (rte_graph statistics);"
	echo "sum = lb_classify + lb_hash + lb_rewrite of one run. No I/O: frames come from memory."
} >"$out/results.md"
cat "$out/results.md"
echo "results in $out"
