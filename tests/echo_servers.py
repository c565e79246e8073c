"""TCP and UDP echo servers for the flow-table test, one process: for each
ADDR:PORT:NAME, a TCP listener whose connections get NAME and each line
back, and a UDP socket that answers NAME to every datagram.

usage: echo_servers.py ADDR:PORT:NAME...
"""
import selectors
import socket
import sys

sel = selectors.DefaultSelector()
for spec in sys.argv[1:]:
    addr, port, name = spec.split(":")
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, int(port)))
    t.listen(128)
    t.setblocking(False)
    sel.register(t, selectors.EVENT_READ, ("accept", name.encode()))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, int(port)))
    sel.register(u, selectors.EVENT_READ, ("udp", name.encode()))

while True:
    for key, _ in sel.select():
        kind, name = key.data
        s = key.fileobj
        if kind == "accept":
            c, _ = s.accept()
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ, ("conn", name))
        elif kind == "udp":
            _, peer = s.recvfrom(2048)
            s.sendto(name + b"\n", peer)
        else:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                s.close()
                continue
            s.sendall(b"".join(name + b" " + line + b"\n" for line in data.split(b"\n") if line))
