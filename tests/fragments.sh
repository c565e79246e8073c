#!/usr/bin/env bash
# Fragments with real kernel peers (the ports are net_pcap on the veths:
# af_packet's fanout has the kernel put fragments back together first):
#   client (lbfc) -- port 0 [lb-graph in lbf] port 1 -- backend (lbfbe, a UDP echo server)
#  - 4000-byte datagrams to the UDP VIP, fragmented by the client's kernel,
#    reach the echo backend, and its 4000-byte answers, fragmented by the
#    backend's kernel, come back whole;
#  - datagrams fragmented by scapy and sent last fragment first arrive,
#    also with the first 30 ms after the others (the hold queue);
#  - 1,000 orphan later fragments exhaust nothing: each counted once, as
#    frag_orphan or frag_timeout, and the echo works on;
#  - the same reordered run with frag_hold = 0, printed beside (the
#    measurement behind the hold queue).
# Usage: tests/fragments.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
tmp=$(mktemp -d /tmp/lb-frag.XXXXXX)
NS_CLI=lbfc NS_LB=lbf NS_BE=lbfbe
ALL_NS="$NS_CLI $NS_LB $NS_BE"
. "$(dirname "$0")/netns_lib.sh"
VIP=192.0.2.90
client="/usr/bin/python3 $(dirname "$0")/frag_client.py"

write_conf() { # FILE FRAG_HOLD
	cat >"$1" <<EOT
[eal]
args = --no-huge -m 512 --no-pci --file-prefix=lb-frag-$$ --log-level=*:warning
main_lcore = 0
[lb]
stats_interval = 0
frag_hold = $2
[port.0]
dev = net_pcap0,iface=f0
addr = 10.50.0.1/24
[port.1]
dev = net_pcap1,iface=f1
addr = 10.51.0.1/24
[worker.1]
rx = 0:0 1:0
[vip.echo]
addr = $VIP
port = 53
proto = udp
out_port = 1
backend = 10.51.0.11:5353
EOT
}

setup() {
	fresh_namespaces || return 1
	ip link add c0 netns $NS_CLI type veth peer name f0 netns $NS_LB || return 1
	ip link add f1 netns $NS_LB type veth peer name b0 netns $NS_BE || return 1
	quiet_link $NS_CLI c0; quiet_link $NS_LB f0; quiet_link $NS_LB f1; quiet_link $NS_BE b0
	deaf_kernel $NS_LB f0 f1
	in_ns $NS_CLI ip addr add 10.50.0.2/24 dev c0
	in_ns $NS_CLI ip route add default via 10.50.0.1
	in_ns $NS_BE ip addr add 10.51.0.11/24 dev b0
	in_ns $NS_BE ip route add default via 10.51.0.1
	in_ns $NS_BE /usr/bin/python3 "$(dirname "$0")/udp_echo.py" 10.51.0.11 5353 - >/dev/null 2>&1 &
	pids+=($!)
	wait_for 10 in_ns $NS_BE sh -c "ss -Hlun 'sport = :5353' | grep -q 5353"
}

start_lb() { # CONF LOG
	ip netns exec $NS_LB "$build/app/lb-graph" -c "$1" >"$2" 2>&1 &
	lb_pid=$!
	pids+=($lb_pid)
	wait_ctl "$build" "$1" &&
		wait_for 20 sh -c "ip netns exec $NS_CLI $client kernel $VIP 53 100 1 | grep -q 'echoed 1 of 1'"
}

drop() { sed -n "s/^\[DROP\] $1=//p" "$2"; }

if ! setup; then
	echo "FAIL: set-up"
	echo "fragments: 0 passed, 1 failed"
	exit 1
fi

# ---- frag_hold = 0 first: the reordered run without the hold queue ----
write_conf "$tmp/nohold.ini" 0
start_lb "$tmp/nohold.ini" "$tmp/nohold.log" || { echo "FAIL: lb-graph (frag_hold = 0) did not start"; cat "$tmp/nohold.log"; }
nohold_rev=$(in_ns $NS_CLI $client reversed $VIP 53 4000 20 0)
nohold_gap=$(in_ns $NS_CLI $client reversed $VIP 53 4000 20 30)
stop_lb

# ---- the default (frag_hold = 64) ----
write_conf "$tmp/frag.ini" 64
if ! start_lb "$tmp/frag.ini" "$tmp/lb.log"; then
	echo "FAIL: lb-graph did not start"; tail -5 "$tmp/lb.log"
	echo "fragments: 0 passed, 1 failed"
	exit 1
fi
res=$(in_ns $NS_CLI $client kernel $VIP 53 4000 20)
expect "[ '$res' = 'echoed 20 of 20' ]" "4000-byte datagrams fragmented by the kernels, both ways: $res"
rev=$(in_ns $NS_CLI $client reversed $VIP 53 4000 20 0)
expect "[ '$rev' = 'echoed 20 of 20' ]" "last fragment first (scapy): $rev"
gap=$(in_ns $NS_CLI $client reversed $VIP 53 4000 20 30)
expect "[ '$gap' = 'echoed 20 of 20' ]" "last fragment first, the first 30 ms later (held): $gap"
echo "  frag_hold = 0 for comparison: last fragment first: $nohold_rev; the first 30 ms later: $nohold_gap"
"$build/app/lb-ctl" -c "$tmp/frag.ini" frags >"$tmp/frags.txt" 2>&1
expect "grep -Eq '^worker 0: 4096 entries, first fragments [1-9][0-9]*, later ones followed [1-9]' '$tmp/frags.txt'" \
	"lb-ctl frags: $(cat "$tmp/frags.txt")"
orph=$(in_ns $NS_CLI $client orphans $VIP 53 1000)
after=$(in_ns $NS_CLI $client kernel $VIP 53 4000 20)
expect "[ '$after' = 'echoed 20 of 20' ] && [ '$orph' = 'sent 1000' ]" "after 1000 orphan fragments the echo works on: $after"
stop_lb
orphan=$(drop frag_orphan "$tmp/lb.log") timeout=$(drop frag_timeout "$tmp/lb.log") overlap=$(drop frag_overlap "$tmp/lb.log")
# (frag_overlap: an orphan whose IP id met a live datagram's, the kernel's)
expect "[ $((orphan + timeout + overlap)) -eq 1000 ] && [ $timeout -le 64 ]" \
	"each orphan counted once: frag_orphan $orphan + frag_timeout $timeout (held, <= 64) + frag_overlap $overlap = 1000"
released=$(sed -n 's/^\[FRAGS\] .* released=\([0-9]*\) .*/\1/p' "$tmp/lb.log")
expect "[ '${released:-0}' -ge 40 ]" "held fragments handed on behind their first: $(grep '^\[FRAGS\]' "$tmp/lb.log")"
read -r rx tx dropped punt gen kin kout <<<"$(totals "$tmp/lb.log")"
expect "[ -n '${rx:-}' ] && [ $((rx + gen + kin)) -eq $((tx + dropped + punt)) ]" \
	"conservation: RX $rx + GEN $gen + KIN $kin = TX $tx + DROP $dropped + PUNT $punt (HELD 0 at exit)"
expect "grep -q '^\[MBUF\] in_use=0$' '$tmp/lb.log'" "every mbuf back in the pool ($(grep '^\[MBUF\]' "$tmp/lb.log"))"
echo "fragments: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
