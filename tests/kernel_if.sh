#!/usr/bin/env bash
# The kernel interface ([port.N] kernel, net_tap) with real kernel peers
# (the namespaces of tests/kernel_topology.sh). Checks: TCP from the client
# to port 0's address reaches a listener on lbk0; the host reaches both
# backends (on-link, and by the host route through the gateway); a forged
# gratuitous ARP leaves the kernel's pinned entry alone; a flood to the port
# address is cut at kernel_rate while the VIP serves every request;
# conservation with the tap terms.
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
tmp=$(mktemp -d /tmp/lb-kernel.XXXXXX)
conf=$tmp/kernel.ini
. "$(dirname "$0")/kernel_topology.sh"

cat >"$conf" <<EOT
[eal]
args = --no-huge -m 512 --no-pci --file-prefix=lb-kernel-$$ --log-level=*:warning
main_lcore = 0
[lb]
stats_interval = 0
[port.0]
dev = net_af_packet0,iface=k0,qpairs=1
addr = 10.30.0.1/24
kernel = lbk0
kernel_rate = 200
kernel_burst = 50
[port.1]
dev = net_af_packet1,iface=k1,qpairs=1
addr = 10.31.0.1/24
gateway = 10.31.0.254
kernel = lbk1
mtu = 1400
[worker.1]
rx = 0:0 1:0
[vip.web]
addr = 192.0.2.20
port = 80
proto = tcp
out_port = 1
backend = 10.31.0.254:8080
backend = 10.32.0.12:8080
EOT

if ! setup; then
	echo "FAIL: set-up (namespaces, veths, lb-graph):"
	cat "$tmp/lb.log" 2>/dev/null
	echo "kernel if: 0 passed, 1 failed"
	exit 1
fi

# ---- the interfaces as the kernel sees them ----
expect "in_ns $NS_LB ip -4 addr show lbk0 | grep -q 'inet 10.30.0.1/24'" "lbk0 has port 0's address"
mac0=$(sed -n 's/^\[PORT\] 0 .* mac=\([^ ]*\) .*/\1/p' "$tmp/lb.log")
expect "in_ns $NS_LB ip link show lbk0 | grep -qi 'ether $mac0'" "lbk0 has port 0's MAC ($mac0)"
expect "[ \"\$(in_ns $NS_LB sysctl -n net.ipv6.conf.lbk0.disable_ipv6)\" = 1 ]" "no IPv6 on lbk0"
expect "[ \"\$(in_ns $NS_LB sysctl -n net.ipv4.conf.lbk1.arp_ignore)\" = 8 ]" "lbk1: arp_ignore = 8"
expect "in_ns $NS_LB ip link show lbk1 | grep -q 'mtu 1400 '" "lbk1 has port 1's mtu (1400): $(in_ns $NS_LB ip -o link show lbk1 | grep -o 'mtu [0-9]*')"
expect "wait_for 10 sh -c \"ip netns exec $NS_LB ip route show 10.32.0.12 | grep -q 'via 10.31.0.254 dev lbk1'\"" \
	"host route to the off-link backend through port 1's gateway"
expect "wait_for 10 sh -c \"ip netns exec $NS_LB ip neigh show 10.31.0.254 dev lbk1 | grep -q PERMANENT\"" \
	"the gateway's neighbour entry is pinned from lb-graph's ARP"

# ---- VIP traffic ----
get() { in_ns $NS_CLI curl -s --max-time "${2:-3}" ${3:+--local-port "$3"} "http://192.0.2.20/$1"; }
wait_for 20 sh -c "ip netns exec $NS_CLI curl -s --max-time 1 http://192.0.2.20/ | grep -q backend"
ok=0
for i in $(seq 20); do get "" 5 $((31000 + i)) | grep -q backend && ok=$((ok + 1)); done
expect "[ $ok -eq 20 ]" "VIP: 20 of 20 requests answered ($ok)"

# ---- client -> the port address: the kernel answers ----
ip netns exec $NS_LB socat TCP4-LISTEN:7000,bind=10.30.0.1,reuseaddr,fork SYSTEM:"echo hello from the host" \
	>/dev/null 2>&1 &
