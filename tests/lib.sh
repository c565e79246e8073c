# Shared by the test scripts (sourced, not run).

pass=0 fail=0

# expect CONDITION DESCRIPTION: count and print one check.
expect() {
	if eval "$1"; then
		pass=$((pass + 1))
		echo "ok: $2"
	else
		fail=$((fail + 1))
		echo "FAIL: $2"
	fi
}

# default_conf BUILD PREFIX OUT: conf/lb.ini with its own EAL file prefix
# (so it never meets another run) and its pcap taken from BUILD.
default_conf() {
	sed -e "s#--file-prefix=lb-graph#--file-prefix=$2#" -e "s#build/conf/#$1/conf/#" conf/lb.ini >"$3"
}

# wait_ctl BUILD CONF: up to 10 s for lb-graph's control socket.
wait_ctl() {
	for _ in $(seq 100); do
		timeout 5 "$1/app/lb-ctl" -c "$2" vips >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# totals LOG: "RX TX DROP PUNT GEN KIN KOUT" from lb-graph's [TOTAL] line
# (RX + GEN + KIN = TX + DROP + PUNT + HELD; HELD, held fragments, is 0 at
# exit: lb-graph drops what its workers still hold before it counts).
totals() {
	sed -n 's/^\[TOTAL\] RX=\([0-9]*\) TX=\([0-9]*\) DROP=\([0-9]*\) PUNT=\([0-9]*\) GEN=\([0-9]*\) KIN=\([0-9]*\) KOUT=\([0-9]*\) HELD=0$/\1 \2 \3 \4 \5 \6 \7/p' "$1"
}
