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

cleanup() {
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in $ALL_NS; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

