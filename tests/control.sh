#!/usr/bin/env bash
# The control API through the real telemetry socket of a running lb-graph
# (conf/lb.ini traffic): every lb-ctl command, good and bad; refused commands
# leave the running configuration exactly as it was; the stock
# dpdk-telemetry.py works too; then 1,000 backend add/remove under load with
# the process staying up and RX = TX + DROP at the end.
# Usage: tests/control.sh BUILD_DIR   (from the project root)
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
tmp=$(mktemp -d /tmp/lb-control.XXXXXX)
prefix=lb-control-$$
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

default_conf "$build" "$prefix" "$tmp/lb.ini"
# the replayed flows never end: what a new, a reweighted or a drained backend
# gets is Maglev's stateless choice only without the flow table (what the
# table keeps is tests/flow_affinity.sh's and the unit suite flow's)
sed -i '/^\[vip\./a affinity = none' "$tmp/lb.ini"
"$build/app/lb-graph" -c "$tmp/lb.ini" >"$tmp/log" 2>&1 &
pid=$!
ctl() { timeout 20 "$build/app/lb-ctl" -c "$tmp/lb.ini" "$@"; }
wait_ctl "$build" "$tmp/lb.ini"
# until SECONDS CONDITION: poll CONDITION (a shell string) for up to SECONDS.
until_true() {
	local deadline=$((SECONDS + $1))
	while [ $SECONDS -lt $deadline ]; do eval "$2" && return 0; sleep 0.1; done
	eval "$2"
}
vip_pkts() { ctl vip web | sed -n 's/.* pkts \([0-9]*\)$/\1/p'; }

# ---- good commands, and their effect ----
expect "ctl vips | grep -qx 'web: 198.51.100.10:80/tcp'" "vips lists the VIPs"
expect "ctl vip web | grep -Eq '^  10.0.0.1:8080 +02:00:00:00:00:01 +1 active +[1-9]'" "vip web shows backends with traffic"
ctl config >"$tmp/config0.ini"
expect "'$build/app/lb-graph' -c '$tmp/config0.ini' --check >/dev/null" "config dump is a valid INI file"
expect "ctl backend add web 10.0.0.4:8080 02:00:00:00:00:04 weight=3 >/dev/null" "backend add"
expect "ctl vip web | grep -Eq '^  10.0.0.4:8080 +02:00:00:00:00:04 +3 active'" "... the new backend is there with weight 3"
expect "until_true 10 \"ctl vip web | grep -Eq '^  10.0.0.4:8080 +.* active +[1-9]'\"" "... and receives packets"
expect "ctl backend weight web 10.0.0.4:8080 5 >/dev/null && ctl vip web | grep -Eq '^  10.0.0.4:8080 .* 5 active'" "backend weight"
expect "ctl backend drain web 10.0.0.2:8080 >/dev/null && ctl vip web | grep -Eq '^  10.0.0.2:8080 .* 0 drained'" "backend drain"
before=$(ctl vip web | awk '$1 == "10.0.0.2:8080" { print $5 }')
# a window of at least 100,000 more VIP packets, however long that takes
pkts0=$(vip_pkts)
until_true 20 '[ "$(vip_pkts)" -ge $((pkts0 + 100000)) ]'
pkts1=$(vip_pkts)
after=$(ctl vip web | awk '$1 == "10.0.0.2:8080" { print $5 }')
expect "[ '$before' = '$after' ] && [ $pkts1 -ge $((pkts0 + 100000)) ]" \
	"... a drained backend gets no more packets ($before -> $after while the VIP got $((pkts1 - pkts0)))"
expect "ctl config | grep -qx 'backend = 10.0.0.2:8080 02:00:00:00:00:02 weight=0'" "config dump shows the drain"
expect "ctl backend del web 10.0.0.4:8080 >/dev/null && ! ctl vip web | grep -q 10.0.0.4" "backend del"
policy0=$(ctl stats | sed -n 's/^drop_policy: //p')
expect "ctl drop on | grep -qx 'drop: on'" "drop on"
until_true 10 '[ "$(ctl stats | sed -n "s/^drop_policy: //p")" -gt "$policy0" ]'
policy1=$(ctl stats | sed -n 's/^drop_policy: //p')
expect "[ '$policy1' -gt '$policy0' ]" "... VIP traffic counted under policy ($policy0 -> $policy1)"
expect "ctl drop off | grep -qx 'drop: off' && ctl drop | grep -qx 'drop: off'" "drop off"
# the rates cover a whole stats_interval: the first one may not have ended yet
until_true 10 '[ "$(ctl stats | sed -n "s/^rx_pps: //p")" -gt 0 ]'
rx_pps=$(ctl stats | sed -n "s/^rx_pps: //p")
expect "[ \"${rx_pps:-0}\" -gt 0 ]" "stats shows the rates (rx_pps ${rx_pps:-?})"
expect "printf '/lb/vips\n' | timeout 10 dpdk-telemetry.py -f $prefix | grep -q '\"name\": \\[\"web\", \"dns\"\\]'" \
	"the stock dpdk-telemetry.py client works (VIP names as values)"

