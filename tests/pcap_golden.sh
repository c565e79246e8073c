#!/usr/bin/env bash
# Integration: the real lb-graph binary on net_pcap files.
#  1. one worker: valid flows to two VIPs, non-VIP and malformed frames in;
#     out.pcap byte-exact against the reference rewrite, totals by reason.
#  2. two workers, each polling its own RX queue: both graphs in the graph
#     statistics, the same flow-to-backend mapping from either worker.
#  3. the drop switch from the INI: every VIP frame counted under policy.
#  4. a bad INI: exit code 2, file:line: key: reason, no port touched.
# Usage: tests/pcap_golden.sh BUILD_DIR
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
lb=$build/app/lb-graph
gen=$build/tools/lb-pcapgen
check=$build/tests/golden-check
tmp=$(mktemp -d /tmp/lb-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); echo "ok: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

vips() {
	cat <<'INI'
[vip.web]
addr = 198.51.100.10
port = 80
proto = tcp
out_port = 0
backend = 10.0.0.1:8080 02:00:00:00:00:01
backend = 10.0.0.2:8080 02:00:00:00:00:02
backend = 10.0.0.3:8080 02:00:00:00:00:03

[vip.dns]
addr = 198.51.100.20
port = 53
proto = udp
out_port = 0
backend = 10.0.1.1:5353 02:00:00:00:01:01
backend = 10.0.1.2:5353 02:00:00:00:01:02
INI
}

run_lb() { # INI LOG: bounded run, returns lb-graph's exit code
	timeout -k 5 60 "$lb" -c "$1" --duration 2 >"$2" 2>&1
}

# ---- 1. one worker, golden output ----
cat >"$tmp/one.ini" <<INI
[eal]
args = --no-huge -m 512 --no-pci --file-prefix=lb-golden-$$ --log-level=*:warning
[lb]
hash_seed = 0xc0ffee
stats_interval = 1
[port.0]
dev = net_pcap0,rx_pcap=$tmp/in.pcap,tx_pcap=$tmp/out.pcap
[worker.1]
rx = 0:0
$(vips)
INI
"$gen" -c "$tmp/one.ini" -o "$tmp/in.pcap" --flows 600 --packets-per-flow 3 --bad --expect "$tmp/expect.txt"
run_lb "$tmp/one.ini" "$tmp/one.log"
expect '[ $? -eq 0 ]' "one worker: lb-graph exits 0"
expect "grep -qx '\[MBUF\] in_use=0' '$tmp/one.log'" "one worker: every mbuf back in the pool"
if "$check" -c "$tmp/one.ini" -i "$tmp/in.pcap" -o "$tmp/out.pcap" -e "$tmp/expect.txt" -l "$tmp/one.log"; then
	ok "one worker: output byte-exact, totals by reason"
else
	ko "one worker: golden check (log: $(grep -E '^\[(TOTAL|DROP)\]' "$tmp/one.log" | tr '\n' ' '))"
fi

# ---- 1b. determinism across processes, and the crc32c flow hash ----
# Another process on the same INI (its own random key-table multipliers)
# sends the same bytes; flow_hash = crc32c passes the reference check too.
sed -e "s/lb-golden-$$/lb-golden1b-$$/" -e "s#out.pcap#again.pcap#" "$tmp/one.ini" >"$tmp/again.ini"
run_lb "$tmp/again.ini" "$tmp/again.log"
frames() { tcpdump -r "$1" -n -t -xx 2>/dev/null; } # the bytes, not the capture times
expect "[ -s '$tmp/again.pcap' ] && [ \"\$(frames '$tmp/out.pcap' | md5sum)\" = \"\$(frames '$tmp/again.pcap' | md5sum)\" ]" \
	"a second process sends byte for byte the same frames"
sed -e 's/^hash_seed = 0xc0ffee$/hash_seed = 0xc0ffee\nflow_hash = crc32c/' \
	-e "s/lb-golden-$$/lb-golden1c-$$/" -e "s#out.pcap#crc.pcap#" "$tmp/one.ini" >"$tmp/crc.ini"
run_lb "$tmp/crc.ini" "$tmp/crc.log"
if "$check" -c "$tmp/crc.ini" -i "$tmp/in.pcap" -o "$tmp/crc.pcap" -e "$tmp/expect.txt" -l "$tmp/crc.log" >/dev/null; then
	ok "flow_hash = crc32c: output byte-exact against the reference"
else
	ko "flow_hash = crc32c: golden check"
fi
expect "[ \"\$(frames '$tmp/out.pcap' | md5sum)\" != \"\$(frames '$tmp/crc.pcap' | md5sum)\" ]" \
	"keyed and crc32c pick differently (the function matters)"

