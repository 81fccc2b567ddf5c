#!/usr/bin/env python3
"""One ICMP prober per probe namespace for the multi-host benchmark.

Reads commands on stdin, one per line: "start IP" begins pinging IP, "stop IP" gives up on
it, "quit" (or end of input) stops once nothing is pending. Every pending address gets one echo request per
interval from one raw socket; the first echo reply from an address prints
"IP MONOTONIC_NS" (CLOCK_MONOTONIC, the clock Node's process.hrtime reads) and ends its
probing. Send errors (no ARP answer yet, unreachable) are expected while an endpoint is
still being wired and are ignored. Prints "ready" once the socket is open.
"""
import os
import select
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_request(ident: int, seq: int) -> bytes:
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    payload = b"ovsnet-multihost-bench"
    return struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq) + payload


def main() -> None:
    interval = float(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 0.01
    ident = os.getpid() & 0xFFFF
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.setblocking(False)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    stdin = sys.stdin.buffer.raw
    pending: set[str] = set()
    buffered = b""
    seq = 0
    open_input = True
    next_send = time.monotonic()
    print("ready", flush=True)
    while open_input or pending:
        timeout = max(0.0, next_send - time.monotonic())
        readable, _, _ = select.select([sock] + ([stdin] if open_input else []), [], [], timeout)
        if stdin in readable:
            chunk = os.read(stdin.fileno(), 65536)
            if not chunk:
                open_input = False
            buffered += chunk
            *lines, buffered = buffered.split(b"\n")
            for line in lines:
                words = line.decode().split()
                if words[:1] == ["start"] and len(words) == 2:
                    pending.add(words[1])
                    next_send = time.monotonic()
                elif words[:1] == ["stop"] and len(words) == 2:
                    pending.discard(words[1])
                elif words[:1] == ["quit"]:
                    open_input = False
                    pending.clear()
        if sock in readable:
            while True:
                try:
                    packet, (source, _) = sock.recvfrom(2048)
                except BlockingIOError:
                    break
                header_len = (packet[0] & 0x0F) * 4
                icmp_type, _, _, got_ident, _ = struct.unpack("!BBHHH", packet[header_len : header_len + 8])
                if icmp_type == 0 and got_ident == ident and source in pending:
                    pending.discard(source)
                    print(f"{source} {time.monotonic_ns()}", flush=True)
        now = time.monotonic()
        if now >= next_send:
            seq = (seq + 1) & 0xFFFF
            request = echo_request(ident, seq)
            for address in list(pending):
                try:
                    sock.sendto(request, (address, 0))
                except OSError:
                    pass
            next_send = now + interval


if __name__ == "__main__":
    main()
