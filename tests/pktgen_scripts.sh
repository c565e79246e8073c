#!/usr/bin/env bash
# pktgen-scripts/ without pktgen (it is no Debian package, so CI has none):
# every Lua file compiles (luac5.4 -p), and every script dry-runs to its end
# in lua5.4 against tests/pktgen_stub.lua (pktgen 23.06.1's functions,
# argument counts and command lines checked), quits by itself, and exits 1
# on a bad setting. tests/pktgen_run.sh runs them in pktgen against lb-graph.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in pktgen-scripts/*.lua; do
	expect "luac5.4 -p $f" "$f compiles"
done

dry() { # NAME OUT ENV...: dry-run pktgen-scripts/NAME.lua, exit code in $rc
	local name=$1 out=$2
	shift 2
	env LB_SECONDS=1 "$@" lua5.4 tests/pktgen_stub.lua "pktgen-scripts/$name.lua" >"$out" 2>&1
	rc=$?
}

for name in udp-flood tcp-syn size-sweep mixed; do
	# mixed: 2 of its 8 kinds come back from lb-graph
	dry "$name" "$tmp/$name.out" $([ $name = mixed ] && echo STUB_RX_SHARE=0.25)
	expect "[ $rc -eq 0 ] && grep -q '^\[PKTGEN\] DONE $name' $tmp/$name.out && grep -q '^\[STUB\] quit' $tmp/$name.out" \
		"$name.lua runs to its end and quits pktgen (exit $rc)"
	[ "$rc" -eq 0 ] || cat "$tmp/$name.out"
done

expect "grep -q '^\[PKTGEN\] udp 198.51.100.20:53, 65280 flows (255 addresses x 256 ports)' $tmp/udp-flood.out" \
	"udp-flood: flow count is lcm(addresses, ports) = 65280"
expect "grep -q '^\[STUB\] command range 0 tcp flag clr all' $tmp/tcp-syn.out && grep -q '^\[STUB\] command range 0 tcp flag set syn' $tmp/tcp-syn.out" \
	"tcp-syn: every range packet is set to SYN only"
rows=$(grep -cE '^\[PKTGEN\] \| +[0-9]+ \|' "$tmp/size-sweep.out")
expect "[ $rows -eq 7 ]" "size-sweep: one row per size, 64 to 1518 ($rows)"
searches=$(grep -c 'trial size=64 ' "$tmp/size-sweep.out")
expect "[ $searches -eq 4 ]" "size-sweep: a lossy full-rate trial starts a 3-step search ($searches trials at 64 bytes)"
expect "[ $(grep -c '^\[STUB\] command seq ' $tmp/mixed.out) -eq 8 ]" "mixed: eight sequence packets set"
sum=$(sed -n 's/^\[PKTGEN\] EXPECT //p' "$tmp/mixed.out" | tr ' ' '\n' | awk -F= '{s += $2} END {print s + 0}')
sent=$(sed -n 's/^\[PKTGEN\] TOTAL TX=\([0-9]*\).*/\1/p' "$tmp/mixed.out")
expect "[ -n '$sent' ] && [ '$sum' = '$sent' ]" "mixed: expected verdicts add up to TX ($sum vs $sent)"

dry mixed "$tmp/mixed-half.out" STUB_RX_SHARE=0.125
expect "[ $rc -eq 1 ] && grep -q '1000 came back, 2000 expected' $tmp/mixed-half.out" \
	"mixed: half of the VIP traffic missing is an error (exit $rc)"

# Bad settings: named, exit 1, nothing started.
bad() { # NAME ENV=VALUE MESSAGE
	dry "$1" "$tmp/bad.out" "$2"
	expect "[ $rc -eq 1 ] && grep -qF \"$3\" $tmp/bad.out && ! grep -q '^\[STUB\] quit' $tmp/bad.out" \
		"$1.lua with $2: exit 1 with \"$3\" (exit $rc)"
}
bad udp-flood LB_VIP=198.51.100 "ERROR udp-flood: LB_VIP = '198.51.100': not a valid ip"
bad tcp-syn LB_DST_MAC=02:00:00:00:aa "LB_DST_MAC = '02:00:00:00:aa': not a valid mac"
bad udp-flood LB_SRC_PORTS=70000 "LB_SRC_PORTS = '70000': not a valid port_count"
bad tcp-syn LB_SRC_PORT=60000 "source ports 60000 + 60000 leave 1..65535"
bad size-sweep LB_SIZES=64,2000 "LB_SIZES = '64,2000': not a valid sizes"
bad mixed LB_SECONDS=0 "LB_SECONDS = '0': not a valid seconds"

# The stub itself refuses what pktgen lacks.
printf 'pktgen.seqtable(1, "0", {})\npktgen.quit()\n' >"$tmp/typo.lua"
lua5.4 tests/pktgen_stub.lua "$tmp/typo.lua" >"$tmp/typo.out" 2>&1
expect "[ $? -ne 0 ] && grep -q 'pktgen.seqtable is not in' $tmp/typo.out" "stub: a misspelt pktgen function fails"
printf 'pktgen.run("cmd", "%s")\npktgen.quit()\n' "$tmp/x.pkt" >"$tmp/args.lua"
lua5.4 tests/pktgen_stub.lua "$tmp/args.lua" >"$tmp/args.out" 2>&1
expect "[ $? -ne 0 ] && grep -q 'run: 2 arguments given' $tmp/args.out" "stub: pktgen.run with two arguments fails (23.06.1 needs three)"

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
