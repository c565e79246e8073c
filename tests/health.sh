#!/usr/bin/env bash
# Health checks with real kernel peers (the namespaces of
# tests/kernel_topology.sh): HTTP checks on vip.web (gw:8080, be:8080, and
# gw:8081, which accepts and never answers), UDP checks on vip.echo (gw and
# be on 7007). A backend whose server stops is down within fall x (interval
# + jitter) + timeout and a curl loop after that sees no failure; started
# again it is up within rise x (interval + jitter) + timeout and serves; the
# silent one goes down on its timeout; a UDP backend that stops answering
# goes down; forcing and switching from lb-ctl, refused when invalid;
# lb-graph stops cleanly with checks in flight.
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
tmp=$(mktemp -d /tmp/lb-health.XXXXXX)
conf=$tmp/health.ini
. "$(dirname "$0")/kernel_topology.sh"

INTERVAL=500 TIMEOUT=300 RISE=2 FALL=3
{ ini_ports health; cat <<EOT
[vip.web]
addr = 192.0.2.20
port = 80
proto = tcp
out_port = 1
backend = 10.31.0.254:8080
backend = 10.32.0.12:8080
backend = 10.31.0.254:8081
check = http
check_path = /index.html
check_status = 200
check_interval_ms = $INTERVAL
check_timeout_ms = $TIMEOUT
check_rise = $RISE
check_fall = $FALL
[vip.echo]
addr = 192.0.2.20
port = 7
proto = udp
out_port = 1
backend = 10.31.0.254:7007
backend = 10.32.0.12:7007
check = udp
check_send = ping
check_expect = pong
check_interval_ms = $INTERVAL
check_timeout_ms = $TIMEOUT
check_rise = $RISE
check_fall = $FALL
EOT
} >"$conf"

udp_server() { # NS ADDR: answers "pong from NS" on 7007, pid in udp_pid
	ip netns exec "$1" /usr/bin/python3 tests/udp_echo.py "$2" 7007 "pong from $1" >/dev/null 2>&1 &
	udp_pid=$!
	pids+=($udp_pid)
}
extra_servers() {
	# accepts and never answers
	ip netns exec $NS_GW socat TCP4-LISTEN:8081,bind=10.31.0.254,reuseaddr,fork SYSTEM:"sleep 60" >/dev/null 2>&1 &
	pids+=($!)
	udp_server $NS_GW 10.31.0.254
	udp_server $NS_BE 10.32.0.12
	be_udp=$udp_pid
}

if ! setup; then
	echo "FAIL: set-up (namespaces, veths, lb-graph):"
	cat "$tmp/lb.log" 2>/dev/null
	echo "health: 0 passed, 1 failed"
	exit 1
fi

ctl() { timeout 20 "$build/app/lb-ctl" -c "$conf" "$@"; }
# health_is VIP IP:PORT STATE: the check's health now
health_is() { ctl health "$1" 2>/dev/null | grep -q "^  $1 $2 [a-z]* $3[:,]"; }
get() { in_ns $NS_CLI curl -s --max-time "${2:-3}" ${3:+--local-port "$3"} "http://192.0.2.20/$1"; }
# bounds: a verdict takes fall (rise) checks, each interval + 10% apart,
# the last one up to its timeout; plus 2 s for scheduling
down_ms=$((FALL * (INTERVAL + INTERVAL / 10) + TIMEOUT + 2000))
up_ms=$((RISE * (INTERVAL + INTERVAL / 10) + TIMEOUT + 2000))
ms() { date +%s%3N; }
# in_time WHAT MS COMMAND...: expect COMMAND to succeed within MS milliseconds, and say how long it took
in_time() {
	local what=$1 limit=$2; shift 2
	if within "$limit" "$@"; then
		pass=$((pass + 1)); echo "ok: $what in $took_ms ms (bound $limit)"
	else
		fail=$((fail + 1)); echo "FAIL: $what: not within $limit ms"
	fi
}
# refused WHAT COMMAND...: COMMAND fails, and its reason is shown
refused() {
	local what=$1 err; shift
	if err=$("$@" 2>&1 >/dev/null); then
		fail=$((fail + 1)); echo "FAIL: $what: accepted"
	else
		pass=$((pass + 1)); echo "ok: $what: refused ($err)"
	fi
}
# within MS COMMAND...: COMMAND succeeds within MS milliseconds; the time taken in took_ms
within() {
	local limit=$1 start; shift
	start=$(ms)
	while ! "$@" >/dev/null 2>&1; do
		[ $(($(ms) - start)) -gt "$limit" ] && { took_ms=$(($(ms) - start)); return 1; }
		sleep 0.05
	done
	took_ms=$(($(ms) - start))
}

