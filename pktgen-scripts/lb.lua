-- lb.lua: helpers shared by the lb-graph pktgen scripts (pktgen 23.06.1).
-- A script loads it with dofile, reads its settings through lb.settings and
-- runs its body through lb.main, which turns any Lua error into exit code 1
-- instead of leaving pktgen at its prompt.

local lb = {}

local function fail(fmt, ...)
	error(string.format(fmt, ...), 0)
end

local function ipv4(s)
	local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
	if not a then return nil end
	local n = 0
	for _, o in ipairs({a, b, c, d}) do
		o = tonumber(o)
		if o > 255 then return nil end
		n = n * 256 + o
	end
	return n
end

local function ipv4_string(n)
	return string.format("%d.%d.%d.%d", n >> 24 & 255, n >> 16 & 255, n >> 8 & 255, n & 255)
end

local function integer_in(lo, hi)
	return function(v)
		v = math.tointeger(tonumber(v))
		return v and v >= lo and v <= hi and v
	end
end

local checks = {
	ip = function(v) return ipv4(v) ~= nil and v end,
	mac = function(v) return v:match("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$") and v end,
	port = integer_in(1, 65535),
	count = integer_in(1, 1 << 24),
	port_count = integer_in(1, 65535),
	size = integer_in(64, 1518),
	steps = integer_in(0, 20),
	seconds = function(v) v = tonumber(v); return v and v > 0 and v <= 86400 and v end,
	percent = function(v) v = tonumber(v); return v and v > 0 and v <= 100 and v end,
	loss = function(v) v = tonumber(v); return v and v >= 0 and v < 100 and v end,
	sizes = function(v)
		local t = {}
		for item in v:gmatch("[^,]+") do
			local n = integer_in(64, 1518)(item)
			if not n then return nil end
			t[#t + 1] = n
		end
		return #t > 0 and t
	end,
}

-- What each setting a script may declare holds.
local kinds = {
	PORT = "steps", DST_MAC = "mac", SRC_MAC = "mac", VIP = "ip", VIP_PORT = "port",
	OTHER_IP = "ip", SRC_IP = "ip", SRC_IPS = "count", SRC_PORT = "port", SRC_PORTS = "port_count",
	SIZE = "size", SIZES = "sizes", RATE = "percent", SECONDS = "seconds",
	SEARCH_STEPS = "steps", LOSS_TOLERANCE = "loss", UDP_VIP = "ip", UDP_PORT = "port",
	TCP_VIP = "ip", TCP_PORT = "port",
}

-- The script's settings: for each NAME of `defaults`, the environment
-- variable LB_<NAME> when set, else the default written in the script.
-- Checked either way, so a typo stops the script before a packet is sent.
function lb.settings(defaults)
	local s = {}
	for name, default in pairs(defaults) do
		local kind = kinds[name] or fail("setting %s: unknown name", name)
		local raw, from = os.getenv("LB_" .. name), "LB_" .. name
		if raw == nil or raw == "" then
			raw, from = tostring(default), name .. " (script default)"
		end
		local v = checks[kind](raw)
		if not v then fail("%s = '%s': not a valid %s", from, raw, kind) end
		s[name] = v
	end
	s.PORT = tostring(s.PORT or 0)
	return s
end

lb.ipv4 = ipv4
lb.ipv4_string = ipv4_string

-- Last address of a block of n addresses starting at first.
function lb.ip_add(first, n)
	local v = ipv4(first) + n
	if v > 0xffffffff then fail("address range from %s by %d leaves IPv4", first, n) end
	return ipv4_string(v)
end

-- Run pktgen command-language lines (for what the Lua API lacks, such as
-- TCP flags of the range packet) through a temporary .pkt file.
function lb.commands(lines)
	local path = os.tmpname()
	local f = assert(io.open(path, "w"))
	f:write(table.concat(lines, "\n"), "\n")
	f:close()
	-- 23.06.1 checks for three arguments and reads two.
	pktgen.run("cmd", path, "")
	os.remove(path)
end

-- Range mode from a script's settings `s`: one destination (VIP:VIP_PORT),
-- SRC_IPS addresses from SRC_IP up and SRC_PORTS ports from SRC_PORT up,
-- frames of `size` bytes. pktgen steps every field once per packet, so the
-- flow count is lcm(SRC_IPS, SRC_PORTS).
function lb.range_flows(s, proto, size)
	local port = s.PORT
	if s.SRC_PORT + s.SRC_PORTS - 1 > 65535 then
		fail("source ports %d + %d leave 1..65535", s.SRC_PORT, s.SRC_PORTS)
	end
	pktgen.range.dst_mac(port, "start", s.DST_MAC)
	pktgen.range.src_mac(port, "start", s.SRC_MAC)
	for _, w in ipairs({"start", "min", "max"}) do
		pktgen.range.dst_ip(port, w, s.VIP)
		pktgen.range.dst_port(port, w, s.VIP_PORT)
		pktgen.range.pkt_size(port, w, size)
	end
	pktgen.range.dst_ip(port, "inc", "0.0.0.0")
	pktgen.range.dst_port(port, "inc", 0)
	pktgen.range.pkt_size(port, "inc", 0)
	pktgen.range.src_ip(port, "start", s.SRC_IP)
	pktgen.range.src_ip(port, "min", s.SRC_IP)
	pktgen.range.src_ip(port, "max", lb.ip_add(s.SRC_IP, s.SRC_IPS - 1))
	pktgen.range.src_ip(port, "inc", s.SRC_IPS > 1 and "0.0.0.1" or "0.0.0.0")
	pktgen.range.src_port(port, "start", s.SRC_PORT)
	pktgen.range.src_port(port, "min", s.SRC_PORT)
	pktgen.range.src_port(port, "max", s.SRC_PORT + s.SRC_PORTS - 1)
	pktgen.range.src_port(port, "inc", s.SRC_PORTS > 1 and 1 or 0)
	pktgen.range.ttl(port, "start", 64)
	pktgen.range.ip_proto(port, proto)
	-- pktgen paces by the single packet's size even in range mode.
	pktgen.set(port, "size", size)
	pktgen.set_range(port, "on")
end

local function gcd(a, b)
	while b ~= 0 do a, b = b, a % b end
	return a
end

function lb.flow_count(src_ips, src_ports)
	return src_ips // gcd(src_ips, src_ports) * src_ports
end

local function stats(port, kind)
	local s = pktgen.portStats(port, kind)[tonumber(port)]
	if not s then fail("port %s has no statistics: is it in -m?", port) end
	return s
end

-- A field anywhere in a nested table (portInfo's nesting differs between
-- pktgen releases).
local function find(t, key)
	if type(t) ~= "table" then return nil end
	if t[key] ~= nil then return t[key] end
	for _, v in pairs(t) do
		local found = find(v, key)
		if found ~= nil then return found end
	end
end

-- The packets per second pktgen paces to at 100% on this port for the
-- current packet size (link speed / wire size). Call it while the rate is
-- 100: portInfo rounds the rate to an integer.
function lb.line_rate_pps(port)
	local info = pktgen.portInfo(port)[tonumber(port)]
	local pps, rate = find(info, "tx_pps"), find(info, "tx_rate")
	if not pps or not rate or rate == 0 then fail("portInfo has no tx_pps/tx_rate") end
	return pps * 100 / rate
end

-- Seconds since boot, to 10 ms: Lua has no wall clock finer than os.time.
local function now()
	local f = io.open("/proc/uptime")
	if not f then return os.time() end
	local t = f:read("n")
	f:close()
	return t
end

-- Send for `seconds` from cleared counters; print the rates every second when
-- `verbose`; return the totals and the measured time from start to stop. pktgen refreshes its
-- port counters once a second, hence the wait after stop.
function lb.trial(port, seconds, verbose)
	pktgen.clr()
	pktgen.delay(1100)
	local t0 = now()
	pktgen.start(port)
	-- Wake on the second since start: sleeps and printing drift otherwise.
	local function wait_until(t)
		local ms = math.floor((t - now()) * 1000)
		if ms > 0 then pktgen.delay(ms) end
	end
	for i = 1, math.floor(seconds) do
		wait_until(t0 + i)
		if verbose then
			local r = stats(port, "rate")
			print(string.format("[PKTGEN] t=%ds TX_PPS=%d RX_PPS=%d", i, r.pkts_tx, r.pkts_rx))
		end
	end
	wait_until(t0 + seconds)
	pktgen.stop(port)
	local elapsed = now() - t0
	pktgen.delay(1500)
	local s = stats(port, "port")
	return {tx = s.opackets, rx = s.ipackets, seconds = elapsed > 0 and elapsed or seconds}
end

-- `expected`: how many of the sent packets should come back (all of them
-- unless the script sends some to be dropped).
function lb.print_totals(r, expected)
	print(string.format("[PKTGEN] TOTAL TX=%d RX=%d TX_PPS=%.0f RX_PPS=%.0f LOSS=%.4f%%",
		r.tx, r.rx, r.tx / r.seconds, r.rx / r.seconds, lb.loss(r, expected) * 100))
end

function lb.loss(r, expected)
	expected = expected or r.tx
	if expected == 0 then return 0 end
	return (expected - r.rx) / expected
end

-- A flood to one VIP from a range of clients, at RATE for SECONDS: rates
-- every second, totals at the end. `flags`: TCP flags of every packet.
function lb.flood(s, proto, flags)
	lb.range_flows(s, proto, s.SIZE)
	if flags then
		local lines = {string.format("range %s tcp flag clr all", s.PORT)}
		for _, f in ipairs(flags) do
			lines[#lines + 1] = string.format("range %s tcp flag set %s", s.PORT, f)
		end
		lb.commands(lines)
	end
	pktgen.set(s.PORT, "rate", s.RATE)
	print(string.format("[PKTGEN] %s %s:%d%s, %d flows (%d addresses x %d ports), %d bytes, rate %g%%, %gs",
		proto, s.VIP, s.VIP_PORT, flags and " flags " .. table.concat(flags, ",") or "",
		lb.flow_count(s.SRC_IPS, s.SRC_PORTS), s.SRC_IPS, s.SRC_PORTS, s.SIZE, s.RATE, s.SECONDS))
	local r = lb.trial(s.PORT, s.SECONDS, true)
	lb.print_totals(r)
	if r.tx == 0 then fail("nothing was sent: is the port up?") end
	if r.rx == 0 then
		fail("nothing came back: is %s:%d a %s VIP whose out_port is this link?", s.VIP, s.VIP_PORT, proto)
	end
	return r
end

-- Run body(); on any error print it, stop sending and exit 1. On success
-- pktgen quits with exit code 0, so every script ends by itself.
function lb.main(name, body)
	pktgen.screen("off")
	local ok, err = pcall(body)
	if not ok then
		print(string.format("[PKTGEN] ERROR %s: %s", name, tostring(err)))
		pcall(pktgen.stop, "all")
		os.exit(1)
	end
	print(string.format("[PKTGEN] DONE %s", name))
	pktgen.quit()
end

lb.fail = fail
return lb
