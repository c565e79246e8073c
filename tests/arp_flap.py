#!/usr/bin/python3
"""ARP flapping for an address from a stranger (netns test): gratuitous ARP
replies claiming ADDR for two MACs of ours in turn, about RATE frames a
second for SECONDS; prints how many were sent and in how long.

    arp_flap.py IFACE ADDR SECONDS [RATE]
"""
import sys
import time

from scapy.all import ARP, Ether, conf

iface, addr, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 1000.0
macs = ["02:66:00:00:00:01", "02:66:00:00:00:02"]
frames = [bytes(Ether(src=m, dst="ff:ff:ff:ff:ff:ff") /
                ARP(op=2, hwsrc=m, psrc=addr, hwdst="ff:ff:ff:ff:ff:ff", pdst=addr)) for m in macs]
sock = conf.L2socket(iface=iface)
start = time.monotonic()
sent = 0
while time.monotonic() - start < seconds:
    for _ in range(10):
        sock.send(frames[sent % 2])
        sent += 1
    ahead = start + sent / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
sock.close()
print("%d %.2f" % (sent, time.monotonic() - start))
