#!/usr/bin/env bash
# Real kernel traffic through lb-graph: a client namespace, three backend
# namespaces behind a bridge, lb-graph in its own namespace on two veth links
# (net_af_packet), configured by conf/examples/netns.ini. Everything it
# creates is removed on exit, whatever happened; traffic stays in these
# namespaces.
#
#   tests/netns_e2e.sh BUILD_DIR          run the checks
#   tests/netns_e2e.sh BUILD_DIR --demo   set it up and wait: try curl yourself
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
demo=${2:-}
conf=conf/examples/netns.ini
tag=$$
NS_LB=lb NS_CLI=lbcli NS_SW=lbsw NS_ATK=lbatk
BACKENDS="1 2 3"
tmp=$(mktemp -d /tmp/lb-e2e.XXXXXX)
pids=()
pass=0 fail=0

expect() { if eval "$1"; then pass=$((pass + 1)); echo "ok: $2"; else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

cleanup() {
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	sleep 0.5
	for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	for ns in $NS_LB $NS_CLI $NS_SW $NS_ATK $(for b in $BACKENDS; do echo lbbe$b; done); do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

quiet_link() { # NS DEV: no IPv6 chatter, no offloads (af_packet wants real checksums, MTU frames)
	in_ns "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	in_ns "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1
	in_ns "$1" ip link set "$2" up
}

setup() {
	# namespaces this test left behind if a run was killed before its clean-up
	for ns in $NS_LB $NS_CLI $NS_SW $NS_ATK lbbe1 lbbe2 lbbe3; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	for ns in $NS_LB $NS_CLI $NS_SW; do ip netns add "$ns" || return 1; done
	for ns in $NS_LB $NS_CLI $NS_SW; do in_ns "$ns" ip link set lo up; done
	# client <-> lb-graph port 0
	ip link add lb0 netns $NS_LB type veth peer name cli0 netns $NS_CLI || return 1
	quiet_link $NS_LB lb0
	quiet_link $NS_CLI cli0
	# lb's own kernel hears its ports by lbhost1 only (tests/kernel_topology.sh says why)
	in_ns $NS_LB sysctl -qw net.ipv4.conf.lb0.rp_filter=1 net.ipv4.conf.lb0.arp_ignore=8
	in_ns $NS_CLI ip addr add 10.10.0.2/24 dev cli0
	in_ns $NS_CLI ip route add default via 10.10.0.1
	# lb-graph port 1 <-> bridge <-> backends
	in_ns $NS_SW ip link add br0 type bridge
	in_ns $NS_SW ip link set br0 up
	ip link add lb1 netns $NS_LB type veth peer name swlb netns $NS_SW || return 1
	quiet_link $NS_LB lb1
	in_ns $NS_LB sysctl -qw net.ipv4.conf.lb1.rp_filter=1 net.ipv4.conf.lb1.arp_ignore=8
	quiet_link $NS_SW swlb
	in_ns $NS_SW ip link set swlb master br0
	# a stranger on the backends' segment
	ip netns add $NS_ATK || return 1
	ip link add atk0 netns $NS_ATK type veth peer name swatk netns $NS_SW || return 1
	quiet_link $NS_ATK atk0
	quiet_link $NS_SW swatk
	in_ns $NS_SW ip link set swatk master br0
	in_ns $NS_ATK ip addr add 10.20.0.66/24 dev atk0
	for b in $BACKENDS; do
		ip netns add lbbe$b || return 1
		in_ns lbbe$b ip link set lo up
		ip link add be0 netns lbbe$b type veth peer name swbe$b netns $NS_SW || return 1
		quiet_link lbbe$b be0
		quiet_link $NS_SW swbe$b
		in_ns $NS_SW ip link set swbe$b master br0
		in_ns lbbe$b ip addr add 10.20.0.1$b/24 dev be0
		in_ns lbbe$b ip route add default via 10.20.0.1
		mkdir -p "$tmp/www$b"
		echo "backend $b" >"$tmp/www$b/index.html"
		# started with ip netns exec itself, not in_ns: $! must be the server's pid
		ip netns exec lbbe$b /usr/bin/python3 -m http.server 8080 --bind 10.20.0.1$b \
			--directory "$tmp/www$b" >"$tmp/http$b.log" 2>&1 &
		pids+=($!)
		ip netns exec lbbe$b /usr/bin/python3 tests/udp_echo.py 10.20.0.1$b 7007 "backend $b" \
			>/dev/null 2>&1 &
		pids+=($!)
	done
	# every server listening before any client asks (a SYN that arrives first is refused)
	for b in $BACKENDS; do
		for _ in $(seq 100); do
			in_ns lbbe$b ss -Hltn 'sport = :8080' | grep -q LISTEN &&
				in_ns lbbe$b ss -Hlun 'sport = :7007' | grep -q . && break
			sleep 0.1
		done
	done
	ip netns exec $NS_LB "$build/app/lb-graph" -c $conf >"$tmp/lb.log" 2>&1 &
	lb_pid=$!
	pids+=($lb_pid)
	wait_ctl "$build" $conf
}

ctl() { timeout 20 "$build/app/lb-ctl" -c $conf "$@"; }
# get PATH [MAX_SECONDS [CLIENT_PORT]]: the body, or nothing.
get() {
	in_ns $NS_CLI curl -s --max-time "${2:-3}" ${3:+--local-port "$3"} "http://192.0.2.10/$1"
}

if ! setup; then
	echo "FAIL: set-up (namespaces, veths, lb-graph):"
	cat "$tmp/lb.log" 2>/dev/null
	echo "netns e2e: 0 passed, 1 failed"
	exit 1
fi

if [ "$demo" = --demo ]; then
	cat <<EOT
lb-graph is running in namespace '$NS_LB' ($conf). Try, in another shell:
  ip netns exec $NS_CLI curl http://192.0.2.10/
  ip netns exec $NS_CLI ping -c 3 192.0.2.10
  echo hi | ip netns exec $NS_CLI socat -t 2 - UDP4:192.0.2.10:7
  $build/app/lb-ctl -c $conf vip web
  $build/app/lb-ctl -c $conf arp
  $build/app/lb-ctl -c $conf health
  kill -STOP \$(ip netns pids lbbe3 | head -n 1)    # a backend stops: down in ~7 s
Press Enter to stop and remove everything.
EOT
	read -r _
	exit 0
fi

# Backends answer once ARP has found them (requested at start, 1 s apart).
for _ in $(seq 50); do get "" 1 | grep -q backend && break; sleep 0.2; done

# ---- 200 HTTP requests, spread over the backends ----
# Each request from its own client port, so that no request meets the
# previous connection's 4-tuple still in TIME_WAIT at the backend.
ok=0
declare -A served
for i in $(seq 200); do
	body=$(get "" 5 $((30000 + i)))
	case $body in backend*) ok=$((ok + 1)); served[$body]=$((${served[$body]:-0} + 1)) ;; esac
done
expect "[ $ok -eq 200 ]" "200 HTTP requests to the VIP: $ok succeeded"
if [ $ok -ne 200 ]; then # what lb-graph saw, for whoever reads this log
	ctl stats | grep -v ': 0$'
	ctl arp | head -12
fi
for b in $BACKENDS; do
	n=${served["backend $b"]:-0}
	expect "[ $n -ge 40 ]" "backend $b served $n of 200 (>= 20%)"
done

# ---- UDP round trip, ping ----
# A lost datagram is not resent by anyone: ask up to three times, as a UDP
# client would (a veth or AF_PACKET ring may drop one on a loaded machine).
for try in 1 2 3; do
	reply=$(echo hello | in_ns $NS_CLI socat -t 2 - UDP4:192.0.2.10:7 2>/dev/null)
	case $reply in backend*) break ;; esac
