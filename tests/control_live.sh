#!/usr/bin/env bash
# The live state under concurrent use, on a running lb-graph (net_pcap
# replay, a VIP of 300 backends and one named with a '-'):
#  1. one lb-ctl loop changes backends while another dumps the running
#     configuration (several pages): every dump loads with --check and is
#     one published state (300 or 301 backends, in order, nothing torn);
#  2. the VIP named "web-v2" shows in every reply;
#  3. stdout blocked (piped into a reader that stops reading): lb-ctl still
#     answers and ARP replies still go out.
# Usage: tests/control_live.sh BUILD_DIR   (from the project root)
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
tmp=$(mktemp -d /tmp/lb-live.XXXXXX)
prefix=lb-live-$$
pid= reader= changer=
cleanup() {
	for p in $changer $pid $reader; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$tmp" "/var/run/dpdk/$prefix" # a killed lb-graph cannot remove its runtime folder
}
trap cleanup EXIT
ctl() { timeout 20 "$build/app/lb-ctl" -c "$tmp/lb.ini" "$@"; }

# ARP requests for the port address from 50 senders, replayed forever.
/usr/bin/python3 - "$tmp/arp.pcap" <<'PY'
import sys
from scapy.all import ARP, Ether, wrpcap
wrpcap(sys.argv[1], [Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:aa:%02x" % i) /
                     ARP(op=1, hwsrc="02:00:00:00:aa:%02x" % i, psrc="10.50.0.%d" % (i + 10), pdst="10.50.0.1")
                     for i in range(50)])
PY
{
	printf '[eal]\nargs = --no-huge -m 512 --no-pci --file-prefix=%s --log-level=*:warning\n' "$prefix"
	printf '[lb]\nstats_interval = 1\n'
	printf '[port.0]\ndev = net_pcap0,rx_pcap=%s,infinite_rx=1\naddr = 10.50.0.1/16\n' "$tmp/arp.pcap"
	printf '[worker.1]\nrx = 0:0\n'
	printf '[vip.web]\naddr = 198.51.100.10\nport = 80\nproto = tcp\nout_port = 0\n'
	for i in $(seq 0 299); do printf 'backend = 10.60.%u.%u:8080 02:00:00:00:%02x:%02x\n' $((i / 256)) $((i % 256)) $((i / 256)) $((i % 256)); done
	printf '[vip.web-v2]\naddr = 198.51.100.11\nport = 80\nproto = tcp\nout_port = 0\n'
	printf 'backend = 10.61.0.1:8080 02:00:00:00:61:01\n'
} >"$tmp/lb.ini"
"$build/app/lb-graph" -c "$tmp/lb.ini" >"$tmp/log" 2>&1 &
pid=$!
wait_ctl "$build" "$tmp/lb.ini"

# ---- 1. changes and dumps at once ----
(
	for i in $(seq 200); do
		ctl backend add web 10.77.0.1:8080 02:00:00:00:77:01 >/dev/null || echo "add $i failed"
		ctl backend del web 10.77.0.1:8080 >/dev/null || echo "del $i failed"
	done >"$tmp/changer.log" 2>&1
	touch "$tmp/changer.done"
) &
changer=$!
dumps=0 bad=0 torn=0 pages=0
grep '^backend = 10.60' "$tmp/lb.ini" | sed 's/$/ weight=1/' >"$tmp/base.txt"
lower() { tr 'A-F' 'a-f'; } # MACs are written in capitals
while [ ! -e "$tmp/changer.done" ] || [ $dumps -lt 20 ]; do
	d=$tmp/dump$dumps.ini
	ctl config >"$d" 2>>"$tmp/dump.err" || { bad=$((bad + 1)); dumps=$((dumps + 1)); continue; }
	"$build/app/lb-graph" -c "$d" --check >/dev/null 2>>"$tmp/check.err" || bad=$((bad + 1))
	# one state: the 300 in order, with or without the churned one after them
	sed -n '/^\[vip.web\]/,/^$/p' "$d" | grep '^backend = ' | lower >"$tmp/got.txt"
	if ! cmp -s "$tmp/got.txt" "$tmp/base.txt" &&
		! { head -n 300 "$tmp/got.txt" | cmp -s - "$tmp/base.txt" && [ "$(wc -l <"$tmp/got.txt")" -eq 301 ] &&
			tail -n 1 "$tmp/got.txt" | grep -qx 'backend = 10.77.0.1:8080 02:00:00:00:77:01 weight=1'; }; then
		torn=$((torn + 1))
		cp "$d" "$tmp/torn.ini"
	fi
	[ $dumps -eq 0 ] && pages=$(grep -c '' "$d")
	dumps=$((dumps + 1))
	[ $dumps -gt 2000 ] && break
