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
import { OpenFlowError, OpenFlowSession, type FlowFilter, type SessionOptions } from './connection';
import { ReconnectMachine, type ReconnectOptions } from '../../ovsdb/session/reconnect';
import { installFlows, type InstallOptions } from './install';
import type { FlowMod, FlowStats } from '../../flows/ofp/types';

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

export interface SwitchClientOptions extends SessionOptions, ReconnectOptions {}

export class SwitchClient extends EventEmitter<SwitchClientEvents> {
  private current: OpenFlowSession | undefined;
  private socket: Socket | undefined;
  /** Increases with every dial, so events of an abandoned attempt are ignored. */
  private generation = 0;
  private wakeTimer: unknown;
  private closed = false;
  private readonly onClosed = new Set<() => void>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  readonly machine: ReconnectMachine;

  constructor(
    readonly target: string,
    private readonly options: SwitchClientOptions = {},
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.machine = new ReconnectMachine({
      connectTimeoutMs: options.requestTimeoutMs ?? 30_000,
      handshakeName: 'OpenFlow handshake',
      ...options,
    });
  }

  get session(): OpenFlowSession | undefined {
    return this.current?.state === 'ready' ? this.current : undefined;
  }

  start(): void {
    this.machine.start(this.clock.now());
    this.step();
  }

  /** Resolves with a ready session (waiting for a reconnect if needed). */
  ready(timeoutMs: number): Promise<OpenFlowSession> {
    if (this.session) return Promise.resolve(this.session);
    if (this.closed) return Promise.reject(new OpenFlowError('CLOSED', `the client of ${this.target} is closed`));
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        this.clock.clearTimeout(timer);
        this.off('ready', onReady);
        this.onClosed.delete(closed);
      };
      const timer = this.clock.setTimeout(() => {
        finish();
        reject(
          new OpenFlowError(
            'TIMEOUT',
            `no OpenFlow session with ${this.target} within ${timeoutMs} ms${this.machine.stats.lastError ? ` (last error: ${this.machine.stats.lastError})` : ''}`,
          ),
        );
      }, timeoutMs);
      const onReady = (session: OpenFlowSession): void => {
        finish();
        resolve(session);
      };
      // No session will come after close(); a waiter's timer would keep the process alive.
      const closed = (): void => {
        finish();
        reject(new OpenFlowError('CLOSED', `the client of ${this.target} was closed`));
      };
      this.once('ready', onReady);
      this.onClosed.add(closed);
    });
  }

  /**
   * Applies flow changes (adds, modifies, deletes) on the current session, waiting up to
   * `readyTimeoutMs` for one: atomically in one ONF bundle (default) or streamed and
   * confirmed by a barrier. Rejects with InstallError listing each refused flow.
   */
  async installFlows(
    changes: readonly FlowMod[],
    options: InstallOptions & { readyTimeoutMs?: number } = {},
  ): Promise<void> {
    await installFlows(await this.ready(options.readyTimeoutMs ?? 10_000), changes, options);
  }

  /** The switch's flows, optionally only one table's and those whose cookie matches under the mask. */
  async dumpFlows(filter: FlowFilter = {}, readyTimeoutMs = 10_000): Promise<FlowStats[]> {
    return (await this.ready(readyTimeoutMs)).dumpFlows(filter);
  }

  /** Asks the state machine what to do, does it, and sleeps until it may say more. */
  private step(): void {
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    if (this.closed) return;
    const now = this.clock.now();
    const action = this.machine.poll(now);
    if (action.kind === 'connect') this.dial();
    else if (action.kind === 'abandon') this.lost(this.generation, action.reason);
    const wait = this.machine.nextWakeup(this.clock.now());
    if (wait !== undefined) this.wakeTimer = this.clock.setTimeout(() => this.step(), wait);
  }

  private dial(): void {
    const generation = ++this.generation;
    const session = new OpenFlowSession(this.options);
    this.current = session;
    let socket: Socket;
    try {
      socket = dial(this.target);
    } catch (error) {
      this.lost(generation, (error as Error).message);
      return;
    }
    this.socket = socket;
    socket.once('error', (error) => this.lost(generation, error.message));
    socket.once('close', () => this.lost(generation, 'connection closed'));
    socket.once('connect', () => {
      if (generation !== this.generation) return;
      this.machine.connected(this.clock.now());
      session.attach(socket).then(
        () => {
          if (generation !== this.generation) return;
          this.machine.ready(this.clock.now());
          this.emit('ready', session);
          this.step();
        },
        (error: Error) => this.lost(generation, error.message),
      );
    });
    session.on('state', (state) => {
      if (state === 'closed') this.lost(generation, 'session closed');
    });
  }

  /** The attempt or session of `generation` ended: back off and try again. */
  private lost(generation: number, reason: string): void {
    if (generation !== this.generation || this.closed) return;
    this.generation++;
    const wasReady = this.machine.state === 'ready';
    this.machine.disconnected(this.clock.now(), reason);
    this.socket?.destroy();
    this.socket = undefined;
    if (this.current && this.current.state !== 'closed') this.current.close();
    this.logger.debug(
      { target: this.target, reason, backoffMs: this.machine.currentBackoffMs },
      'OpenFlow connection lost; reconnecting',
    );
    this.emit('down', wasReady ? undefined : new OpenFlowError('CLOSED', reason));
    this.step();
  }

  close(): void {
    this.closed = true;
    this.machine.stop(this.clock.now());
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    this.generation++;
    this.current?.close();
    this.socket?.destroy();
    for (const closed of [...this.onClosed]) closed();
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
