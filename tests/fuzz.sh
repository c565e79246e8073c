#!/usr/bin/env bash
# A bounded libFuzzer pass over the node chain (fuzz/fuzz_nodes.c), seeded
# from the fixture table; the corpus grows in FUZZ_BUILD/corpus from run to
# run. Any crash, sanitizer report, leaked mbuf or uncounted frame fails it.
# Usage: tests/fuzz.sh FUZZ_BUILD SECONDS
set -u
build=${1:-build-fuzz}
seconds=${2:-60}
corpus=$build/corpus
mkdir -p "$corpus" "$build/artifacts"
"$build/fuzz/lb-fuzz-seeds" "$corpus" || exit 1
log=$(mktemp)
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0 \
	timeout -k 10 $((seconds + 120)) "$build/fuzz/lb-fuzz" "$corpus" -max_total_time="$seconds" \
	-print_final_stats=1 -artifact_prefix="$build/artifacts/" -rss_limit_mb=4096 >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
grep -E "ERROR|SUMMARY|lb-fuzz:|Test unit written" "$log" | head -20
echo "fuzz: ${runs:-0} inputs in ${seconds} s (${rate:-0}/s), corpus $(ls "$corpus" | wc -l) files, exit $rc"
rm -f "$log"
if [ "$rc" -eq 0 ] && [ "${runs:-0}" -gt 0 ]; then
	echo "fuzz: 1 passed, 0 failed"
else
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
