#!/usr/bin/env bash
# Every test, one after another (DPDK processes never overlap), for each
# build folder given (the plain build, then the AddressSanitizer +
# UndefinedBehaviorSanitizer one), then one closing line "N passed, N failed"
# summed over all suites.
# Usage: tests/run-all.sh [--fuzz FUZZ_BUILD SECONDS] BUILD_DIR [BUILD_DIR...]
set -u
cd "$(dirname "$0")/.."
fuzz_build= fuzz_seconds=
if [ "${1:-}" = --fuzz ]; then
	fuzz_build=$2 fuzz_seconds=$3
	shift 3
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
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

suite "pktgen scripts (luac, dry run)" timeout -k 10 120 bash tests/pktgen_scripts.sh
for build in "${@:-build}"; do
	suite "unit (CUnit) [$build]" timeout -k 10 600 "$build/unit/lb-unit"
	suite "default conf (make run) [$build]" timeout -k 10 120 bash tests/default_conf.sh "$build"
	suite "control API (lb-ctl, telemetry) [$build]" timeout -k 10 300 bash tests/control.sh "$build"
	suite "live state under concurrent use [$build]" timeout -k 10 300 bash tests/control_live.sh "$build"
	suite "integration (net_pcap) [$build]" timeout -k 10 600 bash tests/pcap_golden.sh "$build"
	suite "lb-gen over memif [$build]" timeout -k 10 120 bash tests/memif_gen.sh "$build"
	suite "real traffic (netns, af_packet) [$build]" timeout -k 10 300 bash tests/netns_e2e.sh "$build"
	suite "kernel interface (netns, net_tap) [$build]" timeout -k 10 300 bash tests/kernel_if.sh "$build"
	suite "health checks (netns, real servers) [$build]" timeout -k 10 300 bash tests/health.sh "$build"
	suite "flow table (netns, long-lived connections) [$build]" timeout -k 10 300 bash tests/flow_affinity.sh "$build"
	suite "ICMP on a narrow path (netns, two routers) [$build]" timeout -k 10 300 bash tests/icmp_path.sh "$build"
	suite "fragments (netns, kernel and scapy senders) [$build]" timeout -k 10 300 bash tests/fragments.sh "$build"
	suite "lb-nodebench (make bench-nodes) [$build]" timeout -k 10 300 bash tests/nodebench.sh "$build"
done

if [ -n "$fuzz_build" ]; then
	suite "fuzz (libFuzzer, ASan+UBSan) [$fuzz_build]" bash tests/fuzz.sh "$fuzz_build" "$fuzz_seconds"
fi

total_fail=$((total_fail + broken))
echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
