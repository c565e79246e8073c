#!/usr/bin/env bash
# make bench: side-by-side forwarding rates on the same traffic source and
# the same core, all in one run. Each contender is a memif server whose one
# forwarding lcore runs on CPU 1; lb-gen (memif client, CPU 0) offers FLOWS
# flows at full speed for SECONDS and counts what comes back. The VIPs sit
# in 198.18.0.0/24, which l3fwd-graph's built-in routes send back out of
# port 0, so every contender gets the same frames. RUNS runs per contender,
# medians and min-max; cycles per packet per node come from lb-graph's and
# l3fwd-graph's rte_graph statistics. l3fwd-graph is built, unchanged, from
# the dpdk-doc example sources into a temporary folder. Results go to
# results/bench-<time>/ (results.md, runs.csv, mpps.png).
# Usage: bench/run.sh BUILD_DIR [RUNS] [SECONDS] [FLOWS]   (from the project root)
set -u
. "$(dirname "$0")/lib.sh"
build=${1:-build}
runs=${2:-5}
seconds=${3:-5}
flows=${4:-1024}
out=results/bench-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
tmp=$(mktemp -d /tmp/lb-bench.XXXXXX)
server=
# testpmd and l3fwd-graph leave their DPDK runtime folders behind: removed with ours
trap '[ -n "$server" ] && kill -KILL "$server" 2>/dev/null; rm -rf "$tmp" /var/run/dpdk/bench-*-$$' EXIT
sock=$tmp/memif.sock
eal_common="$(eal_mem) --no-pci --log-level=*:warning"
echo "EAL memory: $eal_common"

lb_conf() { # HASH OUT [LOOP]: conf/examples/memif.ini, VIPs in 198.18.0.0/24, graph statistics on
	sed -e "s#/run/lb-memif.sock#$sock#" -e "s#--file-prefix=lb-memif#--file-prefix=bench-lb-$$#" \
		-e "s#--no-huge -m 512#$(eal_mem)#" \
		-e "s/^stats_interval = 1$/stats_interval = 0\ngraph_stats = on\nnode_loop = ${3:-scalar}/" \
		-e 's/^addr = 198.51.100./addr = 198.18.0./' \
		-e "s/^out_port = 0$/out_port = 0\nhash = $1/" conf/examples/memif.ini >"$2"
}
lb_conf maglev "$tmp/gen.ini" # what lb-gen sends: the same VIPs for everyone

l3fwd=$tmp/l3fwd-graph
cp -r /usr/share/dpdk/examples/l3fwd-graph "$l3fwd" && make -s -C "$l3fwd" >"$tmp/l3fwd-build.log" 2>&1 ||
	{ echo "cannot build l3fwd-graph:"; cat "$tmp/l3fwd-build.log"; exit 1; }

start_server() { # NAME
	case $1 in
	testpmd-*)
		dpdk-testpmd -l 0,1 --main-lcore 0 $eal_common --file-prefix=bench-tp-$$ \
			--vdev=net_memif0,role=server,socket="$sock" -- \
			--forward-mode="${1#testpmd-}" --nb-cores=1 --total-num-mbufs=16384 --auto-start --stats-period 1 \
			>"$tmp/server.log" 2>&1 &
		;;
	lb-graph-*) # lb-graph-HASH (node_loop = scalar, the default) or lb-graph-HASH-quad
		local hash=${1#lb-graph-}
		lb_conf "${hash%-quad}" "$tmp/lb.ini" "$([ "${hash%-quad}" = "$hash" ] && echo scalar || echo quad)"
		"$build/app/lb-graph" -c "$tmp/lb.ini" >"$tmp/server.log" 2>&1 &
		;;
	l3fwd-graph)
		# one RX queue polled by lcore 1; it sets up a TX queue per lcore (2), which memif takes
		"$l3fwd/build/l3fwd-graph" -l 0,1 $eal_common --file-prefix=bench-l3-$$ \
			--vdev=net_memif0,role=server,socket="$sock" -- -p 0x1 --config="(0,0,1)" -P \
			>"$tmp/server.log" 2>&1 &
		;;
	esac
	server=$!
	# memif sockets are abstract by default: wait for the server to say it runs
	for _ in $(seq 100); do
		grep -qE 'Port statistics|Ctrl-C to stop|Checking link status' "$tmp/server.log" && return 0
		sleep 0.1
	done
	return 1
}

stop_server() {
	kill -INT "$server" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	server=
}

contenders=${CONTENDERS:-"testpmd-io testpmd-macswap testpmd-5tswap l3fwd-graph lb-graph-modulo lb-graph-maglev lb-graph-maglev-quad"}
echo "contender,run,rx_mpps,tx_mpps" >"$out/runs.csv"
echo "contender,run,node,cycles_per_packet" >"$out/nodes.csv"

