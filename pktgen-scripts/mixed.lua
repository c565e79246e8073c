-- mixed.lua: VIP traffic mixed with packets lb-graph must refuse, to watch
-- its drop counters. Eight sequence packets, sent in equal shares:
--   UDP and TCP to their VIPs come back balanced; TCP to the UDP VIP, a
--   wrong VIP port and a non-VIP address count as no_vip, loopback and
--   multicast sources as martian_src, IPv6 as ethertype.
-- Prints the totals and, from pktgen's TX count, how many of each verdict
-- lb-graph should count ([DROP] lines at its exit, `lb-ctl stats`).
-- (No ICMP: 23.06.1 builds ICMP sequence packets without an echo header.)
--   pktgen <EAL args> -- -P -m 1.0 -f pktgen-scripts/mixed.lua
-- Each setting below can be overridden by LB_<NAME> in the environment.
-- The defaults match conf/examples/pktgen-memif.ini.
local settings = {
	PORT     = 0,                   -- pktgen port number (its -m mapping)
	DST_MAC  = "02:00:00:00:aa:01", -- lb-graph's port MAC
	SRC_MAC  = "02:00:00:00:bb:01", -- pktgen's port MAC
	UDP_VIP  = "198.51.100.20",     -- a UDP VIP of lb-graph
	UDP_PORT = 53,
	TCP_VIP  = "198.51.100.10",     -- a TCP VIP of lb-graph
	TCP_PORT = 80,
	OTHER_IP = "203.0.113.9",       -- an address that is no VIP
	SRC_IP   = "192.0.2.1",         -- client address
	SIZE     = 64,                  -- frame bytes, CRC included
	RATE     = 100,                 -- percent of pktgen's line rate
	SECONDS  = 10,
}

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local ok, lb = pcall(dofile, here .. "lb.lua")
if not ok then print("[PKTGEN] ERROR loading lb.lua: " .. tostring(lb)); os.exit(1) end

lb.main("mixed", function()
	local s = lb.settings(settings)
	-- {verdict, ethType, ipProto, source, destination, destination port}
	local mix = {
		{"forwarded", "ipv4", "udp", s.SRC_IP, s.UDP_VIP, s.UDP_PORT},
		{"forwarded", "ipv4", "tcp", s.SRC_IP, s.TCP_VIP, s.TCP_PORT},
		{"no_vip", "ipv4", "tcp", s.SRC_IP, s.UDP_VIP, s.UDP_PORT}, -- TCP to a UDP VIP
		{"no_vip", "ipv4", "udp", s.SRC_IP, s.UDP_VIP, s.UDP_PORT % 65535 + 1},
		{"no_vip", "ipv4", "udp", s.SRC_IP, s.OTHER_IP, s.UDP_PORT},
		{"martian_src", "ipv4", "udp", "127.0.0.1", s.UDP_VIP, s.UDP_PORT},
		{"martian_src", "ipv4", "udp", "224.0.0.5", s.UDP_VIP, s.UDP_PORT},
		{"ethertype", "ipv6", "udp", s.SRC_IP, s.UDP_VIP, s.UDP_PORT},
	}
	-- The command language, not pktgen.seqTable: 23.06.1's Lua binding
	-- reads the sequence number as the port list.
	local lines = {}
	for i, m in ipairs(mix) do
		lines[i] = string.format("seq %d %s dst %s src %s dst %s src %s/24 sport %d dport %d %s %s vlan 1 size %d",
			i - 1, s.PORT, s.DST_MAC, s.SRC_MAC, m[5], m[4], 1024 + i, m[6], m[2], m[3], s.SIZE)
	end
	lb.commands(lines)
	pktgen.set(s.PORT, "seq_cnt", #mix)
	pktgen.set(s.PORT, "size", s.SIZE)
	pktgen.set(s.PORT, "rate", s.RATE)
	print(string.format("[PKTGEN] mixed: %d kinds in equal shares, %d bytes, rate %g%%, %gs",
		#mix, s.SIZE, s.RATE, s.SECONDS))
	local r = lb.trial(s.PORT, s.SECONDS, true)
	if r.tx == 0 then lb.fail("nothing was sent: is the port up?") end

	-- pktgen stamps its sequence mbufs in turn, so each kind gets 1/8
	-- (exactly, when TX is a multiple of 8).
	local expect, order = {}, {}
	for i, m in ipairs(mix) do
		local n = r.tx // #mix + ((i - 1) < r.tx % #mix and 1 or 0)
		if not expect[m[1]] then order[#order + 1] = m[1] end
		expect[m[1]] = (expect[m[1]] or 0) + n
	end
	local parts = {}
	for _, v in ipairs(order) do parts[#parts + 1] = v .. "=" .. expect[v] end
	lb.print_totals(r, expect.forwarded)
	print("[PKTGEN] EXPECT " .. table.concat(parts, " "))
	if r.rx == 0 then lb.fail("nothing came back: are the VIPs on this link?") end
	-- every forwarded kind comes back, and nothing else does
	if r.rx ~= expect.forwarded then
		lb.fail(string.format("%d came back, %d expected (the forwarded kinds): see lb-graph's [DROP] lines",
			r.rx, expect.forwarded))
	end
end)
