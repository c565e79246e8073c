-- udp-flood.lua: UDP to one VIP from a range of client addresses and ports,
-- for a fixed time; prints TX/RX pps every second and the totals at the end.
--   pktgen <EAL args> -- -P -m 1.0 -f pktgen-scripts/udp-flood.lua
-- Each setting below can be overridden by LB_<NAME> in the environment
-- (LB_SECONDS=30 LB_SRC_PORTS=4096 ...). The defaults match
-- conf/examples/pktgen-memif.ini; pktgen-scripts/README.md has the wiring.
local settings = {
	PORT      = 0,                   -- pktgen port number (its -m mapping)
	DST_MAC   = "02:00:00:00:aa:01", -- lb-graph's port MAC
	SRC_MAC   = "02:00:00:00:bb:01", -- pktgen's port MAC
	VIP       = "198.51.100.20",     -- a UDP VIP of lb-graph
	VIP_PORT  = 53,
	SRC_IP    = "192.0.2.1",         -- first client address
	SRC_IPS   = 255,                 -- client addresses
	SRC_PORT  = 1024,                -- first client port
	SRC_PORTS = 256,                 -- client ports; flows = lcm(SRC_IPS, SRC_PORTS)
	SIZE      = 64,                  -- frame bytes, CRC included
	RATE      = 100,                 -- percent of pktgen's line rate
	SECONDS   = 10,
}

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local ok, lb = pcall(dofile, here .. "lb.lua")
if not ok then print("[PKTGEN] ERROR loading lb.lua: " .. tostring(lb)); os.exit(1) end

lb.main("udp-flood", function()
	lb.flood(lb.settings(settings), "udp")
end)
