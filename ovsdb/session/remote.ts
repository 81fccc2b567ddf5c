// OVSDB connection methods (ovsdb(7)): unix:PATH, tcp:HOST:PORT and ssl:HOST:PORT (IPv6
// hosts in brackets). ssl: needs TLS material (see tls.ts); otherwise it behaves as tcp:.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { OvsdbError } from '../protocol/errors';
import { tlsConnectOptions, type TlsOptions } from './tls';

export type Remote = { kind: 'unix'; path: string } | { kind: 'tcp' | 'ssl'; host: string; port: number };

export function parseRemote(text: string): Remote {
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (path === '') throw new OvsdbError('INVALID_ARGUMENT', `remote "${text}" has no socket path`);
    return { kind: 'unix', path };
  }
  const kind = text.startsWith('tcp:') ? 'tcp' : text.startsWith('ssl:') ? 'ssl' : undefined;
  if (kind !== undefined) {
    const rest = text.slice(4);
    const match = /^\[([^\]]+)\]:(\d+)$/.exec(rest) ?? /^([^:]+):(\d+)$/.exec(rest);
    const port = match ? Number(match[2]) : NaN;
    if (!match || !(port > 0 && port < 65536))
      throw new OvsdbError('INVALID_ARGUMENT', `remote "${text}" must be ${kind}:HOST:PORT`);
    return { kind, host: match[1] as string, port };
  }
  throw new OvsdbError('INVALID_ARGUMENT', `remote "${text}" must start with unix:, tcp: or ssl:`);
}

export function formatRemote(remote: Remote): string {
  return remote.kind === 'unix'
    ? `unix:${remote.path}`
    : `${remote.kind}:${remote.host.includes(':') ? `[${remote.host}]` : remote.host}:${remote.port}`;
}

/**
 * A socket error as a person should read it: OpenSSL's own message carries a library
 * address and a source file name, while `reason` ("tlsv1 alert unknown ca") says the cause.
 */
export function describeSocketError(error: Error): string {
  const reason = (error as { reason?: unknown }).reason;
  return typeof reason === 'string' && reason !== '' ? reason : error.message;
}

/** Opens a socket to the remote; resolves once connected (for ssl:, once the handshake is done). */
export function openSocket(remote: Remote, timeoutMs: number, tls?: TlsOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let socket: Socket;
    try {
      if (remote.kind === 'unix') socket = connect(remote.path);
      else if (remote.kind === 'tcp') socket = connect(remote.port, remote.host);
      else if (!tls) throw new OvsdbError('TLS_CONFIG', `${formatRemote(remote)} needs TLS options { key, cert, ca }`);
      else socket = tlsConnect(tlsConnectOptions(remote.host, remote.port, tls));
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new OvsdbError('REQUEST_TIMEOUT', `connecting to ${formatRemote(remote)} timed out after ${timeoutMs} ms`),
      );
    }, timeoutMs);
    socket.once(remote.kind === 'ssl' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.setNoDelay?.(true);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new OvsdbError('CONNECTION_CLOSED', `cannot connect to ${formatRemote(remote)}: ${describeSocketError(error)}`),
      );
    });
  });
}
