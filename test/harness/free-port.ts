// Loopback TCP ports for the tests' own servers (etcd, ovsdb-server remotes).
//
// A port the kernel hands out for "any port" is from its ephemeral range, where it also
// picks the local ports of outgoing connections and of every other process asking for any
// port: between our check and the server's own bind, tests running beside us could take
// it. So the port is drawn at random from below that range and checked once by binding it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 10_000;

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const start = Number(low);
    return Number.isInteger(start) && start > LOWEST + 1_000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago and that the kernel does not hand out by itself. */
export async function freeLoopbackPort(): Promise<number> {
  const end = ephemeralRangeStart();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (end - LOWEST));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port found in ${LOWEST}-${end - 1}`);
}