# ---- bad commands: refused with a reason, nothing changed ----
ctl config >"$tmp/good.ini"
refused() { # DESCRIPTION WANT-IN-STDERR ARGS...
	local what=$1 want=$2
	shift 2
	ctl "$@" >/dev/null 2>"$tmp/err"
	local rc=$?
	expect "[ $rc -eq 1 ] && grep -q \"$want\" '$tmp/err'" "refused ($rc): $what: $(cat "$tmp/err")"
}
refused "unknown VIP" "no VIP named 'nope'" backend add nope 10.0.0.9:80 02:00:00:00:00:09
refused "bad address" "bad IPv4 address" backend add web 10.0.0.300:80 02:00:00:00:00:09
refused "bad port" "port must be 1..65535" backend add web 10.0.0.9:0 02:00:00:00:00:09
refused "missing port" "the port is missing" backend add web 10.0.0.9 02:00:00:00:00:09
refused "bad MAC" "bad MAC address" backend add web 10.0.0.9:80 02:00:00:00:09
refused "broadcast MAC" "must be a unicast, non-zero address" backend add web 10.0.0.9:80 ff:ff:ff:ff:ff:ff
refused "multicast MAC" "must be a unicast, non-zero address" backend add web 10.0.0.9:80 01:00:5e:00:00:09
refused "zero MAC" "must be a unicast, non-zero address" backend add web 10.0.0.9:80 00:00:00:00:00:00
refused "no MAC where the out port has no addr (no ARP)" "backend without a MAC: give one, or an addr" backend add web 10.0.0.9:80
refused "bad weight" "expected weight=N" backend add web 10.0.0.9:80 02:00:00:00:00:09 weight=5000
refused "weight not a number" "weight must be 0..1000" backend weight web 10.0.0.1:8080 abc
refused "duplicate backend" "already has this backend" backend add web 10.0.0.1:8080 02:00:00:00:00:01
refused "del unknown backend" "has no such backend" backend del web 10.0.0.99:8080
refused "drop maybe" "expected on or off" drop maybe
refused "over-long parameters" "parameters longer than" backend add web "$(printf 'x%.0s' $(seq 400))" 02:00:00:00:00:09
ctl backend add web >/dev/null 2>&1
expect "[ $? -eq 2 ]" "missing fields: usage error (exit 2), nothing sent"
printf '/lb/backend_add,web\n/lb/vip\n/lb/backend_weight,web 10.0.0.1:8080\n' |
	timeout 10 dpdk-telemetry.py -f "$prefix" >"$tmp/raw" 2>&1
expect "[ \$(grep -c '\"error\": \"usage' '$tmp/raw') -eq 3 ]" "missing fields on the raw socket: usage errors"
ctl config >"$tmp/after.ini"
expect "cmp -s '$tmp/good.ini' '$tmp/after.ini'" "refused commands changed nothing (config dump identical)"
"$build/app/lb-ctl" -p no-such-prefix-$$ stats >/dev/null 2>&1
expect "[ $? -eq 3 ]" "no lb-graph: exit code 3"

# ---- 1,000 add/remove under load ----
SECONDS=0
churn_fail=0
for i in $(seq 1 1000); do
	a="10.77.$((i / 256)).$((i % 256)):8080"
	ctl backend add web "$a" 02:00:00:00:77:01 >/dev/null || churn_fail=$((churn_fail + 1))
	ctl backend del web "$a" >/dev/null || churn_fail=$((churn_fail + 1))
done
secs=$SECONDS
expect "[ $churn_fail -eq 0 ] && kill -0 $pid" "1,000 add+remove via lb-ctl in ${secs} s, lb-graph still up"
expect "ctl vip web | grep -c '^  10\.' | grep -qx 3" "... and the VIP is back to its 3 backends"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
expect "[ $rc -eq 0 ]" "clean exit after the churn"
expect "grep -qx '\[MBUF\] in_use=0' '$tmp/log'" "every mbuf back in the pool after the churn"
set -- $(totals "$tmp/log")
expect "[ \$(( $2 + $3 )) -eq $1 ] && [ $1 -gt 0 ]" "RX = TX + DROP after the churn ($1 = $2 + $3)"
echo "control: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
