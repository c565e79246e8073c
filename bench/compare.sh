#!/usr/bin/env bash
# A/B cost of a fast-path change: lb-nodebench of build A and of build B in
# alternation (A B, then B A the next round, so that neither always runs
# second), the same cases for both, ROUNDS rounds (default 15) of SECONDS
# each (default 2), both node loops, FLOWS flows (default 1000000), 2 MB
# pages when 512 are free (bench/lib.sh eal_mem), 4 KB pages otherwise.
# Each build may get its own INI (e.g. B with a key A does not know);
# both default to conf/examples/memif.ini.
# Prints, per loop: the median cycles per packet of each node for A and B,
# and the ratio B/A of the three nodes' sum, median and min-max over the
# rounds (each round's B over the same round's A). Runs land in
# results/compare-<time>/runs.csv.
# Usage: bench/compare.sh BUILD_A BUILD_B [CONF_A CONF_B]   (from the project root)
#   ROUNDS=15 SECONDS_PER_RUN=2 FLOWS=1000000 LOOPS="scalar quad" bench/compare.sh ...
set -u
. "$(dirname "$0")/lib.sh"
if [ $# -lt 2 ]; then
	echo "usage: bench/compare.sh BUILD_A BUILD_B [CONF_A CONF_B]" >&2
	exit 2
fi
build_a=$1 build_b=$2
conf_a=${3:-conf/examples/memif.ini} conf_b=${4:-${3:-conf/examples/memif.ini}}
rounds=${ROUNDS:-15}
seconds=${SECONDS_PER_RUN:-2}
flows=${FLOWS:-1000000}
loops=${LOOPS:-"scalar quad"}
for b in "$build_a" "$build_b"; do
	[ -x "$b/bench/lb-nodebench" ] || { echo "no $b/bench/lb-nodebench: build it first" >&2; exit 2; }
done
mem=$(eal_mem)
out=results/compare-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
echo "A: $build_a ($conf_a)  B: $build_b ($conf_b)  memory: $mem  flows: $flows  rounds: $rounds x ${seconds} s"
echo "round,side,loop,lb_classify,lb_hash,lb_rewrite,sum" >"$out/runs.csv"

run() { # SIDE BUILD CONF LOOP ROUND
	local log row
	log=$(timeout -k 5 $((seconds + 60)) "$2/bench/lb-nodebench" -l 0,1 $mem --no-pci \
		--file-prefix=compare-$$ --log-level='*:error' -- -c "$3" --flows "$flows" --loop "$4" \
		-d "$seconds" 2>&1)
	row=$(echo "$log" | awk '/^\[NODE\] lb_(classify|hash|rewrite) / { c[$2] = $3 }
		END { if (length(c) == 3) printf "%s,%s,%s,%.1f", c["lb_classify"], c["lb_hash"], c["lb_rewrite"],
			c["lb_classify"] + c["lb_hash"] + c["lb_rewrite"] }')
	if [ -z "$row" ]; then
		echo "lb-nodebench failed ($1 $4):"
		echo "$log"
		exit 1
	fi
	echo "$5,$1,$4,$row" >>"$out/runs.csv"
	echo "round $5 $4 $1: $row"
}

for r in $(seq "$rounds"); do
	for loop in $loops; do
		if [ $((r % 2)) -eq 1 ]; then
			run A "$build_a" "$conf_a" "$loop" "$r"
			run B "$build_b" "$conf_b" "$loop" "$r"
		else
			run B "$build_b" "$conf_b" "$loop" "$r"
			run A "$build_a" "$conf_a" "$loop" "$r"
		fi
	done
done

{
	echo "| loop | node | A median | B median | B - A |"
	echo "|---|---|---|---|---|"
	for loop in $loops; do
		for c in 4:lb_classify 5:lb_hash 6:lb_rewrite 7:sum; do
			col=${c%%:*} name=${c#*:}
			a=$(awk -F, -v l="$loop" -v c="$col" '$2 == "A" && $3 == l { print $c }' "$out/runs.csv" | median)
			b=$(awk -F, -v l="$loop" -v c="$col" '$2 == "B" && $3 == l { print $c }' "$out/runs.csv" | median)
			printf "| %s | %s | %s | %s | %+.1f |\n" "$loop" "$name" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }')"
		done
	done
	echo
	for loop in $loops; do
		ratios=$(awk -F, -v l="$loop" '$3 == l { s[$1 "," $2] = $7; r[$1] = 1 }
			END { for (k in r) if (s[k ",A"] > 0) printf "%.4f\n", s[k ",B"] / s[k ",A"] }' "$out/runs.csv")
		printf "%s: B/A of the three nodes = %.3f (min %.3f, max %.3f) over %s rounds\n" "$loop" \
			"$(echo "$ratios" | median)" "$(echo "$ratios" | sort -g | head -1)" \
			"$(echo "$ratios" | sort -g | tail -1)" "$rounds"
	done
	echo
	echo "Cycles per packet (rte_graph statistics), $flows flows, $mem, medians of $rounds alternated runs of $seconds s."
} >"$out/results.md"
cat "$out/results.md"
echo "results in $out"
