# Helpers of the netns tests, sourced after ALL_NS (the namespaces the
# test makes) and tmp are set: cleanup, on exit, stops the processes in
# pids, removes the namespaces and tmp (unless KEEP_TMP is set).
pids=()
pass=0 fail=0

expect() { if eval "$1"; then pass=$((pass + 1)); echo "ok: $2"; else fail=$((fail + 1)); echo "FAIL: $2"; fi; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# wait_for SECONDS COMMAND...: until COMMAND succeeds, polling every 0.1 s
wait_for() {
	local t=$1; shift
	for _ in $(seq $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

# remove_namespaces: every namespace of ALL_NS and what runs in it
remove_namespaces() {
	for ns in $ALL_NS; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}

# fresh_namespaces: ALL_NS made anew (what a killed run left removed), lo up
fresh_namespaces() {
	remove_namespaces
	for ns in $ALL_NS; do ip netns add "$ns" && in_ns "$ns" ip link set lo up || return 1; done
}

cleanup() {
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	remove_namespaces
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# deaf_kernel NS DEV...: the veths lb-graph reads in NS (af_packet,
# net_pcap) hand it copies; NS's own kernel must not take those frames
# too: strict reverse-path filtering drops them, and no ARP answers
# (a NIC that DPDK owns never shows the kernel its frames at all)
deaf_kernel() {
	local ns=$1; shift
	for dev; do in_ns "$ns" sysctl -qw "net.ipv4.conf.$dev.rp_filter=1" "net.ipv4.conf.$dev.arp_ignore=8"; done
}

# stop_lb: SIGTERM to lb_pid, and up to 20 s for it to count and exit
stop_lb() {
	kill -TERM "$lb_pid"
	wait_for 20 sh -c "! kill -0 $lb_pid"
}

quiet_link() { # NS DEV
	in_ns "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	in_ns "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1
	in_ns "$1" ip link set "$2" up
}

# http_server NS ADDR DIR: a python HTTP server, its pid in http_pid
http_server() {
	ip netns exec "$1" /usr/bin/python3 -m http.server 8080 --bind "$2" --directory "$3" >>"$tmp/http.log" 2>&1 &
	http_pid=$!
	pids+=($http_pid)
	wait_for 10 in_ns "$1" sh -c "ss -Hltn 'src $2 and sport = :8080' | grep -q LISTEN"
}

