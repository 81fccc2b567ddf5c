// Speaks to the plugin socket the way dockerd does: POST, Accept header only, no
// Content-Type, empty body for argument-less calls. Options allow deliberately wrong calls.
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../controller/api';

export interface PluginAnswer {
  status: number;
  contentType: string | undefined;
  text: string;
  json: Record<string, unknown>;
}

export interface CallOptions {
  httpMethod?: string;
  headers?: Record<string, string>;
}

/** `body`: an object is JSON-encoded with a trailing newline like Go's encoder; a string is sent as is. */
export function callPlugin(
  socketPath: string,
  method: string,
  body?: object | string,
  options: CallOptions = {},
): Promise<PluginAnswer> {
  const payload = body === undefined ? '' : typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: `/${method}`,
        method: options.httpMethod ?? 'POST',
        agent: false,
        headers: {
          Host: 'plugin.moby.localhost',
          Accept: 'application/vnd.docker.plugins.v1.2+json',
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            reject(new Error(`${method}: answer is not JSON: ${JSON.stringify(text)}`));
            return;
          }
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function tempPluginDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-plg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A logger whose JSON lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
