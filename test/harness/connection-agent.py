# Connections with chosen source ports and counts, run inside a namespace:
#   connection-agent.py tcp-from-port IP PORT SRC_PORT MS    exit 0 iff connected and echoed
#   connection-agent.py udp-refused IP PORT MS               exit 0 iff an ICMP port
#                                                            unreachable came back (ECONNREFUSED)
#   connection-agent.py tcp-many IP PORT COUNT PARALLEL      prints "ok=N failed=M seconds=S"
#                                                            (short connections, each echoing
#                                                            one line)
#   connection-agent.py tcp-send IP PORT MEGABYTES           one connection to a sink; prints
#                                                            "seconds=S" until the sink has all
#   connection-agent.py sink PORT                            TCP sink: reads and drops, closes
#                                                            at the end of each stream
#   connection-agent.py tcp-hold IP PORT SECONDS             one connection kept open, echoing
#                                                            every 100 ms; exit 0 iff all came back
#   connection-agent.py serve PORT                           TCP echo server keeping connections
#                                                            open until the client closes; prints
#                                                            "ready" once listening
import selectors
import socket
import sys
import time


def tcp_from_port(ip, port, src_port, ms):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', src_port))
    s.settimeout(ms / 1000)
    try:
        s.connect((ip, port))
        s.sendall(b'probe')
        return 0 if s.recv(16) == b'probe' else 1
    except OSError:
        return 1


def udp_refused(ip, port, ms):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((ip, port))
    s.settimeout(ms / 1000)
    for _ in range(3):
        try:
            s.send(b'probe')
            s.recv(16)
        except ConnectionRefusedError:
            return 0
        except socket.timeout:
            continue
    return 1


def tcp_many(ip, port, count, parallel):
    sel = selectors.DefaultSelector()
    began = time.monotonic()
    started = ok = failed = 0
    deadline = {}

    def start():
        nonlocal started
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((ip, port))
        sel.register(s, selectors.EVENT_WRITE, 'connect')
        deadline[s] = time.monotonic() + 5
        started += 1

    while started < min(parallel, count):
        start()
    while ok + failed < count:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            if key.data == 'connect':
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    sel.unregister(s); s.close(); failed += 1; del deadline[s]
                else:
                    s.send(b'x\n')
                    sel.modify(s, selectors.EVENT_READ, 'read')
                    continue
            else:
                try:
                    data = s.recv(16)
                except OSError:
                    data = b''
                sel.unregister(s); s.close(); del deadline[s]
                if data == b'x\n':
                    ok += 1
                else:
                    failed += 1
            if started < count:
                start()
        now = time.monotonic()
        for s in [s for s, d in deadline.items() if d < now]:
            sel.unregister(s); s.close(); failed += 1; del deadline[s]
            if started < count:
                start()
    print(f'ok={ok} failed={failed} seconds={time.monotonic() - began:.3f}', flush=True)
    return 0


def tcp_hold(ip, port, seconds):
    s = socket.create_connection((ip, port), timeout=2)
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        line = f'{n}\n'.encode()
        s.sendall(line)
        got = b''
        while len(got) < len(line):
            chunk = s.recv(64)
            if not chunk:
                return 1
            got += chunk
        if got != line:
            return 1
        n += 1
        time.sleep(0.1)
    return 0


def serve(port):
    sel = selectors.DefaultSelector()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('0.0.0.0', port))
    server.listen(1024)
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    print('ready', flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is server:
                try:
                    conn, _ = server.accept()
                except OSError:
                    continue
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(4096)
            except OSError:
                data = b''
            if data:
                try:
                    s.sendall(data)
                    continue
                except OSError:
                    pass
            sel.unregister(s)
            s.close()


def tcp_send(ip, port, megabytes):
    chunk = b'\0' * 65536
    s = socket.create_connection((ip, port), timeout=10)
    began = time.monotonic()
    for _ in range(megabytes * 16):
        s.sendall(chunk)
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    print(f'seconds={time.monotonic() - began:.3f}', flush=True)
    return 0


def sink(port):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('0.0.0.0', port))
    server.listen(16)
    print('ready', flush=True)
    while True:
        conn, _ = server.accept()
        while conn.recv(1 << 20):
            pass
        conn.close()


mode, args = sys.argv[1], sys.argv[2:]
if mode == 'tcp-send':
    sys.exit(tcp_send(args[0], int(args[1]), int(args[2])))
if mode == 'sink':
    sink(int(args[0]))
if mode == 'serve':
    serve(int(args[0]))
if mode == 'tcp-from-port':
    sys.exit(tcp_from_port(args[0], int(args[1]), int(args[2]), int(args[3])))
if mode == 'udp-refused':
    sys.exit(udp_refused(args[0], int(args[1]), int(args[2])))
if mode == 'tcp-many':
    sys.exit(tcp_many(args[0], int(args[1]), int(args[2]), int(args[3])))
if mode == 'tcp-hold':
    sys.exit(tcp_hold(args[0], int(args[1]), float(args[2])))
sys.exit(2)
