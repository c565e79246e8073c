#!/usr/bin/env bash
# Every test, one after another (DPDK processes never overlap), then one
# closing line "N passed, N failed" summed over the suites.
# Usage: tests/run-all.sh BUILD_DIR
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
total_pass=0 total_fail=0 broken=0

suite() { # NAME COMMAND...: run, echo, add up its "N passed, N failed" line
	local name=$1 out rc
	shift
	echo "=== $name"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	local line
	line=$(grep -E '(^|: )[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name: no result line (exit $rc)"
		broken=$((broken + 1))
	else
		local p f
		p=$(echo "$line" | sed -E 's/.*(^|: )([0-9]+) passed, ([0-9]+) failed.*/\2/')
		f=$(echo "$line" | sed -E 's/.*(^|: )([0-9]+) passed, ([0-9]+) failed.*/\3/')
		total_pass=$((total_pass + p))
		total_fail=$((total_fail + f))
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && broken=$((broken + 1))
	fi
	rm -f "$out"
}

suite "unit (CUnit)" timeout -k 10 600 "$build/unit/lb-unit"
suite "default conf (make run)" timeout -k 10 120 bash tests/default_conf.sh "$build"
suite "control API (lb-ctl, telemetry)" timeout -k 10 300 bash tests/control.sh "$build"
suite "integration (net_pcap)" timeout -k 10 600 bash tests/pcap_golden.sh "$build"

total_fail=$((total_fail + broken))
echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
