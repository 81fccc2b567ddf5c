// Requests to a Docker engine's API over its unix socket, and its event stream: what the
// cluster's Docker sync needs (controller/cluster/docker-sync.ts). Never called from a
// Docker plugin handler (docs/design.md §9): Docker may be waiting on that handler.
import { request, type ClientRequest } from 'node:http';
import { ControllerError, invalid } from '../errors';

/** The engine's socket path from a `unix://PATH` address (--docker-host). */
export function engineSocketPath(address: string): string {
  if (!address.startsWith('unix://') || address.length <= 'unix://'.length)
    throw invalid(`the Docker host "${address}" must be unix://PATH (only a local engine's socket)`);
  return address.slice('unix://'.length);
}

export interface EngineAnswer {
  status: number;
  body: unknown;
}

/** One API request with a JSON body (or none); resolves with the status and parsed answer. */
export function engineRequest(
  socketPath: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<EngineAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        path,
        method,
        timeout: timeoutMs,
        headers:
          payload === undefined
            ? {}
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseOrText(text) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(unreachable(socketPath, error)));
    req.end(payload);
  });
}

/** The engine's own words for a refusal (`{"message": …}`), for logs. */
export function engineMessage(answer: EngineAnswer): string {
  const message = (answer.body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : `HTTP ${answer.status}`;
}

export interface EventStream {
  close(): void;
}

export interface EventHandlers {
  /** Each event object as the engine sends it. */
  onEvent(event: unknown): void;
  /** The stream is up (after a start or a reconnect). */
  onOpen(): void;
  /** The stream ended or could not start; the caller decides when to follow again. */
  onEnd(error: Error): void;
}

/**
 * Follows `GET /events` with the given filters: the engine pushes one JSON object per
 * event and never ends the response while it runs.
 */
export function followEvents(
  socketPath: string,
  filters: Record<string, string[]>,
  handlers: EventHandlers,
): EventStream {
  let ended = false;
  const end = (error: Error): void => {
    if (ended) return;
    ended = true;
    handlers.onEnd(error);
  };
  const path = `/events?filters=${encodeURIComponent(JSON.stringify(filters))}`;
  const req: ClientRequest = request({ socketPath, path, method: 'GET' }, (res) => {
    if (res.statusCode !== 200) {
      res.resume();
      end(new Error(`the engine answered HTTP ${res.statusCode ?? 0} to ${path}`));
      return;
    }
    handlers.onOpen();
    let buffered = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffered += chunk;
      // Objects arrive one per line; a partial one waits for the rest.
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') handlers.onEvent(parseOrText(line));
      }
    });
    res.on('end', () => end(new Error('the engine closed its event stream')));
    res.on('error', (error) => end(error));
  });
  req.on('error', (error) => end(unreachable(socketPath, error)));
  req.end();
  return {
    close: () => {
      ended = true;
      req.destroy();
    },
  };
}

function parseOrText(text: string): unknown {
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text };
  }
}

function unreachable(socketPath: string, error: Error): ControllerError {
  return new ControllerError('UNAVAILABLE', `cannot reach the Docker engine at ${socketPath}: ${error.message}`);
}
