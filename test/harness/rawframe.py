# Raw Ethernet frames for attack tests (run inside a namespace with /usr/bin/python3).
#   rawframe.py send IFACE HEX            send one frame as given
#   rawframe.py sniff IFACE ETHERTYPE MS  print how many frames of that ethertype arrive
import socket
import sys
import time

mode, iface = sys.argv[1], sys.argv[2]
if mode == 'send':
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.send(bytes.fromhex(sys.argv[3]))
else:
    ethertype = int(sys.argv[3], 16)
    deadline = time.monotonic() + int(sys.argv[4]) / 1000
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    s.settimeout(0.05)
    print('ready', flush=True)
    count = 0
    while time.monotonic() < deadline:
        try:
            frame = s.recv(65535)
        except socket.timeout:
            continue
        # VLAN-tagged frames may arrive with the tag stripped into metadata; look at both.
        if len(frame) >= 14 and (int.from_bytes(frame[12:14], 'big') == ethertype or (len(frame) >= 18 and int.from_bytes(frame[16:18], 'big') == ethertype)):
            count += 1
    print(count, flush=True)