# ---- 2. two workers, two RX queues ----
cp "$tmp/in.pcap" "$tmp/a.pcap"
cp "$tmp/in.pcap" "$tmp/b.pcap"
cat >"$tmp/two.ini" <<INI
[eal]
args = --no-huge -m 512 --no-pci --file-prefix=lb-golden2-$$ --log-level=*:warning
[lb]
hash_seed = 0xc0ffee
graph_stats = on
[port.0]
dev = net_pcap0,rx_pcap=$tmp/a.pcap,rx_pcap=$tmp/b.pcap,tx_pcap=$tmp/oa.pcap,tx_pcap=$tmp/ob.pcap
rx_queues = 2
; two polling lcores may share the second CPU on a 2-core machine
[worker.1]
rx = 0:0
cpu = 1
[worker.2]
rx = 0:1
cpu = 1
$(vips)
INI
run_lb "$tmp/two.ini" "$tmp/two.log"
expect '[ $? -eq 0 ]' "two workers: lb-graph exits 0"
expect "grep -qx '\[MBUF\] in_use=0' '$tmp/two.log'" "two workers: every mbuf back in the pool"
for w in worker_1 worker_2; do
	expect "grep -q '^\[GRAPH\] $w\$' '$tmp/two.log'" "two workers: $w in the graph statistics"
	rx=$(sed -n "s/^\[WORKER\] $w RX=\([0-9]*\).*/\1/p" "$tmp/two.log")
	expect "[ '${rx:-0}' -gt 0 ]" "two workers: $w received (${rx:-0} frames)"
done
expect "grep -q 'lb_classify' '$tmp/two.log' && grep -q 'ethdev_rx-0-1' '$tmp/two.log'" \
	"two workers: node rows (lb_classify, ethdev_rx-0-1) in the graph statistics"
if "$check" -c "$tmp/two.ini" -i "$tmp/a.pcap" -i "$tmp/b.pcap" -o "$tmp/oa.pcap" -o "$tmp/ob.pcap" \
	-e "$tmp/expect.txt" -l "$tmp/two.log"; then
	ok "two workers: same flow, same backend from either worker; totals"
else
	ko "two workers: golden check"
fi
expect "[ \$(stat -c %s '$tmp/oa.pcap') -gt 1000 ] && [ \$(stat -c %s '$tmp/ob.pcap') -gt 1000 ]" \
	"two workers: each worker transmitted on its own TX queue"

# ---- 3. drop switch on ----
sed -e 's/^hash_seed = 0xc0ffee$/hash_seed = 0xc0ffee\ndrop = on/' \
	-e "s/lb-golden-$$/lb-golden3-$$/" -e "s#out.pcap#out3.pcap#" "$tmp/one.ini" >"$tmp/drop.ini"
run_lb "$tmp/drop.ini" "$tmp/drop.log"
# every frame that would reach a backend, and those too big for its port
# (the switch comes first)
fwd=$(($(sed -n 's/^forward //p' "$tmp/expect.txt") + $(sed -n 's/^too_big //p' "$tmp/expect.txt")))
policy=$(sed -n 's/^\[DROP\] policy=//p' "$tmp/drop.log")
tx=$(sed -n 's/^\[TOTAL\] RX=[0-9]* TX=\([0-9]*\).*/\1/p' "$tmp/drop.log")
expect "[ '$policy' = '$fwd' ] && [ '$tx' = 0 ]" "drop = on: all $fwd VIP frames under policy (got ${policy:-?}), TX=${tx:-?}"

# ---- 4. bad INI: refused before any port is touched ----
sed -e 's/^port = 53$/port = 65536/' -e "s#out.pcap#never.pcap#" "$tmp/one.ini" >"$tmp/bad.ini"
line=$(grep -n '^port = 65536$' "$tmp/bad.ini" | cut -d: -f1)
timeout 20 "$lb" -c "$tmp/bad.ini" >"$tmp/bad.log" 2>&1
rc=$?
expect "[ $rc -eq 2 ]" "bad INI: exit code 2 (got $rc)"
expect "grep -qx '$tmp/bad.ini:$line: key .port.: port must be 1..65535' '$tmp/bad.log'" \
	"bad INI: '$tmp/bad.ini:$line: key 'port': ...' on stderr"
expect "[ ! -e '$tmp/never.pcap' ] && ! grep -q EAL '$tmp/bad.log'" "bad INI: no EAL start, no port opened"
timeout 20 "$lb" -c "$tmp/one.ini" --check >/dev/null 2>&1
expect '[ $? -eq 0 ]' "--check accepts a good INI"
for ini in conf/lb.ini conf/examples/*.ini; do
	expect "timeout 20 '$lb' -c '$ini' --check >/dev/null 2>&1" "$ini passes --check"
done

echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
