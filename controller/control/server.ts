// Serves the controller's methods on a local unix socket (mode 0600: root-only, like the
// Docker plugin socket) for the `ovsnet` CLI.
import { createServer, type Server } from 'node:net';
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect } from 'node:net';
import { ControllerError } from '../errors';
import type { Logger } from '../log';
import type { ControlMethods, Handlers, MethodMap } from './contract';
import { serveConnection, type CallObserver, type ConnectionLimits, type WireHandler } from './connection';

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/** Serves `handlers`, the daemon's ControlMethods unless a test brings a map of its own. */
export async function startControlServer<Map extends MethodMap = ControlMethods>(
  path: string,
  handlers: Handlers<Map>,
  logger: Logger,
  options: ConnectionLimits & { onCall?: CallObserver } = {},
): Promise<ControlServer> {
  // Handlers take Untrusted params (any field may be anything), so any parsed value fits.
  const methods = handlers as unknown as Readonly<Record<string, WireHandler>>;
  mkdirSync(dirname(path), { recursive: true });
  const existing = lstatOrUndefined(path);
  if (existing) {
    // Only a socket can be a killed daemon's leftover; anything else is someone's file.
    if (!existing.isSocket())
      throw new ControllerError('CONFLICT', `${path} exists and is not a socket; refusing to replace it`);
    if (await socketAnswers(path)) throw new ControllerError('CONFLICT', `another ovsnet daemon is serving ${path}`);
    unlinkSync(path); // stale, left by a daemon that was killed
  }
  const server = createServer((socket) => serveConnection(socket, methods, logger, options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // For the server's whole life: an accept that fails (EMFILE when out of descriptors) is
  // an 'error' on the server, which would otherwise end the daemon. Node retries by itself.
  let lastWarned = -Infinity;
  server.on('error', (error) => {
    if (Date.now() - lastWarned < 1000) return; // one line a second while it lasts
    lastWarned = Date.now();
    logger.warn({ err: error, socket: path }, 'control socket: accept failed');
  });
  chmodSync(path, 0o600);
  return {
    path,
    close: () => closeServer(server, path),
  };
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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
