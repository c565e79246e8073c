#!/usr/bin/env bash
# lb-gen against lb-graph over net_memif (conf/examples/memif.ini), two DPDK
# processes on one host: what lb-gen sent is what lb-graph received, what
# lb-graph sent is what came back to lb-gen, every flow came back, every
# backend got flows.
# Usage: tests/memif_gen.sh BUILD_DIR   (from the project root)
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
tmp=$(mktemp -d /tmp/lb-memif.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

sed -e "s#--file-prefix=lb-memif#--file-prefix=lb-memif-$$#" -e "s#/run/lb-memif.sock#$tmp/memif.sock#" \
	conf/examples/memif.ini >"$tmp/lb.ini"
"$build/app/lb-graph" -c "$tmp/lb.ini" >"$tmp/lb.log" 2>&1 &
pid=$!
wait_ctl "$build" "$tmp/lb.ini"
timeout -k 5 60 "$build/tools/lb-gen" -l 0 --no-huge -m 512 --no-pci --file-prefix=gen-$$ \
	--log-level='*:warning' --vdev=net_memif0,role=client,socket="$tmp/memif.sock" -- \
	-c "$tmp/lb.ini" --flows 3000 -d 3 --size 66 --backends >"$tmp/gen.log" 2>&1
expect "[ $? -eq 0 ]" "lb-gen ran"
kill -TERM $pid
wait $pid
expect "[ $? -eq 0 ]" "lb-graph stopped cleanly"
pid=
cat "$tmp/gen.log" | grep '^\[GEN\] [TVf]'
set -- $(totals "$tmp/lb.log")
gen_tx=$(sed -n 's/^\[GEN\] TX=\([0-9]*\) .*/\1/p' "$tmp/gen.log")
gen_rx=$(sed -n 's/^\[GEN\] TX=[0-9]* RX=\([0-9]*\) .*/\1/p' "$tmp/gen.log")
expect "[ '${gen_tx:-0}' -gt 100000 ] && [ '$gen_tx' = '$1' ]" "lb-gen TX ($gen_tx) = lb-graph RX ($1)"
expect "[ '$gen_rx' = '$2' ]" "lb-graph TX ($2) = lb-gen RX ($gen_rx)"
expect "[ \$(( $2 + $3 )) -eq $1 ]" "lb-graph RX = TX + DROP"
expect "grep -qx '\[GEN\] flows never returned=0' '$tmp/gen.log'" "every flow came back"
expect "! grep -q 'flows=0$' '$tmp/gen.log'" "every backend got flows"
expect "grep -qx '\[MBUF\] in_use=0' '$tmp/lb.log'" "every mbuf back in lb-graph's pool"
echo "memif: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
