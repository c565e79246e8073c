-- A stand-in for pktgen 23.06.1's `pktgen` Lua table, to dry-run the
-- scripts of pktgen-scripts/ in plain lua5.4 where pktgen is not built (CI).
-- It checks what a real pktgen would refuse: unknown functions, argument
-- counts, range/set keywords, the command-language lines scripts write.
-- It sends nothing; tests/pktgen_run.sh runs the scripts in pktgen itself.
-- Usage: lua5.4 tests/pktgen_stub.lua pktgen-scripts/NAME.lua
-- Prints the calls as "[STUB] ..." lines; the script's own exit code stands.

local rate, sending, tx, rx, quit_called = 100, false, 0, 0, false
-- STUB_RX_SHARE: the share of what was sent that comes back (lb-graph
-- forwards some kinds and drops the rest); unset: all of it, less 1% at
-- full rate.
local rx_share = tonumber(os.getenv("STUB_RX_SHARE") or "")
local LINE_PPS_AT_100 = 14880952 -- 10G at 64 bytes, what pktgen reports on memif

local function check(cond, fmt, ...)
	if not cond then error(string.format(fmt, ...), 3) end
end

local function nargs(name, want, ...)
	check(select("#", ...) == want, "%s: %d arguments given, pktgen 23.06.1 takes %d",
		name, select("#", ...), want)
end

local function portlist(p)
	check(type(p) == "string" and (p == "all" or p:match("^%d+$")), "bad port list %s", tostring(p))
end

local function is_ip(v) return type(v) == "string" and v:match("^%d+%.%d+%.%d+%.%d+$") end
local function is_mac(v) return type(v) == "string" and v:match("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$") end
local whats = {start = true, min = true, max = true, inc = true}

local range = {}
local function range_field(name, valid)
	range[name] = function(...)
		nargs("range." .. name, 3, ...)
		local p, what, v = ...
		portlist(p)
		check(whats[what], "range.%s: '%s' is not start/min/max/inc", name, tostring(what))
		check(valid(v), "range.%s %s: bad value %s", name, what, tostring(v))
	end
end
local function int(lo, hi) return function(v) return math.type(v) == "integer" and v >= lo and v <= hi end end
range_field("dst_mac", is_mac)
range_field("src_mac", is_mac)
range_field("dst_ip", is_ip)
range_field("src_ip", is_ip)
range_field("dst_port", int(0, 65535))
range_field("src_port", int(0, 65535))
range_field("pkt_size", int(0, 9000))
range_field("ttl", int(0, 255))
function range.ip_proto(...)
	nargs("range.ip_proto", 2, ...)
	local p, proto = ...
	portlist(p)
	check(proto == "udp" or proto == "tcp", "range.ip_proto: %s", tostring(proto))
end

local set_whats = {count = true, size = true, rate = true, burst = true, sport = true,
	dport = true, ttl = true, seq_cnt = true, seqCnt = true}

-- Lines the scripts hand to pktgen's command language.
local command_patterns = {
	"^range %d+ tcp flag [sc][el][tr] %a+$",
	"^seq %d+ %d+ dst %x%x:%x%x:%x%x:%x%x:%x%x:%x%x src %x%x:%x%x:%x%x:%x%x:%x%x:%x%x dst [%d.]+ src [%d.]+/%d+ sport %d+ dport %d+ ipv[46] %a+ vlan %d+ size %d+$",
}

local function stats()
	return {[0] = {opackets = tx, ipackets = rx, pkts_tx = 0, pkts_rx = 0, imissed = 0}, n = 1}
end

local api = {
	range = range,
	screen = function(...) nargs("screen", 1, ...) end,
	set = function(...)
		nargs("set", 3, ...)
		local p, what, v = ...
		portlist(p)
		check(set_whats[what], "set: '%s' unknown", tostring(what))
		if what == "rate" then rate = tonumber(v) end
	end,
	set_range = function(...) nargs("set_range", 2, ...); portlist((...)) end,
	clr = function(...) nargs("clr", 0, ...); tx, rx = 0, 0 end,
	start = function(...) nargs("start", 1, ...); portlist((...)); sending = true end,
	stop = function(...)
		nargs("stop", 1, ...)
		portlist((...))
		if sending then
			-- A made-up trial: 8000 packets; 1% lost at full rate, so the
			-- size sweep's search runs.
			tx = tx + 8000
			rx = rx + (rx_share and math.floor(8000 * rx_share) or (rate >= 100 and 7920 or 8000))
		end
		sending = false
	end,
	delay = function(...) nargs("delay", 1, ...); check(math.type((...)) == "integer", "delay: integer ms") end,
	sleep = function(...) nargs("sleep", 1, ...); check(math.type((...)) == "integer", "sleep: integer s") end,
	portStats = function(...)
		nargs("portStats", 2, ...)
		local p, kind = ...
		portlist(p)
		check(kind == "port" or kind == "rate", "portStats: %s", tostring(kind))
		return stats()
	end,
	portInfo = function(...)
		nargs("portInfo", 1, ...)
		return {[0] = {info = {tx_rate = math.floor(rate)},
			tx_debug = {tx_pps = math.floor(LINE_PPS_AT_100 * rate / 100)}}}
	end,
	run = function(...)
		nargs("run", 3, ...)
		local kind, path = ...
		check(kind == "cmd", "run: %s", tostring(kind))
		for line in io.lines(path) do
			local known = false
			for _, pat in ipairs(command_patterns) do known = known or line:match(pat) ~= nil end
			check(known, "command line not in pktgen's language: %s", line)
			print("[STUB] command " .. line)
		end
	end,
	quit = function(...) nargs("quit", 0, ...); quit_called = true end,
}

pktgen = setmetatable({}, {
	__index = function(_, name)
		local f = api[name]
		if not f then error("pktgen." .. tostring(name) .. " is not in the stub's pktgen 23.06.1 API", 2) end
		return f
	end,
})

local script = assert(arg[1], "usage: lua5.4 tests/pktgen_stub.lua SCRIPT")
dofile(script)
if not quit_called then
	print("[STUB] the script returned without pktgen.quit(): pktgen would wait at its prompt")
	os.exit(3)
end
print("[STUB] quit")
