#!/usr/bin/env bash
# The shipped conf/lb.ini, as `make run` starts it: live [STATS] lines with
# traffic in and out, balanced backends, SIGUSR1 dumps the graph statistics,
# SIGTERM stops cleanly with totals and exit code 0.
# Usage: tests/default_conf.sh BUILD_DIR   (from the project root)
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
tmp=$(mktemp -d /tmp/lb-default.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Same file; only the file prefix (so it never meets another run) and the
# build folder change.
default_conf "$build" lb-default-$$ "$tmp/lb.ini"
"$build/app/lb-graph" -c "$tmp/lb.ini" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 100); do # up to 10 s for three [STATS] lines
	[ "$(grep -c '^\[STATS\]' "$tmp/log")" -ge 3 ] && break
	sleep 0.1
done
kill -USR1 "$pid"
for _ in $(seq 100); do # up to 10 s for the graph statistics it prints
	grep -q '^\[GRAPH\] worker_1' "$tmp/log" && grep -q 'lb_rewrite' "$tmp/log" && break
	sleep 0.1
done
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
rc=$?
pid=

expect "[ $rc -eq 0 ]" "SIGTERM: clean exit 0 (got $rc)"
expect "grep -q '^\[TOTAL\] RX=[1-9]' '$tmp/log'" "SIGTERM: totals printed"
expect "grep -qx '\[MBUF\] in_use=0' '$tmp/log'" "every mbuf back in the pool at exit"
expect "grep -q 'node_loop scalar (auto: 4 KB pages)' '$tmp/log'" "node_loop auto is scalar without hugepages"
last=$(grep '^\[STATS\]' "$tmp/log" | tail -n 1)
echo "  $last"
expect "echo '$last' | grep -Eq 'RX_PPS=[1-9][0-9]* TX_PPS=[1-9][0-9]* DROP=[1-9]'" \
	"[STATS] shows RX, TX and drops per second"
expect "grep -q '^\[GRAPH\] worker_1' '$tmp/log' && grep -q 'lb_rewrite' '$tmp/log'" \
	"SIGUSR1: rte_graph statistics of worker_1"
# Every backend's share of its VIP within 4 points of an even split.
while read -r line; do
	echo "  $line"
	n=$(echo "$line" | grep -o '=[0-9]*(' | wc -l)
	for share in $(echo "$line" | grep -o '([0-9.]*%)' | tr -d '()%'); do
		expect "awk 'BEGIN { d = $share - 100 / $n; exit !(d < 4 && d > -4) }'" \
			"backend share $share% of $n backends is balanced"
	done
done < <(grep '^\[VIP\]' "$tmp/log" | tail -n 2)
set -- $(totals "$tmp/log")
expect "[ \$(( $2 + $3 )) -eq $1 ]" "RX = TX + DROP ($1 = $2 + $3)"
expect "grep -q '^\[FLOWS\] worker_1 entries=[1-9]' '$tmp/log'" "the flow table's line at exit: $(grep '^\[FLOWS\] worker_1' "$tmp/log")"
# flow tables that do not fit the EAL's memory: refused before anything starts
sed '/^\[lb\]/a flow_entries = 33554432' "$tmp/lb.ini" >"$tmp/big.ini"
"$build/app/lb-graph" -c "$tmp/big.ini" --check >"$tmp/big.out" 2>&1
rc=$?
expect "[ $rc -eq 2 ] && grep -q 'memory: the mbuf pool (.*) and the flow tables ([0-9]* x 512 MB) .* -m 512' '$tmp/big.out'" \
	"--check: flow tables beyond -m refused with the figures (exit $rc: $(head -c 200 "$tmp/big.out"))"
echo "default conf: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
