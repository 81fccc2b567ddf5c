// Serves the controller's methods on a local unix socket (mode 0600: root-only, like the
// Docker plugin socket) for the `ovsnet` CLI.
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'node:net';
import { ControllerError } from '../errors';
import type { Logger } from '../log';
import { LineSplitter, MAX_LINE_BYTES, type ControlRequest, type ControlResponse } from './protocol';
import type { ControlMethods, Handlers, MethodMap } from './contract';

/** A handler as the dispatcher calls it: parameters straight from the wire. */
type WireHandler = (params: unknown) => Promise<unknown>;

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/** Serves `handlers`, the daemon's ControlMethods unless a test brings a map of its own. */
export async function startControlServer<Map extends MethodMap = ControlMethods>(
  path: string,
  handlers: Handlers<Map>,
  logger: Logger,
  onCall?: (method: string, seconds: number, failed: boolean) => void,
): Promise<ControlServer> {
  // Handlers take Untrusted params (any field may be anything), so any parsed value fits.
  const methods = handlers as unknown as Readonly<Record<string, WireHandler>>;
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path)) {
    if (await socketAnswers(path)) throw new ControllerError('CONFLICT', `another ovsnet daemon is serving ${path}`);
    unlinkSync(path); // stale, left by a daemon that was killed
  }
  const server = createServer((socket) => serve(socket, methods, logger, onCall));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  return {
    path,
    close: () => closeServer(server, path),
  };
}

function serve(
  socket: Socket,
  methods: Readonly<Record<string, WireHandler>>,
  logger: Logger,
  onCall?: (method: string, seconds: number, failed: boolean) => void,
): void {
  const splitter = new LineSplitter();
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  socket.on('data', (chunk: string) => {
    for (const line of splitter.push(chunk)) void answer(line);
    if (splitter.pending > MAX_LINE_BYTES) {
      reply({ id: 0, error: { code: 'BAD_REQUEST', message: `request line longer than ${MAX_LINE_BYTES} bytes` } });
      socket.destroy();
    }
  });
  const reply = (response: ControlResponse): void => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
  };
  const answer = async (line: string): Promise<void> => {
    let request: ControlRequest;
    try {
      request = JSON.parse(line) as ControlRequest;
      if (
        typeof request !== 'object' ||
        request === null ||
        typeof request.method !== 'string' ||
        typeof request.id !== 'number'
      ) {
        throw new Error('expected {"id": number, "method": string, "params": ...}');
      }
    } catch (error) {
      reply({ id: 0, error: { code: 'BAD_REQUEST', message: `malformed request: ${(error as Error).message}` } });
      return;
    }
    const method = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
    if (!method) {
      reply({ id: request.id, error: { code: 'METHOD_NOT_FOUND', message: `unknown method "${request.method}"` } });
      return;
    }
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      reply({ id: request.id, result: (await method(request.params ?? {})) ?? null });
      onCall?.(request.method, seconds(), false);
    } catch (error) {
      onCall?.(request.method, seconds(), true);
      if (error instanceof ControllerError) {
        reply({ id: request.id, error: { code: error.code, message: error.message } });
      } else {
        logger.error({ err: error, method: request.method }, 'control method failed');
        reply({
          id: request.id,
          error: { code: 'INTERNAL', message: `internal error in ${request.method}: ${(error as Error).message}` },
        });
      }
    }
  };
}

function closeServer(server: Server, path: string): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  });
}

/** True when something accepts connections on the unix socket. */
export function socketAnswers(path: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
