#!/usr/bin/env bash
# ICMP with real kernel peers, on a path with a narrow link:
#   client (lbpc) -- router lbpr1 ==1280-MTU link== router lbpr2 -- port 0 [lb-graph in lbp] port 1 -- backend (lbpbe)
# 1500 everywhere else. The backend sends 1500-byte segments; lbpr2 answers
# them with "fragmentation needed", addressed to the VIP (their source):
#  - a 200 KB HTTP download through the VIP completes (lb-graph hands the
#    error to the backend, which lowers its path MTU to the client);
#  - traceroute -T -p 80 to the VIP shows lb-graph's hop (time exceeded
#    from port 0's address), then the VIP;
#  - a UDP client whose backend has no listener gets "port unreachable"
#    from the VIP (the backend's error, relayed).
# Usage: tests/icmp_path.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
tmp=$(mktemp -d /tmp/lb-icmp.XXXXXX)
conf=$tmp/icmp.ini
NS_CLI=lbpc NS_R1=lbpr1 NS_R2=lbpr2 NS_LB=lbp NS_BE=lbpbe
ALL_NS="$NS_CLI $NS_R1 $NS_R2 $NS_LB $NS_BE"
. "$(dirname "$0")/netns_lib.sh"
VIP=192.0.2.80

cat >"$conf" <<EOT
[eal]
args = --no-huge -m 512 --no-pci --file-prefix=lb-icmp-$$ --log-level=*:warning
main_lcore = 0
[lb]
stats_interval = 0
[port.0]
dev = net_af_packet0,iface=p0,qpairs=1
addr = 10.42.0.1/24
gateway = 10.42.0.254
[port.1]
dev = net_af_packet1,iface=p1,qpairs=1
addr = 10.43.0.1/24
[worker.1]
rx = 0:0 1:0
[vip.web]
addr = $VIP
port = 80
proto = tcp
out_port = 1
backend = 10.43.0.11:8080
[vip.dns]
addr = $VIP
port = 53
proto = udp
out_port = 1
backend = 10.43.0.11:5353
EOT

setup() {
	fresh_namespaces || return 1
	ip link add c0 netns $NS_CLI type veth peer name r1a netns $NS_R1 || return 1
	ip link add r1b netns $NS_R1 type veth peer name r2a netns $NS_R2 || return 1
	ip link add r2b netns $NS_R2 type veth peer name p0 netns $NS_LB || return 1
	ip link add p1 netns $NS_LB type veth peer name b0 netns $NS_BE || return 1
	quiet_link $NS_CLI c0; quiet_link $NS_R1 r1a; quiet_link $NS_R1 r1b; quiet_link $NS_R2 r2a
	quiet_link $NS_R2 r2b; quiet_link $NS_LB p0; quiet_link $NS_LB p1; quiet_link $NS_BE b0
	in_ns $NS_R1 ip link set r1b mtu 1280
	in_ns $NS_R2 ip link set r2a mtu 1280
	deaf_kernel $NS_LB p0 p1
	in_ns $NS_CLI ip addr add 10.40.0.2/24 dev c0
	in_ns $NS_CLI ip route add default via 10.40.0.1
	in_ns $NS_R1 ip addr add 10.40.0.1/24 dev r1a
	in_ns $NS_R1 ip addr add 10.41.0.1/24 dev r1b
	in_ns $NS_R1 ip route add default via 10.41.0.2
	in_ns $NS_R2 ip addr add 10.41.0.2/24 dev r2a
	in_ns $NS_R2 ip addr add 10.42.0.254/24 dev r2b
	in_ns $NS_R2 ip route add 10.40.0.0/24 via 10.41.0.1
	in_ns $NS_R2 ip route add $VIP/32 via 10.42.0.1
	for r in $NS_R1 $NS_R2; do in_ns $r sysctl -qw net.ipv4.ip_forward=1; done
	in_ns $NS_BE ip addr add 10.43.0.11/24 dev b0
	in_ns $NS_BE ip route add default via 10.43.0.1
	mkdir -p "$tmp/www"
	head -c 204800 /dev/urandom >"$tmp/www/big"
	http_server $NS_BE 10.43.0.11 "$tmp/www" || return 1
	ip netns exec $NS_LB "$build/app/lb-graph" -c "$conf" >"$tmp/lb.log" 2>&1 &
	lb_pid=$!
	pids+=($lb_pid)
	wait_ctl "$build" "$conf"
}

if ! setup; then
	echo "FAIL: set-up"; cat "$tmp/lb.log" 2>/dev/null | tail -5
	echo "icmp path: 0 passed, 1 failed"
	exit 1
fi

# The small page first: the path works at all (and ARP is done).
wait_for 20 in_ns $NS_CLI curl -sf -o /dev/null --max-time 2 "http://$VIP/" 
expect "in_ns $NS_CLI curl -sf -o /dev/null --max-time 5 http://$VIP/" "a small page through the VIP"

# 200 KB: the backend's 1500-byte segments meet the 1280 link. Bounded by
# curl's own limit: without the relayed error the transfer never ends.
got=$(in_ns $NS_CLI curl -s -o "$tmp/got" -w '%{size_download}' --max-time 30 "http://$VIP/big")
expect "[ '$got' = 204800 ] && cmp -s '$tmp/got' '$tmp/www/big'" "200 KB through the VIP over a 1280-MTU link ($got bytes)"
pmtu=$(in_ns $NS_BE ip route get 10.40.0.2 | grep -o 'mtu [0-9]*')
expect "[ '$pmtu' = 'mtu 1280' ]" "the backend learnt the path MTU to the client (${pmtu:-none})"

# traceroute: hops lbpr1, lbpr2, lb-graph (port 0's address), then the VIP.
in_ns $NS_CLI timeout 60 traceroute -n -T -p 80 -q 1 -w 2 -m 6 $VIP >"$tmp/trace.txt" 2>&1
sed 's/^/  /' "$tmp/trace.txt"
expect "grep -Eq '^ *3 +10\.42\.0\.1 ' '$tmp/trace.txt'" "traceroute shows lb-graph's hop (10.42.0.1, third)"
expect "grep -Eq '^ *4 +$VIP ' '$tmp/trace.txt'" "traceroute ends at the VIP, fourth"

# UDP to a backend with no listener: the client's socket is refused.
udp=$(in_ns $NS_CLI /usr/bin/python3 - "$VIP" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((sys.argv[1], 53))
s.settimeout(1)
deadline = time.monotonic() + 15
while time.monotonic() < deadline:
    try:
        s.send(b"anyone there?")
        s.recv(100)
        print("answered")
        break
    except ConnectionRefusedError:
        print("refused")
        break
    except (socket.timeout, OSError):
        pass
else:
    print("timeout")
EOF
)
expect "[ '$udp' = refused ]" "UDP to a backend without a listener: port unreachable from the VIP ($udp)"

stop_lb
read -r rx tx drop punt gen kin kout <<<"$(totals "$tmp/lb.log")"
expect "[ -n '${rx:-}' ] && [ $((rx + gen + kin)) -eq $((tx + drop + punt)) ]" \
	"conservation: RX $rx + GEN $gen + KIN $kin = TX $tx + DROP $drop + PUNT $punt"
echo "icmp path: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
