# Shared by bench/run.sh and bench/scale.sh (sourced, not run).

# node_cycles LOG: "node cycles/packet" for each node of the rte_graph
# statistics tables in LOG (lb-graph's or l3fwd-graph's), from its last row.
node_cycles() {
	awk -F'|' 'NF > 7 && $2 !~ /Node/ { gsub(/ /, "", $2); opc[$2] = $6 + 0; cpc[$2] = $8 + 0 }
		END { for (n in opc) if (opc[n] > 0) printf "%s %.1f\n", n, cpc[n] / opc[n] }' "$1" | sort
}
