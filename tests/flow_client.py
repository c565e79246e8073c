"""The flow-table test's client: N_TCP long-lived TCP connections to
VIP:PORT, each sending a line every 100 ms and reading the echo, and N_UDP
UDP sockets on fixed source ports sending a datagram every 100 ms. Prints,
once a second, a line per flow that answered by another backend than
before ("moved") and per connection that broke ("broken"), then totals.
It runs until the file STOP exists.

usage: flow_client.py VIP PORT N_TCP N_UDP FIRST_UDP_PORT STOP
"""
import os
import socket
import sys
import time

vip, port, n_tcp, n_udp, first_udp, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
tcp = []
for i in range(n_tcp):
    c = socket.create_connection((vip, port), timeout=3)
    c.settimeout(2)
    tcp.append({"s": c, "backend": None, "ok": True, "buf": b""})
udp = []
for i in range(n_udp):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", first_udp + i))
    u.connect((vip, port))
    u.settimeout(0.5)
    udp.append({"s": u, "backend": None})

def out(*a):
    print(*a, flush=True)

n = 0
while not os.path.exists(stop):
    n += 1
    for i, c in enumerate(tcp):
        if not c["ok"]:
            continue
        try:
            c["s"].sendall(b"line %d\n" % n)
            while b"\n" not in c["buf"]:
                d = c["s"].recv(4096)
                if not d:
                    raise OSError("closed")
                c["buf"] += d
            line, c["buf"] = c["buf"].split(b"\n", 1)
            b = line.split(b" ")[0].decode()
            if c["backend"] and b != c["backend"]:
                out("moved tcp", i, c["backend"], b)
            c["backend"] = b
        except OSError as e:
            out("broken tcp", i, c["backend"], e)
            c["ok"] = False
    for i, u in enumerate(udp):
        try:
            u["s"].send(b"ping")
            b = u["s"].recv(2048).strip().decode()
            if u["backend"] and b != u["backend"]:
                out("moved udp", i, u["backend"], b)
            u["backend"] = b
        except OSError as e:
            out("lost udp", i, u["backend"], e)
    out("tick", n, " ".join(c["backend"] or "-" for c in tcp))
    time.sleep(0.1)
out("end")