done
expect "echo '$reply' | grep -q '^backend [123]$'" "UDP request/response through the VIP ('$reply', attempt $try of 3)"
case $reply in backend*) ;; *) ctl stats | grep -v ': 0$'; ctl arp | head -12 ;; esac
expect "in_ns $NS_CLI ping -c 3 -i 0.2 -W 2 192.0.2.10 >/dev/null" "ping VIP answered by lb-graph"
expect "in_ns $NS_CLI ping -c 1 -W 2 10.10.0.1 >/dev/null" "ping port address answered"

# ---- ARP found the backends (no MAC in the INI) ----
ctl arp >"$tmp/arp.txt"
for b in $BACKENDS; do
	mac=$(in_ns lbbe$b cat /sys/class/net/be0/address)
	expect "grep -qi '^  10.20.0.1$b $mac port' '$tmp/arp.txt'" "ARP entry for backend $b ($mac)"
done
expect "grep -q '^  10.10.0.2 ' '$tmp/arp.txt'" "ARP entry for the client, learnt from its request"

# ---- ARP flapping for a backend's address from a stranger ----
# ~1,000 gratuitous ARP replies a second for 10 s claim 10.20.0.11 for two
# MACs in turn: lb-ctl answers meanwhile, the neighbour changes rebuild at
# most 10 VIP tables a second, backend 1 keeps its MAC and serves on.
be1_mac=$(in_ns lbbe1 cat /sys/class/net/be0/address)
arp_stat() { ctl arp | sed -n "s/^$1: //p"; }
rebuilds0=$(arp_stat neigh_rebuilds)
in_ns $NS_ATK /usr/bin/python3 tests/arp_flap.py atk0 10.20.0.11 10 >"$tmp/flap.out" 2>"$tmp/flap.err" &
flapper=$!
pids+=($flapper)
flap_fail=0 flap_ok=0 slowest=0
deadline=$((SECONDS + 30))
while kill -0 $flapper 2>/dev/null && [ $SECONDS -lt $deadline ]; do
	t0=$(date +%s%N)
	ctl vip web >/dev/null || flap_fail=$((flap_fail + 1000))
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ $ms -gt $slowest ] && slowest=$ms
	body=$(get "" 2)
	case $body in backend*) flap_ok=$((flap_ok + 1)) ;; *) flap_fail=$((flap_fail + 1)) ;; esac
