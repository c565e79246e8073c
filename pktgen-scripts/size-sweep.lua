-- size-sweep.lua: RFC 2544-style throughput per frame size through a UDP VIP.
-- For each size: one trial at full rate (offered vs received pps), then, if
-- more than LOSS_TOLERANCE percent was lost, a binary search of SEARCH_STEPS
-- trials between 0 and the offered rate for the highest rate within the
-- tolerance. Prints one table at the end.
--   pktgen <EAL args> -- -P -m 1.0 -f pktgen-scripts/size-sweep.lua
-- Each setting below can be overridden by LB_<NAME> in the environment
-- (LB_SIZES=64,1518 LB_SECONDS=10 ...). The defaults match
-- conf/examples/pktgen-memif.ini; pktgen-scripts/README.md has the wiring.
local settings = {
	PORT           = 0,                   -- pktgen port number (its -m mapping)
	DST_MAC        = "02:00:00:00:aa:01", -- lb-graph's port MAC
	SRC_MAC        = "02:00:00:00:bb:01", -- pktgen's port MAC
	VIP            = "198.51.100.20",     -- a UDP VIP of lb-graph
	VIP_PORT       = 53,
	SRC_IP         = "192.0.2.1",         -- first client address
	SRC_IPS        = 255,                 -- client addresses
	SRC_PORT       = 1024,                -- first client port
	SRC_PORTS      = 256,                 -- client ports; flows = lcm(SRC_IPS, SRC_PORTS)
	SIZES          = "64,128,256,512,1024,1280,1518", -- frame bytes, CRC included
	SECONDS        = 2,                   -- per trial (RFC 2544 asks 60 on real links)
	SEARCH_STEPS   = 3,                   -- binary-search trials per size when lossy
	LOSS_TOLERANCE = 0,                   -- percent of frames allowed to be lost
}

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local ok, lb = pcall(dofile, here .. "lb.lua")
if not ok then print("[PKTGEN] ERROR loading lb.lua: " .. tostring(lb)); os.exit(1) end

local function pps(r, what) return r[what] / r.seconds end

lb.main("size-sweep", function()
	local s = lb.settings(settings)
	local rows, sent, received = {}, 0, 0
	local function trial(size, rate)
		pktgen.set(s.PORT, "rate", rate)
		local r = lb.trial(s.PORT, s.SECONDS, false)
		sent, received = sent + r.tx, received + r.rx
		print(string.format("[PKTGEN] trial size=%d rate=%.3f%% TX_PPS=%.0f RX_PPS=%.0f LOSS=%.4f%%",
			size, rate, pps(r, "tx"), pps(r, "rx"), lb.loss(r) * 100))
		return r
	end
	local tolerance = s.LOSS_TOLERANCE / 100
	for _, size in ipairs(s.SIZES) do
		lb.range_flows(s, "udp", size)
		pktgen.set(s.PORT, "rate", 100)
		local line = lb.line_rate_pps(s.PORT)
		local full = trial(size, 100)
		if full.tx == 0 or full.rx == 0 then
			lb.fail("size %d: sent %d, received %d: is %s:%d a UDP VIP on this link?",
				size, full.tx, full.rx, s.VIP, s.VIP_PORT)
		end
		local best = lb.loss(full) <= tolerance and pps(full, "rx") or 0
		local lo, hi = 0, pps(full, "tx")
		for _ = 1, (best > 0 and 0 or s.SEARCH_STEPS) do
			local mid = (lo + hi) / 2
			local r = trial(size, 100 * mid / line)
			if lb.loss(r) <= tolerance then
				lo, best = mid, math.max(best, pps(r, "rx"))
			else
				hi = mid
			end
		end
		rows[#rows + 1] = {size = size, line = line, offered = pps(full, "tx"),
			received = pps(full, "rx"), loss = lb.loss(full), best = best}
	end

	print(string.format("[PKTGEN] size-sweep %s:%d, %d flows, %gs trials, loss tolerance %g%%",
		s.VIP, s.VIP_PORT, lb.flow_count(s.SRC_IPS, s.SRC_PORTS), s.SECONDS, s.LOSS_TOLERANCE))
	print("[PKTGEN] | size | offered pps | received pps | loss % | throughput pps | throughput Mbit/s |")
	print("[PKTGEN] |-----:|------------:|-------------:|-------:|---------------:|------------------:|")
	for _, row in ipairs(rows) do
		print(string.format("[PKTGEN] | %4d | %11.0f | %12.0f | %6.3f | %14.0f | %17.0f |",
			row.size, row.offered, row.received, row.loss * 100, row.best,
			row.best * (row.size + 20) * 8 / 1e6))
	end
	print(string.format("[PKTGEN] TOTAL TX=%d RX=%d", sent, received))
end)
