#!/usr/bin/env bash
# Soak: conf/lb.ini's traffic (net_pcap replay, all fixture kinds included)
# with control churn (backend add/remove, weights, drain, drop on/off)
# for SECONDS, then the figures at start and end: RX, TX, drops by reason,
# mbufs in use, resident memory. Not in CI: `make soak SOAK_SECONDS=600`.
# Usage: tests/soak.sh BUILD_DIR SECONDS   (from the project root)
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
seconds=${2:-600}
tmp=$(mktemp -d /tmp/lb-soak.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

default_conf "$build" lb-soak-$$ "$tmp/lb.ini"
"$build/app/lb-graph" -c "$tmp/lb.ini" >"$tmp/log" 2>&1 &
pid=$!
ctl() { timeout 20 "$build/app/lb-ctl" -c "$tmp/lb.ini" "$@"; }
wait_ctl "$build" "$tmp/lb.ini"
sleep 2
rss() { awk '/^VmRSS/ { print $2 }' /proc/$pid/status; }
snapshot() { ctl stats | tr '\n' ' '; }
rss0=$(rss)
echo "start: RSS ${rss0} kB; $(snapshot)"

SECONDS=0
changes=0 refused=0
while [ $SECONDS -lt "$seconds" ] && kill -0 $pid 2>/dev/null; do
	i=$((changes % 200))
	a="10.99.$((i / 100)).$((i % 100 + 1)):8080"
	ctl backend add web "$a" 02:00:00:00:99:01 weight=$((i % 5 + 1)) >/dev/null || refused=$((refused + 1))
	ctl backend weight web 10.0.0.2:8080 $((i % 3)) >/dev/null || refused=$((refused + 1))
	ctl backend del web "$a" >/dev/null || refused=$((refused + 1))
	[ $((i % 50)) -eq 0 ] && { ctl drop on >/dev/null; ctl drop off >/dev/null; }
	changes=$((changes + 3))
done
alive=0
kill -0 $pid 2>/dev/null && alive=1
rss1=$(rss)
echo "end:   RSS ${rss1} kB; $(snapshot)"
kill -TERM $pid
wait $pid
rc=$?
pid=
grep -E '^\[(TOTAL|DROP|MBUF)\]' "$tmp/log"
expect "[ $alive -eq 1 ] && [ $rc -eq 0 ]" "lb-graph up for ${seconds} s of churn ($changes changes), clean exit"
expect "[ $refused -eq 0 ]" "no change refused ($refused)"
set -- $(totals "$tmp/log")
expect "[ \$(( $2 + $3 )) -eq $1 ]" "RX = TX + DROP ($1 = $2 + $3)"
expect "grep -qx '\[MBUF\] in_use=0' '$tmp/log'" "every mbuf back in the pool"
expect "[ $rss1 -le \$(( rss0 + rss0 / 10 + 1024 )) ]" "resident memory ${rss0} -> ${rss1} kB (within 10% + 1 MB)"
echo "soak: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
