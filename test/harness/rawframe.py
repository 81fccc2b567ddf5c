# Raw Ethernet frames for attack tests (run inside a namespace with /usr/bin/python3).
#   rawframe.py send IFACE HEX            send one frame as given (three times)
#   rawframe.py sniff IFACE NEEDLE MS     print how many received frames contain the
#                                         NEEDLE bytes (hex), after printing "ready"
import socket
import sys
import time

mode, iface = sys.argv[1], sys.argv[2]
if mode == 'send':
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for _ in range(3):
        s.send(bytes.fromhex(sys.argv[3]))
        time.sleep(0.05)
else:
    needle = bytes.fromhex(sys.argv[3])
    deadline = time.monotonic() + int(sys.argv[4]) / 1000
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    s.settimeout(0.05)
    print('ready', flush=True)
    count = 0
    while time.monotonic() < deadline:
        try:
            frame, meta = s.recvfrom(65535)
        except socket.timeout:
            continue
        if meta[2] != socket.PACKET_OUTGOING and needle in frame:
            count += 1
    print(count, flush=True)
