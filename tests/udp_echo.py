"""A UDP server for the namespace tests: answers every datagram with TEXT
and a newline, from ADDR:PORT, one process (socat's fork mode loses
datagrams that arrive while a child still holds the socket).

usage: udp_echo.py ADDR PORT TEXT   (TEXT "-": each datagram back as it came)
"""
import socket
import sys

addr, port = sys.argv[1], int(sys.argv[2])
echo = sys.argv[3] == "-"
text = sys.argv[3].encode() + b"\n"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data if echo else text, peer)
