# The namespaces of the kernel interface and health check tests, sourced:
#   client (lbkcli) -- port 0 [lb-graph in lbk, taps lbk0 lbk1] port 1 -- lbkgw -- lbkbe
# lbkgw (10.31.0.254) is an on-link backend and the gateway to lbkbe
# (10.32.0.12), an off-link one; both serve HTTP on 8080 ("backend gw",
# "backend be"). The sourcing script sets build, tmp and conf, writes the
# INI and calls setup; cleanup runs on exit and removes everything.
NS_LB=lbk NS_CLI=lbkcli NS_GW=lbkgw NS_BE=lbkbe
ALL_NS="$NS_LB $NS_CLI $NS_GW $NS_BE"
. "$(dirname "${BASH_SOURCE[0]}")/netns_lib.sh"

# ini_ports NAME: the INI's first sections for this topology: port 0 to the
# client, port 1 to the backends with its gateway and kernel interface lbk1,
# one worker; the EAL file prefix lb-NAME-PID.
ini_ports() {
	cat <<EOT
[eal]
args = --no-huge -m 512 --no-pci --file-prefix=lb-$1-$$ --log-level=*:warning
main_lcore = 0
[lb]
stats_interval = 0
[port.0]
dev = net_af_packet0,iface=k0,qpairs=1
addr = 10.30.0.1/24
[port.1]
dev = net_af_packet1,iface=k1,qpairs=1
addr = 10.31.0.1/24
gateway = 10.31.0.254
kernel = lbk1
[worker.1]
rx = 0:0 1:0
EOT
}

setup() {
	fresh_namespaces || return 1
	ip link add k0 netns $NS_LB type veth peer name kc0 netns $NS_CLI || return 1
	ip link add k1 netns $NS_LB type veth peer name kg0 netns $NS_GW || return 1
	ip link add kg1 netns $NS_GW type veth peer name kb0 netns $NS_BE || return 1
	quiet_link $NS_LB k0; quiet_link $NS_LB k1
	quiet_link $NS_CLI kc0; quiet_link $NS_GW kg0; quiet_link $NS_GW kg1; quiet_link $NS_BE kb0
	# lbk's own kernel deaf to k0/k1, or the host's traffic would not need
	# the taps (its sources are reached by lbk0/lbk1)
	deaf_kernel $NS_LB k0 k1
	in_ns $NS_CLI ip addr add 10.30.0.2/24 dev kc0
	in_ns $NS_CLI ip route add default via 10.30.0.1
	in_ns $NS_GW ip addr add 10.31.0.254/24 dev kg0
	in_ns $NS_GW ip addr add 10.32.0.254/24 dev kg1
	in_ns $NS_GW sysctl -qw net.ipv4.ip_forward=1
	in_ns $NS_GW ip route add 10.30.0.0/24 via 10.31.0.1
	in_ns $NS_BE ip addr add 10.32.0.12/24 dev kb0
	in_ns $NS_BE ip route add default via 10.32.0.254
	mkdir -p "$tmp/gw" "$tmp/be"
	echo "backend gw" >"$tmp/gw/index.html"
	echo "backend be" >"$tmp/be/index.html"
	http_server $NS_GW 10.31.0.254 "$tmp/gw" || return 1
	gw_http=$http_pid
	http_server $NS_BE 10.32.0.12 "$tmp/be" || return 1
	be_http=$http_pid
	[ "$(type -t extra_servers)" = function ] && { extra_servers || return 1; }
	ip netns exec $NS_LB "$build/app/lb-graph" -c "$conf" >"$tmp/lb.log" 2>&1 &
	lb_pid=$!
	pids+=($lb_pid)
	wait_ctl "$build" "$conf" || return 1
	wait_for 10 in_ns $NS_LB ip link show lbk1 up
}

