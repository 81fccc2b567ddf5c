// OVSDB connection methods (ovsdb(7)): unix:PATH and tcp:HOST:PORT (IPv6 hosts in brackets).
import { connect, type Socket } from 'node:net';
import { OvsdbError } from '../protocol/errors';

export type Remote = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export function parseRemote(text: string): Remote {
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (path === '') throw new OvsdbError('PROTOCOL', `remote "${text}" has no socket path`);
    return { kind: 'unix', path };
  }
  if (text.startsWith('tcp:')) {
    const rest = text.slice(4);
    const match = /^\[([^\]]+)\]:(\d+)$/.exec(rest) ?? /^([^:]+):(\d+)$/.exec(rest);
    const port = match ? Number(match[2]) : NaN;
    if (!match || !(port > 0 && port < 65536)) throw new OvsdbError('PROTOCOL', `remote "${text}" must be tcp:HOST:PORT`);
    return { kind: 'tcp', host: match[1] as string, port };
  }
  throw new OvsdbError('PROTOCOL', `remote "${text}" must start with unix: or tcp:`);
}

export function formatRemote(remote: Remote): string {
  return remote.kind === 'unix' ? `unix:${remote.path}` : `tcp:${remote.host.includes(':') ? `[${remote.host}]` : remote.host}:${remote.port}`;
}

/** Opens a socket to the remote; resolves once connected. */
export function openSocket(remote: Remote, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = remote.kind === 'unix' ? connect(remote.path) : connect(remote.port, remote.host);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new OvsdbError('REQUEST_TIMEOUT', `connecting to ${formatRemote(remote)} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay?.(true);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new OvsdbError('CONNECTION_CLOSED', `cannot connect to ${formatRemote(remote)}: ${error.message}`));
    });
  });
}
