#!/usr/bin/env bash
# make bench-scale: lb-graph (Maglev) forwarded Mpps and its three nodes'
# cycles per packet as flows go from 1k to 1M (the flow table on, sized 2
# entries a flow, its memory per worker printed; and off beside), as
# backends go from 2 to 1,000, and while backends change 10 times a second. Same set-up as
# bench/run.sh: lb-graph's worker on CPU 1, lb-gen over memif on CPU 0.
# Results: results/scale-<time>/results.md.
# Usage: bench/scale.sh BUILD_DIR [RUNS] [SECONDS]   (from the project root)
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
runs=${2:-3}
seconds=${3:-5}
out=results/scale-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
tmp=$(mktemp -d /tmp/lb-scale.XXXXXX)
server= churn=
trap '[ -n "$server" ] && kill -KILL "$server" 2>/dev/null; [ -n "$churn" ] && kill "$churn" 2>/dev/null; rm -rf "$tmp"' EXIT
sock=$tmp/memif.sock
eal="$(eal_mem) --no-pci --log-level=*:warning"
echo "EAL memory: $eal"

# flow_entries for FLOWS flows: a power of two >= 2 x FLOWS, 1024 at least
entries_for() { local e=1024; while [ $e -lt $(($1 * 2)) ]; do e=$((e * 2)); done; echo $e; }

conf() { # BACKENDS OUT [FLOW_ENTRIES [AFFINITY]]: one TCP VIP with that many backends
	{
		printf '[eal]\nargs = %s --file-prefix=scale-lb-%s\n' "$eal" $$
		printf '[lb]\nstats_interval = 0\ngraph_stats = on\nflow_entries = %s\n' "${3:-262144}"
		printf '[port.0]\ndev = net_memif0,role=server,socket=%s,mac=02:70:63:61:70:00\n[worker.1]\nrx = 0:0\n' "$sock"
		printf '[vip.web]\naddr = 198.18.0.10\nport = 80\nproto = tcp\nout_port = 0\naffinity = %s\n' "${4:-flow}"
		for b in $(seq 0 $(($1 - 1))); do
			printf 'backend = 10.%u.%u.%u:8080 02:00:00:%02x:%02x:%02x\n' $((b / 65536)) $((b / 256 % 256)) \
				$((b % 256)) $((b / 65536)) $((b / 256 % 256)) $((b % 256))
		done
	} >"$2"
}

# one run: BACKENDS FLOWS CHURN(0/1) [FLOW_ENTRIES [AFFINITY]] -> "mpps cycles"
measure() {
	conf "$1" "$tmp/lb.ini" "${4:-}" "${5:-}"
	"$build/app/lb-graph" -c "$tmp/lb.ini" >"$tmp/lb.log" 2>&1 &
	server=$!
	for _ in $(seq 100); do grep -q 'Ctrl-C to stop' "$tmp/lb.log" && break; sleep 0.1; done
	if [ "$3" = 1 ]; then
		( i=0; while :; do
			"$build/app/lb-ctl" -c "$tmp/lb.ini" backend add web 10.250.0.$((i % 200 + 1)):8080 \
				02:00:00:00:fa:01 >/dev/null
			sleep 0.05
			"$build/app/lb-ctl" -c "$tmp/lb.ini" backend del web 10.250.0.$((i % 200 + 1)):8080 >/dev/null
			sleep 0.05
			i=$((i + 1))
		done ) &
		churn=$!
	fi
	sleep 1
	timeout -k 5 $((seconds + 60)) "$build/tools/lb-gen" -l 0 $eal --file-prefix=scale-gen-$$ \
		--vdev=net_memif0,role=client,socket="$sock" -- -c "$tmp/lb.ini" --flows "$2" -d "$seconds" \
		>"$tmp/gen.log" 2>&1
	[ -n "$churn" ] && { kill "$churn"; wait "$churn" 2>/dev/null; churn=; }
	kill -INT "$server"; wait "$server" 2>/dev/null; server=
	mpps=$(sed -n 's/.*RX_MPPS=\([0-9.]*\).*/\1/p' "$tmp/gen.log")
	cyc=$(node_cycles "$tmp/lb.log" |
		awk '$1 ~ /^lb_(classify|hash|rewrite)$/ { s += $2 } END { printf "%.1f", s }')
	echo "${mpps:-0} ${cyc:-0}"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

row() { # LABEL BACKENDS FLOWS CHURN [FLOW_ENTRIES [AFFINITY]]
	: >"$tmp/m" ; : >"$tmp/c"
	local label=$1 b=$2 f=$3 ch=$4 fe=${5:-} aff=${6:-} mem
	for r in $(seq "$runs"); do
		set -- $(measure "$b" "$f" "$ch" "$fe" "$aff")
		echo "$1" >>"$tmp/m"; echo "$2" >>"$tmp/c"
		echo "$label run $r: $1 Mpps, lb nodes $2 cycles/packet" >&2
	done
	# the table: 16 bytes an entry, one per worker (one worker here)
	if [ "${aff:-flow}" = none ]; then mem="off"; else mem="${fe:-262144} entries, $(awk -v e="${fe:-262144}" 'BEGIN { printf "%.2f MB", e * 16 / 1048576 }')"; fi
	printf "| %s | %s | %s | %s |\n" "$label" "$mem" "$(median <"$tmp/m")" "$(median <"$tmp/c")"
}

{
	echo "| case | flow table per worker | median Mpps | lb_classify + lb_hash + lb_rewrite, cycles/packet (median) |"
	echo "|---|---|---|---|"
	for f in 1000 10000 100000 1000000; do
		row "$f flows, 10 backends" 10 $f 0 "$(entries_for $f)"
		row "$f flows, 10 backends, affinity = none" 10 $f 0 "$(entries_for $f)" none
	done
	for b in 2 10 100 1000; do row "100000 flows, $b backends" $b 100000 0; done
	row "100000 flows, 10 backends, 10 changes/s" 10 100000 1
	echo
	echo "$runs runs of $seconds s each per case, 60-byte TCP frames, Maglev M = 65537, one worker core."
} >"$out/results.md"
cat "$out/results.md"
echo "results in $out"
