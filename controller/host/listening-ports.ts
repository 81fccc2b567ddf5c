// Ports host processes are bound to, from /proc/net (the network namespace of this
// process). A host port ovsnet chooses for `-P` must not be one of them: the DNAT would
// take that service's connections from outside.
import { readFile } from 'node:fs/promises';

/** TCP sockets in LISTEN state (0A); every bound UDP socket counts. */
const TCP_LISTEN = '0A';

async function portsIn(file: string, listenOnly: boolean): Promise<number[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return []; // no IPv6 on this host, for example
  }
  const ports: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (local === undefined || (listenOnly && fields[3] !== TCP_LISTEN)) continue;
    const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    if (Number.isInteger(port) && port > 0) ports.push(port);
  }
  return ports;
}

/** `${proto}/${port}` for every port bound on the host (SCTP is not listed by /proc/net). */
export async function listeningPorts(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const port of [...(await portsIn('/proc/net/tcp', true)), ...(await portsIn('/proc/net/tcp6', true))])
    out.add(`tcp/${port}`);
  for (const port of [...(await portsIn('/proc/net/udp', false)), ...(await portsIn('/proc/net/udp6', false))])
    out.add(`udp/${port}`);
  return out;
}
