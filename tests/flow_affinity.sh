#!/usr/bin/env bash
# The flow table with real kernel peers (the namespaces of
# tests/kernel_topology.sh): 20 long-lived TCP connections and 40 UDP flows
# with fixed client ports (tests/flow_client.py) through a TCP and a UDP VIP
# while two backends are added, a weight raised and one backend drained:
# with affinity = flow no flow moves and no connection breaks; then one
# backend is removed: only its own connections break. The same run with
# affinity = none is printed beside it.
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
tmp=$(mktemp -d /tmp/lb-flow.XXXXXX)
conf=$tmp/flow.ini
. "$(dirname "$0")/kernel_topology.sh"

extra_servers() {
	ip netns exec $NS_GW /usr/bin/python3 tests/echo_servers.py 10.31.0.254:9001:b1 10.31.0.254:9002:b2 \
		10.31.0.254:9003:b5 >/dev/null 2>&1 &
	pids+=($!)
	ip netns exec $NS_BE /usr/bin/python3 tests/echo_servers.py 10.32.0.12:9001:b3 10.32.0.12:9002:b4 \
		10.32.0.12:9003:b6 >/dev/null 2>&1 &
	pids+=($!)
	wait_for 10 in_ns $NS_GW sh -c "ss -Hltn 'sport = :9003' | grep -q LISTEN" &&
		wait_for 10 in_ns $NS_BE sh -c "ss -Hltn 'sport = :9003' | grep -q LISTEN"
}

write_conf() { # AFFINITY
	ini_ports flow >"$conf"
	for proto in tcp udp; do
		cat >>"$conf" <<EOT
[vip.$proto]
addr = 192.0.2.30
port = 80
proto = $proto
out_port = 1
affinity = $1
backend = 10.31.0.254:9001
backend = 10.31.0.254:9002
backend = 10.32.0.12:9001
backend = 10.32.0.12:9002
EOT
	done
}

ctl() { timeout 20 "$build/app/lb-ctl" -c "$conf" "$@"; }
ticks() { grep -c '^tick' "$tmp/client.log"; }
at_least_ticks() { [ "$(ticks)" -ge "$1" ]; }

# scenario AFFINITY: prints "moved_tcp moved_udp broken" for the changes,
# then "broken broken_elsewhere" for the removal
scenario() {
	write_conf "$1"
	setup || { echo "set-up failed:"; cat "$tmp/lb.log"; return 1; }
	rm -f "$tmp/stop"
	# everything answers before the client starts (ARP, the first routes)
	wait_for 20 sh -c "echo x | ip netns exec $NS_CLI socat -T 1 - UDP4:192.0.2.30:80 | grep -q b"
	ip netns exec $NS_CLI /usr/bin/python3 tests/flow_client.py 192.0.2.30 80 20 40 41000 "$tmp/stop" \
		>"$tmp/client.log" 2>&1 &
	local client=$!
	pids+=($client)
	wait_for 30 at_least_ticks 10 || { echo "the client does not run:"; cat "$tmp/client.log"; return 1; }
	for v in tcp udp; do
		ctl backend add $v 10.31.0.254:9003 >/dev/null
		ctl backend add $v 10.32.0.12:9003 >/dev/null
		ctl backend weight $v 10.31.0.254:9001 3 >/dev/null
		ctl backend drain $v 10.32.0.12:9002 >/dev/null
	done
	local t=$(ticks)
	wait_for 30 at_least_ticks $((t + 20))
	cp "$tmp/client.log" "$tmp/phase1.log"
	for v in tcp udp; do ctl backend del $v 10.32.0.12:9001 >/dev/null; done
	t=$(ticks)
	wait_for 30 at_least_ticks $((t + 20))
	ctl flow udp 10.30.0.2:41000 >"$tmp/flow-$1.txt" 2>&1
	ctl flows >"$tmp/flows-$1.txt" 2>&1
	touch "$tmp/stop"
	wait $client
	echo "$(grep -c '^moved tcp' "$tmp/phase1.log") $(grep -c '^moved udp' "$tmp/phase1.log") $(grep -c '^broken' "$tmp/phase1.log")"
	local lines=$(wc -l <"$tmp/phase1.log")
	tail -n +$((lines + 1)) "$tmp/client.log" >"$tmp/phase2.log"
	local on_b3=$(grep '^tick' "$tmp/phase1.log" | tail -n 1 | tr ' ' '\n' | grep -cx b3)
	echo "$(grep -c '^broken' "$tmp/phase2.log") $(grep '^broken' "$tmp/phase2.log" | grep -vc ' b3 ') $on_b3"
	kill -TERM $lb_pid
	wait $lb_pid
	remove_namespaces
}

res_none=$(scenario none) || { echo "$res_none"; echo "flow affinity: 0 passed, 1 failed"; exit 1; }
res_flow=$(scenario flow) || { echo "$res_flow"; echo "flow affinity: 0 passed, 1 failed"; exit 1; }
read -r n_tcp n_udp n_broken <<<"$(echo "$res_none" | sed -n 1p)"
read -r n_rm n_rm_else _ <<<"$(echo "$res_none" | sed -n 2p)"
read -r f_tcp f_udp f_broken <<<"$(echo "$res_flow" | sed -n 1p)"
read -r f_rm f_rm_else f_on_b3 <<<"$(echo "$res_flow" | sed -n 2p)"
echo "  two backends added, a weight raised, one drained (20 TCP connections, 40 UDP flows):"
echo "    affinity = none: $n_tcp TCP connections moved, $n_udp UDP flows moved, $n_broken connections broke"
echo "    affinity = flow: $f_tcp TCP connections moved, $f_udp UDP flows moved, $f_broken connections broke"
echo "  one backend (b3) removed: none: $n_rm broke ($n_rm_else not on b3); flow: $f_rm broke ($f_rm_else not on b3)"
expect "[ '$f_tcp' = 0 ] && [ '$f_udp' = 0 ] && [ '$f_broken' = 0 ]" "affinity = flow: changes move no flow and break no connection"
expect "[ '$f_rm' = '$f_on_b3' ] && [ '$f_rm_else' = 0 ]" \
	"affinity = flow: a removal breaks its own connections only ($f_rm broke, $f_on_b3 were on b3)"
expect "[ $((n_tcp + n_udp + n_broken)) -gt 0 ]" "affinity = none: the same changes moved flows (the table is what keeps them)"
expect "grep -Eq '^worker 0: 10\.3[12]\.0\.[0-9]+:900[0-9], udp, idle [0-9.]+ s$' '$tmp/flow-flow.txt'" \
	"lb-ctl flow: the worker's own answer ($(cat "$tmp/flow-flow.txt"))"
expect "grep -q '^worker 0: entries [1-9]' '$tmp/flows-flow.txt'" "lb-ctl flows: $(cat "$tmp/flows-flow.txt")"
echo "flow affinity: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
