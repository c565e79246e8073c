#!/usr/bin/env bash
# Run pktgen-scripts/*.lua with DPDK pktgen against lb-graph over net_memif
# (conf/examples/pktgen-memif.ini) and check that both sides agree:
# pktgen TX = lb-graph RX, lb-graph TX = pktgen RX, lb-graph's drop counters
# = what mixed.lua expects, no mbuf left, and a script given a bad setting
# exits 1 by itself. pktgen is not a Debian package: build it beside the
# project (pktgen-scripts/README.md) and pass its binary.
# Usage: tests/pktgen_run.sh PKTGEN_BINARY BUILD_DIR [SCRIPT...]
# Each script runs with its own defaults (PKTGEN_SECONDS=N shortens the
# floods and the sweep's trials). Logs go to results/pktgen/; ends with
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
# PKTGEN: a path, or a name looked up on PATH
case $1 in
*/*) pktgen=$(realpath "$1" 2>/dev/null) ;;
*) pktgen=$(command -v "$1") ;;
esac
if [ -z "$pktgen" ] || [ ! -x "$pktgen" ]; then
	echo "pktgen not found as '$1': build it (pktgen-scripts/README.md) and set PKTGEN=/path/to/pktgen" >&2
	echo "0 passed, 1 failed"
	exit 2
fi
build=$2
trap 'rm -rf /var/run/dpdk/pktgen-test-$$' EXIT # pktgen leaves its runtime folder behind
shift 2
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(udp-flood.lua tcp-syn.lua size-sweep.lua mixed.lua)
conf=conf/examples/pktgen-memif.ini
out=results/pktgen
mkdir -p "$out"
scripts_dir=$(realpath pktgen-scripts)

# pktgen wants a terminal; `script` gives it one. Its flags are the ones
# written in the INI's header.
run_pktgen() { # LOG ENV... -- SCRIPT
	local log=$1
	shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	local cmd="$pktgen -l 0,1 --main-lcore 0 --no-huge -m 2048 --no-pci --file-prefix=pktgen-test-$$ \
--log-level=*:warning \
--vdev=net_memif0,role=client,socket=/run/lb-pktgen.sock,mac=02:00:00:00:bb:01,rsize=14 \
-- -P -m 1.0 -f $scripts_dir/$2"
	env "${envs[@]}" timeout -k 5 600 script -qfec "$cmd" /dev/null </dev/null >"$log.raw" 2>&1
	local rc=$?
	# Keep pktgen's own lines, without its screen's escape sequences.
	sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$log.raw" | tr -d '\r' | grep -ao '\[PKTGEN\].*' >"$log"
	return $rc
}

start_lb() { # LOG
	"$build/app/lb-graph" -c "$conf" >"$1" 2>&1 &
	lb_pid=$!
	for _ in $(seq 100); do
		grep -q '^\[PORT\]' "$1" && return 0
		sleep 0.1
	done
	return 1
}

stop_lb() {
	kill -INT "$lb_pid" 2>/dev/null
	timeout 20 tail --pid="$lb_pid" -f /dev/null
	wait "$lb_pid"
}

field() { # LOG KEY: the value of KEY= on the last [PKTGEN] TOTAL line
	sed -n "s/^\[PKTGEN\] TOTAL .*\b$2=\([0-9]*\).*/\1/p" "$1" | tail -n 1
}

for s in "${scripts[@]}"; do
	name=${s%.lua}
	echo "=== $s"
	start_lb "$out/$name.lb.log" || { expect false "$s: lb-graph started"; stop_lb; continue; }
	run_pktgen "$out/$name.log" ${PKTGEN_SECONDS:+LB_SECONDS=$PKTGEN_SECONDS} -- "$s"
	rc=$?
	stop_lb
	cat "$out/$name.log"
	grep -E '^\[(TOTAL|MBUF)\]|^\[DROP\] .*=[1-9]' "$out/$name.lb.log"
	read -r rx tx drop _ <<<"$(totals "$out/$name.lb.log")"
	ptx=$(field "$out/$name.log" TX)
	prx=$(field "$out/$name.log" RX)
	expect "[ $rc -eq 0 ] && grep -q '^\[PKTGEN\] DONE' $out/$name.log" "$s: pktgen ran it and quit by itself (exit $rc)"
	expect "[ -n '$ptx' ] && [ '$ptx' = '$rx' ]" "$s: pktgen TX ($ptx) = lb-graph RX ($rx)"
	expect "[ -n '$prx' ] && [ '$prx' = '$tx' ]" "$s: lb-graph TX ($tx) = pktgen RX ($prx)"
	expect "grep -q '^\[MBUF\] in_use=0$' $out/$name.lb.log" "$s: lb-graph holds no mbuf at exit"
	if [ "$name" = mixed ]; then
		for kv in $(sed -n 's/^\[PKTGEN\] EXPECT //p' "$out/$name.log"); do
			k=${kv%=*} v=${kv#*=}
			if [ "$k" = forwarded ]; then got=$tx; else got=$(sed -n "s/^\[DROP\] $k=//p" "$out/$name.lb.log"); fi
			expect "[ '$got' = '$v' ]" "mixed: lb-graph $k = $got, pktgen expected $v"
		done
	fi
done

# A bad setting: refused before sending, and pktgen exits 1 by itself.
echo "=== bad setting"
start_lb "$out/bad.lb.log"
run_pktgen "$out/bad.log" LB_VIP=198.51.100 -- udp-flood.lua
rc=$?
stop_lb
cat "$out/bad.log"
expect "[ $rc -eq 1 ] && grep -q \"ERROR udp-flood: LB_VIP = '198.51.100': not a valid ip\" $out/bad.log" \
	"udp-flood with LB_VIP=198.51.100: error named, exit 1 (got $rc)"
read -r rx _ <<<"$(totals "$out/bad.lb.log")"
expect "[ '$rx' = 0 ]" "nothing sent after the bad setting (lb-graph RX $rx)"

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