# the first checks start within a tenth of an interval of lb-graph's start
in_time "web gw:8080 comes up" $up_ms health_is web 10.31.0.254:8080 up
in_time "web be:8080 (behind the gateway) comes up" $up_ms health_is web 10.32.0.12:8080 up
in_time "web gw:8081 (accepts, never answers) goes down on its timeout" $down_ms health_is web 10.31.0.254:8081 down
expect "grep -q '^\[HEALTH\] web 10.31.0.254:8081 down: Timeout was reached ($FALL of $FALL)' '$tmp/lb.log'" \
	"its transition line: $(grep '^\[HEALTH\] web 10.31.0.254:8081' "$tmp/lb.log" | head -n 1)"
in_time "echo be:7007 (UDP) comes up" $up_ms health_is echo 10.32.0.12:7007 up

# ---- a backend's server stops ----
kill -TERM "$be_http"
in_time "be:8080 stopped: down" $down_ms health_is web 10.32.0.12:8080 down
ok=0 seen_be=0
for i in $(seq 200); do
	body=$(get "" 3 $((33000 + i)))
	case "$body" in "backend gw") ok=$((ok + 1)) ;; "backend be") seen_be=1 ;; esac
done
expect "[ $ok -eq 200 ]" "200 requests after it went down: $ok answered, by gw:8080 only"
ctl vip web >"$tmp/vip.txt"
expect "grep -q '10.32.0.12:8080 .*down: ' '$tmp/vip.txt'" "lb-ctl vip web shows it down with its last result"
sed 's/^/    /' "$tmp/vip.txt"

# ---- and starts again ----
http_server $NS_BE 10.32.0.12 "$tmp/be"
in_time "be:8080 started again: up" $up_ms health_is web 10.32.0.12:8080 up
served=0
for i in $(seq 40); do get "" 3 $((34000 + i)) | grep -q "backend be" && served=$((served + 1)); done
expect "[ $served -gt 0 ]" "it serves again ($served of 40 requests)"

# ---- a UDP backend stops answering ----
kill -TERM "$be_udp"
in_time "echo be:7007 stopped: down" $down_ms health_is echo 10.32.0.12:7007 down

# ---- the operator ----
expect "ctl health force web 10.31.0.254:8080 down >/dev/null" "force gw:8080 down"
in_time "shown as forced down" 3000 health_is web 10.31.0.254:8080 "up, forced down"
ok=0
for i in $(seq 20); do get "" 3 $((35000 + i)) | grep -q "backend be" && ok=$((ok + 1)); done
expect "[ $ok -eq 20 ]" "forced down: all 20 requests to be:8080 ($ok)"
expect "ctl health force web 10.31.0.254:8080 auto >/dev/null" "back to auto"
refused "force on no such backend" ctl health force web 10.9.9.9:80 down
refused "switch on no such VIP" ctl health nope off
refused "force with a bad state" ctl health force web 10.31.0.254:8080 sideways
refused "switch with a bad word" ctl health web maybe
expect "ctl health web off >/dev/null" "checks off"
in_time "checks off: every backend unknown and serving" 3000 health_is web 10.31.0.254:8081 "unknown, checks off"
expect "ctl health web on >/dev/null" "checks on again"
in_time "checks on again: gw:8081 down again" $down_ms health_is web 10.31.0.254:8081 down
ctl health >"$tmp/health.txt"
expect "grep -q '^checks: 5 sent: [1-9]' '$tmp/health.txt'" "lb-ctl health: 5 checks and their counters"
sed 's/^/    /' "$tmp/health.txt"

# ---- stop with checks in flight (the silent backend always has one) ----
kill -TERM $lb_pid
wait $lb_pid
rc=$?
expect "[ $rc -eq 0 ]" "lb-graph stopped cleanly with checks in flight (exit $rc)"
expect "grep -qx '\[MBUF\] in_use=0' '$tmp/lb.log'" "every mbuf back in the pool"
grep '^\[HEALTH\]' "$tmp/lb.log" | sed 's/^/    /'
echo "health: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
