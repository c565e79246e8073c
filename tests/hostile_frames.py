#!/usr/bin/python3
"""Hostile frames a host on lb-graph's client side can send (netns test).

    hostile_frames.py IFACE LB_MAC frames      each kind below, COUNT times
    hostile_frames.py IFACE LB_MAC flood N     N ICMP echo requests to the port
                                               address at once; prints the seconds
                                               the sending took

The addresses are those of tests/netns_e2e.sh (conf/examples/netns.ini).
Every kind but "control" must not leave lb-graph; "control" is a real
client's datagram shaped like the others, which must.
"""
import sys
import time

from scapy.all import ICMP, IP, UDP, Ether, Raw, sendp

VIP = "192.0.2.10"
CLIENT = "10.10.0.2"
COUNT = 5


def kinds(lb_mac):
    return {
        # a backend's endpoint from the client side, to a client-side host (the sender
        # itself: it has a neighbour entry, so a relay would really leave)
        "relay": Ether(dst=lb_mac) / IP(src="10.20.0.11", dst=CLIENT) / UDP(sport=7007, dport=5555),
        # VIP traffic from a backend's address, from the client side
        "backend_addr": Ether(dst=lb_mac) / IP(src="10.20.0.12", dst=VIP) / UDP(sport=4243, dport=7),
        # VIP traffic from a backend's endpoint (backends talking to each other)
        "backend_endpoint": Ether(dst=lb_mac) / IP(src="10.20.0.11", dst=VIP) / UDP(sport=7007, dport=7),
        # VIP traffic from lb-graph's own port address
        "port_addr": Ether(dst=lb_mac) / IP(src="10.10.0.1", dst=VIP) / UDP(sport=4244, dport=7),
        # a client's datagram for another host's MAC (lb-graph's port is promiscuous)
        "foreign_mac": Ether(dst="02:de:ad:be:ef:01") / IP(src=CLIENT, dst=VIP) / UDP(sport=4245, dport=7),
        # the positive control: the same, addressed right
        "control": Ether(dst=lb_mac) / IP(src=CLIENT, dst=VIP) / UDP(sport=4246, dport=7),
    }


def main():
    iface, lb_mac, what = sys.argv[1:4]
    if what == "frames":
        frames = [f / Raw(b"hostile") for f in kinds(lb_mac).values() for _ in range(COUNT)]
        sendp(frames, iface=iface, verbose=False)
    elif what == "flood":
        n = int(sys.argv[4])
        pkts = [Ether(dst=lb_mac) / IP(src=CLIENT, dst="10.10.0.1") / ICMP(id=0x4242, seq=i) / Raw(b"flood")
                for i in range(n)]
        start = time.monotonic()
        sendp(pkts, iface=iface, verbose=False)
        print("%.3f" % (time.monotonic() - start))
    else:
        sys.exit("usage: hostile_frames.py IFACE LB_MAC frames|flood N")


if __name__ == "__main__":
    main()
