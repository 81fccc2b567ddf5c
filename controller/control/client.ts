// The CLI side of the control socket: one call per connection is all the CLI needs.
import { connect } from 'node:net';
import { ControllerError, type ControllerErrorCode } from '../errors';
import { LineSplitter, type ControlResponse } from './protocol';
import type { ControlMethodName, ControlParams, ControlResult } from './contract';

/** Calls one of the daemon's methods, typed by the method map (contract.ts). */
export async function callControl<M extends ControlMethodName>(
  path: string,
  method: M,
  params: ControlParams<M>,
  timeoutMs = 30_000,
  startedAt?: number,
): Promise<ControlResult<M>> {
  // The daemon's handler for `method` is typed to answer ControlResult<M>.
  return (await requestControl(path, method, params, timeoutMs, startedAt)) as ControlResult<M>;
}

/** One request on the wire, for any method name; callers outside tests use callControl. */
export async function requestControl(
  path: string,
  method: string,
  params: unknown,
  timeoutMs = 30_000,
  /** When the caller's command began (epoch ms); see ControlRequest.startedAt. */
  startedAt?: number,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const splitter = new LineSplitter();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new ControllerError(
          'UNAVAILABLE',
          `the ovsnet daemon at ${path} did not answer ${method} within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () =>
      socket.write(`${JSON.stringify({ id: 1, method, params, ...(startedAt !== undefined ? { startedAt } : {}) })}\n`),
    );
    socket.on('data', (chunk: string) => {
      const line = splitter.push(chunk)[0];
      if (line === undefined) return;
      clearTimeout(timer);
      socket.end();
      const response = parseResponse(line);
      if (response instanceof Error) {
        reject(
          new ControllerError(
            'UNAVAILABLE',
            `the ovsnet daemon at ${path} answered ${method} with ${response.message}`,
          ),
        );
        return;
      }
      if ('error' in response) {
        const code = (
          ['METHOD_NOT_FOUND', 'BAD_REQUEST'].includes(response.error.code) ? 'INVALID_ARGUMENT' : response.error.code
        ) as ControllerErrorCode;
        reject(new ControllerError(code, response.error.message));
      } else resolve(response.result);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? ' (is `ovsnet daemon` running?)' : '';
      reject(new ControllerError('UNAVAILABLE', `cannot reach the ovsnet daemon at ${path}: ${error.message}${hint}`));
    });
  });
}

/** The daemon's answer, or why it is not one: a reply is checked before anything reads it. */
export function parseResponse(line: string): ControlResponse | Error {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return new Error(`something that is not JSON: ${line.slice(0, 200)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return new Error(`something that is not an object: ${line.slice(0, 200)}`);
  const reply = value as Record<string, unknown>;
  if (typeof reply['id'] !== 'number') return new Error('a reply without a numeric id');
  if ('error' in reply) {
    const error = reply['error'] as Record<string, unknown> | null;
    if (
      typeof error !== 'object' ||
      error === null ||
      typeof error['code'] !== 'string' ||
      typeof error['message'] !== 'string'
    )
      return new Error(`a malformed error: ${line.slice(0, 200)}`);
    return value as ControlResponse;
  }
  if (!('result' in reply)) return new Error('a reply with neither a result nor an error');
  return value as ControlResponse;
}
