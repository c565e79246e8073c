#!/usr/bin/env bash
# lb-nodebench (make bench-nodes) still measures what it claims: both node
# loops push every frame of conf/examples/memif.ini's flows through
# lb_classify -> lb_hash -> lb_rewrite to its sink and print the figures; a
# run where the nodes drop (here: the global drop switch) is refused, so a
# broken data path cannot pass for a fast one.
# Usage: tests/nodebench.sh BUILD_DIR   (from the project root)
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
tmp=$(mktemp -d /tmp/lb-nodebench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

nodebench() { # INI OUT ARGS...
	local ini=$1 out=$2
	shift 2
	timeout -k 5 60 "$build/bench/lb-nodebench" -l 0,1 --no-huge -m 512 --no-pci \
		--file-prefix=nodebench-test-$$ --log-level='*:error' -- -c "$ini" -d 1 "$@" >"$out" 2>&1
}

for loop in scalar quad; do
	nodebench conf/examples/memif.ini "$tmp/$loop.log" --loop $loop --flows 5000
	rc=$?
	made=$(sed -n 's/^\[NODEBENCH\] made=\([0-9]*\) .*/\1/p' "$tmp/$loop.log")
	expect "[ $rc -eq 0 ] && [ \"${made:-0}\" -gt 0 ]" "$loop: exit $rc, every one of ${made:-0} frames forwarded"
	expect "grep -qE '^\[NODEBENCH\] lb_classify\+lb_hash\+lb_rewrite=[0-9.]+ cycles/packet' '$tmp/$loop.log'" \
		"$loop: cycles per packet of the three nodes printed"
	expect "grep -qE '^\[NODE\] lb_hash [0-9.]+ cycles/packet, [1-9][0-9]* packets' '$tmp/$loop.log'" \
		"$loop: lb_hash saw packets"
done

sed 's/^stats_interval = 1$/stats_interval = 1\ndrop = on/' conf/examples/memif.ini >"$tmp/drop.ini"
nodebench "$tmp/drop.ini" "$tmp/drop.log"
rc=$?
expect "[ $rc -eq 1 ] && grep -q 'were not forwarded' '$tmp/drop.log' && grep -q '^\[NODEBENCH\] lb_drop-policy: ' '$tmp/drop.log'" \
	"a run whose frames are dropped is refused (exit $rc) and names the drop"

nodebench conf/examples/memif.ini "$tmp/bad.log" --loop sideways
rc=$?
expect "[ $rc -eq 2 ] && grep -q '^usage:' '$tmp/bad.log'" "a bad option gets the usage (exit $rc)"

[ "$fail" -ne 0 ] && cat "$tmp"/*.log
echo "nodebench: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