# Round by round, every contender once a round: the machine's slow and fast
# spells (README "Performance") then fall on all of them alike.
for r in $(seq "$runs"); do
	for c in $contenders; do
		if ! start_server "$c"; then
			echo "$c: server did not start"; cat "$tmp/server.log"; exit 1
		fi
		sleep 1
		timeout -k 5 $((seconds + 30)) "$build/tools/lb-gen" -l 0 $eal_common --file-prefix=bench-gen-$$ \
			--vdev=net_memif0,role=client,socket="$sock" -- -c "$tmp/gen.ini" \
			--flows "$flows" -d "$seconds" >"$tmp/gen.log" 2>&1
		stop_server
		line=$(grep '^\[GEN\] TX=' "$tmp/gen.log")
		rx=$(echo "$line" | sed -n 's/.*RX_MPPS=\([0-9.]*\).*/\1/p')
		tx=$(echo "$line" | sed -n 's/.*TX_MPPS=\([0-9.]*\).*/\1/p')
		echo "$c,$r,${rx:-0},${tx:-0}" >>"$out/runs.csv"
		echo "$c run $r: forwarded ${rx:-0} Mpps (offered ${tx:-0})"
		if [ "${c#testpmd}" = "$c" ]; then
			node_cycles "$tmp/server.log" | while read -r node cpp; do echo "$c,$r,$node,$cpp"; done >>"$out/nodes.csv"
			[ "$r" = "$runs" ] && cp "$tmp/server.log" "$out/$c.log"
		fi
	done
done

# Medians, min-max, ratio to testpmd 5tswap; cycles per packet per node.
awk -F, -v runs="$runs" -v seconds="$seconds" -v flows="$flows" '
	NR > 1 { v[$1] = v[$1] " " $3; if (!($1 in order)) { order[$1] = ++n; name[n] = $1 } }
	function median(s,   a, k, i, j, t) {
		k = split(s, a, " ")
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		lo = a[1]; hi = a[k]
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	END {
		ref = median(v["testpmd-5tswap"]); ref_hi = hi
		printf "| contender | median Mpps | min-max | vs testpmd 5tswap (medians) | (best runs) |\n|---|---|---|---|---|\n"
		for (i = 1; i <= n; i++) {
			m = median(v[name[i]])
			printf "| %s | %.3f | %.3f-%.3f | %s | %s |\n", name[i], m, lo, hi, ref ? sprintf("%.2f", m / ref) : "n/a",
				ref ? sprintf("%.2f", hi / ref_hi) : "n/a"
			printf "%s %.3f %.3f %.3f\n", name[i], m, lo, hi > "'"$out"'/medians.dat"
		}
		printf "\n%d runs of %d s each, %d flows, 60-byte frames, one forwarding core each.\n", runs, seconds, flows
	}' "$out/runs.csv" >"$out/results.md"
echo "EAL memory options of every process: $(eal_mem) (bench/lib.sh eal_mem)." >>"$out/results.md"

# Cycles per packet per node: medians over the runs; the lb nodes' sum is
# taken per run, then its median.
awk -F, '
	NR > 1 { k = $1 SUBSEP $3; v[k] = v[k] " " $4; if (!(($1, $3) in seen)) { seen[$1, $3]; nodes[$1] = nodes[$1] " " $3 }
		 if ($3 ~ /^lb_(classify|hash|rewrite)$/ || $3 ~ /^(pkt_cls|ip4_lookup|ip4_rewrite)$/) sum[$1 SUBSEP $2] += $4
		 if (!($1 in cseen)) { cseen[$1]; cs[++nc] = $1 } }
	function median(s,   a, k, i, j, t) {
		k = split(s, a, " ")
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	END {
		for (c = 1; c <= nc; c++) {
			name = cs[c]
			printf "\n%s cycles per packet per node (median of its runs, rte_graph statistics):\n\n| node | cycles/packet |\n|---|---|\n", name
			k = split(nodes[name], ns, " ")
			for (i = 1; i <= k; i++) if (ns[i] ~ /^(lb_|pkt_cls|ip4_|ethdev)/) printf "| %s | %.1f |\n", ns[i], median(v[name SUBSEP ns[i]])
			s = ""
			for (key in sum) { split(key, p, SUBSEP); if (p[1] == name) s = s " " sum[key] }
			if (s != "") printf "| **sum of the three hot nodes** | **%.1f** |\n", median(s)
		}
	}' "$out/nodes.csv" >>"$out/results.md"

if command -v gnuplot >/dev/null; then
	gnuplot <<GP
set terminal png size 900,500
set output "$out/mpps.png"
set title "Forwarded Mpps, median of $runs (bars: min-max), memif, one core"
set style fill solid 0.6
set yrange [0:*]
set offsets 0.6, 0.6, 0, 0
set ylabel "Mpps"
set xtics rotate by -20
plot "$out/medians.dat" using 0:2:3:4:(0.6):xtic(1) with boxerrorbars notitle
GP
fi
cat "$out/results.md"
echo "results in $out"
