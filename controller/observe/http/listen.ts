// `--metrics ADDR:PORT` and `--http ADDR:PORT`: where the observability listener binds.
// A bare port (or :PORT) means loopback; only an address given explicitly exposes it.
import { invalid } from '../../errors';

export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListenAddress(text: string, option: string): ListenAddress {
  const match = /^(?:(\[[0-9a-fA-F:]+\]|[^:]*):)?(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw invalid(`${option} must be [ADDRESS:]PORT, not "${text}"`);
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host === '' ? '127.0.0.1' : host, port };
}

export const listenText = (a: ListenAddress): string =>
  a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
