"""The fragment test's client (tests/fragments.sh), run in the client's
namespace. Prints one line of results.

  frag_client.py kernel VIP PORT SIZE N      N datagrams of SIZE bytes from a
      socket (the kernel fragments them); prints "echoed K of N"
  frag_client.py reversed VIP PORT SIZE N GAP_MS   N datagrams fragmented by
      scapy and sent last fragment first, the first fragment GAP_MS after
      the others; prints "echoed K of N"
  frag_client.py orphans VIP PORT N      N later fragments of datagrams never
      begun (IP ids 20000 on, apart from the reversed mode's); prints "sent N"
"""
import os
import socket
import sys
import time

from scapy.all import IP, UDP, Raw, conf, fragment, send

conf.verb = 0
mode, vip, port = sys.argv[1], sys.argv[2], int(sys.argv[3])


def echoed(sock, want, deadline):
    got = 0
    while time.monotonic() < deadline and want:
        try:
            data, _ = sock.recvfrom(65535)
        except socket.timeout:
            continue
        if data in want:
            want.discard(data)
            got += 1
    return got


if mode == "kernel":
    size, n = int(sys.argv[4]), int(sys.argv[5])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    s.connect((vip, port))
    want = set()
    for i in range(n):
        data = (b"%04d" % i) + os.urandom(size - 4)
        want.add(data)
        s.send(data)
    print("echoed %d of %d" % (echoed(s, want, time.monotonic() + 10), n))
elif mode == "reversed":
    size, n, gap = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]) / 1000.0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    s.bind(("0.0.0.0", 0))
    sport = s.getsockname()[1]
    want = set()
    for i in range(n):
        data = (b"%04d" % i) + os.urandom(size - 4)
        want.add(data)
        frags = fragment(IP(dst=vip, id=4000 + i) / UDP(sport=sport, dport=port) / Raw(data), fragsize=1400)
        send(frags[:0:-1])
        if gap:
            time.sleep(gap)
        send(frags[0])
    print("echoed %d of %d" % (echoed(s, want, time.monotonic() + 10), n))
else:
    n = int(sys.argv[4])
    pkts = [IP(dst=vip, id=20000 + i, proto=17, frag=185, flags=0) / Raw(b"x" * 64) for i in range(n)]
    send(pkts)
    print("sent %d" % n)