done
wait $flapper
read -r flap_sent flap_s <"$tmp/flap.out"
rebuilds1=$(arp_stat neigh_rebuilds)
ctl arp >"$tmp/arp-flap.txt"
expect "[ '${flap_sent:-0}' -ge 3000 ]" "stranger sent ${flap_sent:-?} gratuitous ARP frames in ${flap_s:-?} s"
expect "[ $slowest -le 5000 ]" "lb-ctl answered throughout (slowest ${slowest} ms)"
bound=$(awk -v s="${flap_s:-10}" 'BEGIN { printf "%d", 10 * (s + 1) }')
expect "[ \$(( rebuilds1 - rebuilds0 )) -le $bound ]" "neighbour rebuilds during the flapping: $((rebuilds1 - rebuilds0)) (<= $bound)"
expect "grep -qi '^  10.20.0.11 $be1_mac port' '$tmp/arp-flap.txt'" "backend 1 kept its own MAC ($be1_mac)"
expect "[ $flap_fail -eq 0 ] && [ $flap_ok -gt 0 ]" "requests to the VIP meanwhile: $flap_ok served, $flap_fail failed"

# ---- remove a backend while a client loop runs ----
# The loop runs until it has made at least 30 requests after the removal
# was acknowledged (or 60 s passed), whatever the machine's speed.
(
	i=0
	while [ ! -e "$tmp/loop.stop" ] && [ $i -lt 2000 ]; do
		i=$((i + 1))
		start=$(date +%s%N)
		body=$(get "" 2 $((31000 + i % 2000)))
		echo "$start ${body:-FAILED}"
	done >"$tmp/loop.txt"
) &
loop=$!
# wait_lines N SINCE: up to 60 s until the loop logged N requests started after SINCE (ns)
wait_lines() {
	local deadline=$((SECONDS + 60))
	while [ $SECONDS -lt $deadline ]; do
		[ "$(awk -v t="$2" '$1 > t' "$tmp/loop.txt" 2>/dev/null | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
wait_lines 5 0
ctl backend del web 10.20.0.13:8080 >/dev/null
acked=$(date +%s%N)
wait_lines 30 "$acked"
touch "$tmp/loop.stop"
wait $loop
after_fail=$(awk -v t="$acked" '$1 > t && $2 == "FAILED"' "$tmp/loop.txt" | wc -l)
after_be3=$(awk -v t="$acked" '$1 > t && $3 == 3' "$tmp/loop.txt" | wc -l)
after=$(awk -v t="$acked" '$1 > t' "$tmp/loop.txt" | wc -l)
expect "[ $after -ge 30 ] && [ $after_fail -eq 0 ]" "backend removed under load: $after requests after the ack, $after_fail failed"
expect "[ $after_be3 -eq 0 ]" "no request reached the removed backend after the ack ($after_be3)"

# ---- drop switch ----
drop0=$(ctl stats | sed -n 's/^drop_policy: //p')
ctl drop on >/dev/null
get "" 2 >/dev/null
rc=$?
drop1=$(ctl stats | sed -n 's/^drop_policy: //p')
expect "[ $rc -ne 0 ] && [ $drop1 -gt $drop0 ]" "drop on: request times out (curl $rc), policy drops $drop0 -> $drop1"
ctl drop off >/dev/null
expect "get '' | grep -q '^backend [12]$'" "drop off: service back"
# added back live without a MAC: ARP finds it, and it serves again
ctl backend add web 10.20.0.13:8080 >/dev/null
back=no
for i in $(seq 200); do
	[ "$(get "" 2 $((33000 + i)))" = "backend 3" ] && { back=yes; break; }
done
expect "[ $back = yes ]" "backend 3 added back without a MAC: resolved by ARP, serving again (after $i requests)"

# ---- hostile frames from the client side ----
# Captured where lb-graph would emit them: towards the client (cli0) and
# towards the backends (swlb, the bridge port facing lb-graph). The control
# frame, a real client's datagram of the same shape, must get through.
drop() { ctl stats | sed -n "s/^drop_$1: //p"; }
capture() { # NS IFACE FILE: tcpdump in the background until killed, once it listens
	ip netns exec "$1" tcpdump -n -U -i "$2" -w "$3" >/dev/null 2>"$3.err" &
	pids+=($!)
	for _ in $(seq 100); do grep -q 'listening on' "$3.err" && return 0; sleep 0.1; done
	return 1
}
lb_mac=$(in_ns $NS_LB cat /sys/class/net/lb0/address)
capture $NS_CLI cli0 "$tmp/cli.pcap" && cap_cli=${pids[-1]}
capture $NS_SW swlb "$tmp/sw.pcap" && cap_sw=${pids[-1]}
spoofed0=$(drop spoofed_backend) martian0=$(drop martian_src) foreign0=$(drop not_for_us) rate0=$(drop icmp_rate)
in_ns $NS_CLI /usr/bin/python3 tests/hostile_frames.py cli0 "$lb_mac" frames
flood_s=$(in_ns $NS_CLI /usr/bin/python3 tests/hostile_frames.py cli0 "$lb_mac" flood 3000)
# counted once lb-graph has seen them all (relay, backend address, backend endpoint: 5 each)
for _ in $(seq 100); do
	[ "$(drop spoofed_backend)" -ge $((spoofed0 + 15)) ] && [ "$(drop martian_src)" -ge $((martian0 + 5)) ] &&
		[ "$(drop not_for_us)" -ge $((foreign0 + 5)) ] && break
	sleep 0.1
done
# what lb-graph sent has reached the captures once the control frames have
for _ in $(seq 100); do
	[ "$(tcpdump -r "$tmp/sw.pcap" -n 'udp src port 4246' 2>/dev/null | wc -l)" -ge 5 ] && break
	sleep 0.1
done
kill -INT "$cap_cli" "$cap_sw" 2>/dev/null
wait "$cap_cli" "$cap_sw" 2>/dev/null
count() { tcpdump -r "$1" -n "$2" 2>/dev/null | wc -l; }
expect "[ $(drop spoofed_backend) -eq $((spoofed0 + 15)) ]" \
	"relay, backend address, backend endpoint: 15 counted as spoofed_backend ($spoofed0 -> $(drop spoofed_backend))"
expect "[ $(drop martian_src) -eq $((martian0 + 5)) ]" "source = port address: 5 counted as martian_src"
# (the kernel's own multicast, IGMP say, counts there too: at least 5)
expect "[ $(drop not_for_us) -ge $((foreign0 + 5)) ]" "another host's MAC: counted as not_for_us ($foreign0 -> $(drop not_for_us))"
n=$(count "$tmp/cli.pcap" 'src host 192.0.2.10 and udp dst port 5555')
expect "[ $n -eq 0 ]" "client side: nothing relayed as the VIP to the client ($n)"
n=$(count "$tmp/sw.pcap" 'udp and (src port 4243 or src port 4244 or src port 4245 or (src port 7007 and dst port 7007))')
expect "[ $n -eq 0 ]" "backend side: no spoofed or misaddressed datagram balanced ($n)"
n=$(count "$tmp/sw.pcap" 'udp src port 4246 and src host 10.10.0.2')
expect "[ $n -eq 5 ]" "backend side: the 5 control datagrams were balanced ($n)"
# The echo flood: at most the bucket (100) plus 100 a second while it lasted.
replies=$(count "$tmp/cli.pcap" 'icmp[icmptype] == icmp-echoreply and src host 10.10.0.1 and icmp[4:2] == 0x4242')
rate1=$(drop icmp_rate)
bound=$(awk -v s="$flood_s" 'BEGIN { printf "%d", 100 + 100 * (s + 1) }')
expect "[ $replies -gt 0 ] && [ $replies -le $bound ] && [ $rate1 -gt $rate0 ]" \
	"echo flood of 3000 in ${flood_s} s: $replies replies (<= $bound), $((rate1 - rate0)) counted as icmp_rate"

kill -TERM $lb_pid
wait $lb_pid
rc=$?
expect "[ $rc -eq 0 ]" "lb-graph stopped cleanly"
expect "grep -qx '\[MBUF\] in_use=0' '$tmp/lb.log'" "every mbuf back in the pool (ARP and ICMP included)"
set -- $(totals "$tmp/lb.log")
expect "[ \$(( $1 + $5 + $6 )) -eq \$(( $2 + $3 + $4 )) ]" "RX + GEN + KIN = TX + DROP + PUNT ($1 + $5 + $6 = $2 + $3 + $4)"
echo "netns e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
