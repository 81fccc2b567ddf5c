// Keeps an OpenFlow session to one switch alive: connects to the bridge's management
// socket (unix:PATH) or a TCP address, reconnects with backoff when the session ends, and
// tells listeners each time a fresh session is ready (so they can reconcile flows).
// Also a listener for switches that connect to us (ovs-vsctl set-controller ptcp style).
import { EventEmitter } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { OpenFlowError, OpenFlowSession, type SessionOptions } from './connection';

export interface SwitchClientEvents {
  ready: [session: OpenFlowSession];
  down: [error: Error | undefined];
}

function dial(target: string): Socket {
  if (target.startsWith('unix:')) return connect(target.slice(5));
  const match = /^tcp:(.+):(\d+)$/.exec(target);
  if (!match) throw new OpenFlowError('PROTOCOL', `switch target "${target}" must be unix:PATH or tcp:HOST:PORT`);
  return connect(Number(match[2]), (match[1] as string).replace(/^\[|\]$/g, ''));
}

export class SwitchClient extends EventEmitter<SwitchClientEvents> {
  private current: OpenFlowSession | undefined;
  private attempt = 0;
  private timer: unknown;
  private closed = false;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(
    readonly target: string,
    private readonly options: SessionOptions & { minBackoffMs?: number; maxBackoffMs?: number } = {},
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  get session(): OpenFlowSession | undefined {
    return this.current?.state === 'ready' ? this.current : undefined;
  }

  start(): void {
    this.connectOnce();
  }

  /** Resolves with a ready session (waiting for a reconnect if needed). */
  ready(timeoutMs: number): Promise<OpenFlowSession> {
    if (this.session) return Promise.resolve(this.session);
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.off('ready', onReady);
        reject(new OpenFlowError('TIMEOUT', `no OpenFlow session with ${this.target} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = (session: OpenFlowSession): void => {
        this.clock.clearTimeout(timer);
        resolve(session);
      };
      this.once('ready', onReady);
    });
  }

  private connectOnce(): void {
    if (this.closed) return;
    const session = new OpenFlowSession(this.options);
    this.current = session;
    let socket: Socket;
    try {
      socket = dial(this.target);
    } catch (error) {
      this.emit('down', error as Error);
      return;
    }
    socket.once('connect', () => {
      session.attach(socket).then(
        () => {
          this.attempt = 0;
          this.emit('ready', session);
        },
        () => undefined,
      );
    });
    socket.once('error', () => undefined);
    session.on('state', (state) => {
      if (state === 'closed') this.scheduleReconnect();
    });
    socket.once('close', () => {
      if (session.state !== 'closed') session.setState('closed');
    });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer !== undefined) return;
    this.emit('down', undefined);
    const min = this.options.minBackoffMs ?? 250;
    const max = this.options.maxBackoffMs ?? 8000;
    const delay = Math.min(max, min * 2 ** this.attempt++) * (0.8 + Math.random() * 0.4);
    this.logger.debug({ target: this.target, delay }, 'OpenFlow session down; reconnecting');
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.connectOnce();
    }, delay);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.current?.close();
  }
}

/** Accepts switches that connect to us; each gets its own session. */
export async function listenForSwitches(
  address: { port: number; host?: string } | { path: string },
  onSession: (session: OpenFlowSession) => void,
  options: SessionOptions = {},
): Promise<Server> {
  const server = createServer((socket) => {
    const session = new OpenFlowSession(options);
    session.attach(socket).then(
      () => onSession(session),
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('path' in address) server.listen(address.path, resolve);
    else server.listen(address.port, address.host ?? '127.0.0.1', resolve);
  });
  return server;
}
