// Tiny TCP/UDP echo server and client run inside namespaces by the probes module.
//   node probe-agent.js serve <tcp|udp> <port> [host]   prints "ready" once listening
//   node probe-agent.js connect <tcp|udp> <ip> <port> <timeoutMs>   exit 0 iff echoed
import { createServer, connect } from 'node:net';
import { createSocket } from 'node:dgram';

const [mode, proto, a, b, c] = process.argv.slice(2);
const token = `ovsnet-probe-${process.pid}`;

function serve(kind: string, port: number, host: string): void {
  if (kind === 'tcp') {
    const server = createServer((socket) => {
      socket.on('data', (data) => socket.end(data));
      socket.on('error', () => undefined);
    });
    server.listen(port, host, () => console.log('ready'));
    return;
  }
  const family = host.includes(':') ? 'udp6' : 'udp4';
  const socket = createSocket(family);
  socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
  socket.bind(port, host, () => console.log('ready'));
}

function probe(kind: string, ip: string, port: number, timeoutMs: number): void {
  const timer = setTimeout(() => process.exit(1), timeoutMs);
  if (kind === 'tcp') {
    const socket = connect({ host: ip, port }, () => socket.write(token));
    socket.on('data', (data) => {
      clearTimeout(timer);
      process.exit(data.toString() === token ? 0 : 1);
    });
    socket.on('error', () => process.exit(1));
    return;
  }
  const socket = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (msg) => {
    clearTimeout(timer);
    process.exit(msg.toString() === token ? 0 : 1);
  });
  socket.on('error', () => process.exit(1));
  // Resend in case the first datagram raced an ARP/ND resolution.
  const send = (): void => socket.send(token, port, ip);
  send();
  setInterval(send, Math.max(50, Math.floor(timeoutMs / 4)));
}

if (mode === 'serve' && proto && a) serve(proto, Number(a), b ?? (proto === 'udp' ? '::' : '::'));
else if (mode === 'connect' && proto && a && b) probe(proto, a, Number(b), Number(c ?? 1000));
else {
  console.error('usage: probe-agent serve <tcp|udp> <port> [host] | connect <tcp|udp> <ip> <port> <timeoutMs>');
  process.exit(2);
}