done
wait $changer
changer=
expect "[ ! -s '$tmp/changer.log' ]" "200 add+del while dumping: all acknowledged ($(head -c 200 "$tmp/changer.log"))"
expect "[ $dumps -ge 20 ] && [ $bad -eq 0 ]" "$dumps dumps of $pages lines (several pages) meanwhile, each loads with --check ($bad did not)"
expect "[ $torn -eq 0 ]" "each dump is one published state ($torn torn)"
[ $torn -ne 0 ] && diff "$tmp/base.txt" <(grep '^backend = 10.6' "$tmp/torn.ini") | head

# ---- 2. a VIP named with '-' ----
expect "ctl vips | grep -qx 'web-v2: 198.51.100.11:80/tcp'" "vips lists web-v2"
expect "ctl vip web-v2 | grep -q '^  10.61.0.1:8080 '" "vip web-v2 shows its backend"
expect "ctl config | grep -qx '\[vip.web-v2\]'" "config has [vip.web-v2]"
expect "ctl backend weight web-v2 10.61.0.1:8080 3 >/dev/null && ctl vip web-v2 | grep -Eq '^  10.61.0.1:8080 .* 3 active'" \
	"web-v2 can be changed"
expect "grep -q '^\[VIP\] web-v2 198.51.100.11:80/tcp' '$tmp/log'" "[VIP] line for web-v2"

# ---- 3. stdout blocked ----
kill -TERM $pid
wait $pid
pid=
mkfifo "$tmp/fifo"
(exec 3<"$tmp/fifo"; sleep 300) & # opens the pipe, never reads it
reader=$!
disown $reader
"$build/app/lb-graph" -c "$tmp/lb.ini" >"$tmp/fifo" 2>&1 &
pid=$!
disown $pid
wait_ctl "$build" "$tmp/lb.ini"
# until the main thread waits on the full pipe (about 64 KB of [VIP] lines)
blocked=no
for _ in $(seq 600); do
	grep -q 'pipe_write' /proc/$pid/stack 2>/dev/null && { blocked=yes; break; }
	sleep 0.1
done
expect "[ $blocked = yes ]" "lb-graph's stdout is full and its main thread waits on it"
SECONDS=0
out=$(timeout 5 "$build/app/lb-ctl" -c "$tmp/lb.ini" vip web 2>&1 | head -n 1)
expect "echo '$out' | grep -q '^vip web 198.51.100.10:80/tcp'" "lb-ctl vip answers with stdout blocked (${SECONDS} s)"
expect "timeout 5 '$build/app/lb-ctl' -c '$tmp/lb.ini' backend drain web 10.60.0.1:8080 >/dev/null" \
	"a backend change goes through with stdout blocked"
r0=$(timeout 5 "$build/app/lb-ctl" -c "$tmp/lb.ini" arp | sed -n 's/^replies_out: //p')
r1=$r0
for _ in $(seq 100); do
	r1=$(timeout 5 "$build/app/lb-ctl" -c "$tmp/lb.ini" arp | sed -n 's/^replies_out: //p')
	[ "${r1:-0}" -gt "${r0:-0}" ] && break
	sleep 0.1
done
expect "[ '${r1:-0}' -gt '${r0:-0}' ]" "ARP replies still go out with stdout blocked ($r0 -> $r1)"
kill -KILL $pid
pid=
echo "control live: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