pids+=($!)
wait_for 10 in_ns $NS_LB sh -c "ss -Hltn 'sport = :7000' | grep -q LISTEN"
answer=$(in_ns $NS_CLI timeout 10 socat -T 5 - TCP4:10.30.0.1:7000 </dev/null 2>&1)
expect "[ \"$answer\" = 'hello from the host' ]" "TCP to port 0's address reaches the host's listener ($answer)"

# ---- the host -> the backends, by the port's kernel interface ----
on_link=$(in_ns $NS_LB curl -s --max-time 5 http://10.31.0.254:8080/)
expect "[ \"$on_link\" = 'backend gw' ]" "the host reaches the on-link backend ($on_link)"
routed=$(in_ns $NS_LB curl -s --max-time 5 http://10.32.0.12:8080/)
expect "[ \"$routed\" = 'backend be' ]" "the host reaches the backend behind the gateway ($routed)"

# ---- a forged gratuitous ARP for the gateway/backend ----
real=$(in_ns $NS_LB ip neigh show 10.31.0.254 dev lbk1 | awk '{print $3}')
copies_before=$("$build/app/lb-ctl" -c "$conf" arp 2>/dev/null | sed -n 's/^to_kernel: //p')
in_ns $NS_GW /usr/bin/python3 - <<'PY'
from scapy.all import Ether, ARP, sendp
f = Ether(src="02:66:66:66:66:66", dst="ff:ff:ff:ff:ff:ff") / ARP(op=2, hwsrc="02:66:66:66:66:66",
    psrc="10.31.0.254", hwdst="ff:ff:ff:ff:ff:ff", pdst="10.31.0.254")
sendp(f, iface="kg0", count=3, verbose=False)
PY
wait_for 10 sh -c "[ \"\$('$build/app/lb-ctl' -c '$conf' arp 2>/dev/null | sed -n 's/^to_kernel: //p')\" -ge $((${copies_before:-0} + 3)) ]"
copies_after=$("$build/app/lb-ctl" -c "$conf" arp 2>/dev/null | sed -n 's/^to_kernel: //p')
expect "[ ${copies_after:-0} -ge $((${copies_before:-0} + 3)) ]" "the forged ARP reached the kernel (copies ${copies_before:-?} -> ${copies_after:-?})"
now=$(in_ns $NS_LB ip neigh show 10.31.0.254 dev lbk1)
expect "echo '$now' | grep -q 'lladdr $real .*PERMANENT'" "the kernel's entry stays $real ($now)"

# ---- a flood to the port address, the VIP meanwhile ----
drops() { "$build/app/lb-ctl" -c "$conf" stats 2>/dev/null | sed -n "s/^drop_$1: //p"; }
before=$(drops kernel_rate)
ip netns exec $NS_CLI /usr/bin/python3 - <<'PY' &
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 4
while time.time() < end:
    for _ in range(100):
        s.sendto(b"x" * 64, ("10.30.0.1", 9))
    time.sleep(0.002)
PY
flood=$!
pids+=($flood)
ok=0 n=0
while kill -0 $flood 2>/dev/null; do
	n=$((n + 1))
	get "" 5 $((32000 + n)) | grep -q backend && ok=$((ok + 1))
done
after=$(drops kernel_rate)
expect "[ $n -gt 0 ] && [ $ok -eq $n ]" "VIP during the flood: $ok of $n requests answered"
expect "[ ${after:-0} -gt ${before:-0} ]" "the flood's excess is counted as kernel_rate (${before:-?} -> ${after:-?})"

stop_lb
set -- $(totals "$tmp/lb.log")
expect "[ \$(( $1 + $5 + $6 )) -eq \$(( $2 + $3 + $4 )) ] && [ $6 -gt 0 ] && [ $7 -gt 0 ]" \
	"RX + GEN + KIN = TX + DROP + PUNT ($1 + $5 + $6 = $2 + $3 + $4; KOUT $7)"
expect "grep -qx '\[MBUF\] in_use=0' '$tmp/lb.log'" "every mbuf back in the pool"
echo "kernel if: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
