// One JSON-RPC connection to an OVSDB server: requests matched to responses by id,
// notifications dispatched, the server's echo probes answered, and our own inactivity
// probe (echo after `probeIntervalMs` of silence, give up after another interval). A
// protocol violation closes the connection with a typed error; it never throws out of a
// socket handler.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { JsonStreamSplitter } from '../protocol/json-stream';
import { classify, encodeRequest, encodeResponse, type JsonValue } from '../protocol/jsonrpc';
import { OvsdbCanceledError, OvsdbError, errorFromJson } from '../protocol/errors';
import type { Clock } from './clock';
import { describeSocketError } from './remote';

interface Pending {
  method: string;
  resolve: (value: JsonValue) => void;
  reject: (error: OvsdbError) => void;
  timer: unknown;
}

export interface ConnectionOptions {
  clock: Clock;
  /** Send an echo after this much silence; 0 disables the probe. */
  probeIntervalMs?: number;
  requestTimeoutMs?: number;
}

export interface RpcConnectionEvents {
  notification: [method: string, params: JsonValue[]];
  close: [error: OvsdbError | undefined];
}

export class RpcConnection extends EventEmitter<RpcConnectionEvents> {
  private readonly splitter = new JsonStreamSplitter();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private lastActivity: number;
  private probeTimer: unknown;
  private probeOutstanding = false;
  private readonly clock: Clock;
  private readonly probeIntervalMs: number;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly socket: Socket,
    options: ConnectionOptions,
  ) {
    super();
    this.clock = options.clock;
    this.probeIntervalMs = options.probeIntervalMs ?? 5000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.lastActivity = this.clock.now();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) =>
      this.shutdown(new OvsdbError('CONNECTION_CLOSED', `connection error: ${describeSocketError(error)}`)),
    );
    socket.on('close', () => this.shutdown(new OvsdbError('CONNECTION_CLOSED', 'the server closed the connection')));
    this.armProbe();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends a request. Aborting `signal` withdraws it with a JSON-RPC `cancel` (RFC 7047
   * 4.1.4) and rejects with OvsdbCanceledError at once, without waiting for the server.
   */
  request(
    method: string,
    params: JsonValue[],
    timeoutMs = this.requestTimeoutMs,
    signal?: AbortSignal,
  ): Promise<JsonValue> {
    if (signal?.aborted) return Promise.reject(new OvsdbCanceledError(method, undefined, signal.reason));
    if (this.closed) return Promise.reject(new OvsdbError('CONNECTION_CLOSED', `cannot send ${method}: not connected`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let detach: (() => void) | undefined;
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        detach?.();
        reject(new OvsdbError('REQUEST_TIMEOUT', `${method} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!signal) {
        // The path every plain transaction takes: no listener, no wrappers.
        this.pending.set(id, { method, resolve, reject, timer });
      } else {
        const onAbort = (): void => {
          if (!this.pending.delete(id)) return;
          this.clock.clearTimeout(timer);
          // ovsdb-server answers a canceled transact with error "canceled" only on
          // db-change-aware sessions and drops it silently otherwise; either way no pending
          // entry is left, so dispatch() discards the late answer like any unmatched reply.
          this.send('cancel', [id]);
          reject(new OvsdbCanceledError(method, id, signal.reason));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const off = (): void => signal.removeEventListener('abort', onAbort);
        detach = off;
        this.pending.set(id, {
          method,
          resolve: (value) => (off(), resolve(value)),
          reject: (error) => (off(), reject(error)),
          timer,
        });
      }
      this.socket.write(encodeRequest(method, params, id));
    });
  }

  /** Sends a notification-style message (no answer expected). */
  send(method: string, params: JsonValue[]): void {
    if (!this.closed) this.socket.write(encodeRequest(method, params, null));
  }

  close(): void {
    this.shutdown(undefined);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    // Any byte counts as activity, so a huge reply on a slow link is not mistaken for silence.
    this.lastActivity = this.clock.now();
    let texts: string[];
    try {
      texts = this.splitter.push(chunk);
    } catch (error) {
      this.fail(new OvsdbError('PROTOCOL', `the server sent malformed data: ${(error as Error).message}`));
      return;
    }
    for (const text of texts) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        this.fail(new OvsdbError('PROTOCOL', `the server sent invalid JSON: ${(error as Error).message}`));
        return;
      }
      this.dispatch(value);
      if (this.closed) return;
    }
  }

  private dispatch(value: unknown): void {
    const message = classify(value);
    if (message instanceof Error) {
      this.fail(new OvsdbError('PROTOCOL', `the server sent an invalid message: ${message.message}`));
      return;
    }
    switch (message.kind) {
      case 'response': {
        const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
        if (message.id === 'echo') {
          this.probeOutstanding = false;
          return;
        }
        if (!pending) return; // a late answer to a request that timed out or was canceled
        this.pending.delete(message.id as number);
        this.clock.clearTimeout(pending.timer);
        if (message.error !== null) pending.reject(errorFromJson(message.error, pending.method));
        else pending.resolve(message.result);
        return;
      }
      case 'request':
        if (message.method === 'echo') this.socket.write(encodeResponse(message.id, message.params));
        else this.socket.write(JSON.stringify({ result: null, error: 'unknown method', id: message.id }));
        return;
      case 'notification':
        try {
          this.emit('notification', message.method, message.params);
        } catch (error) {
          // A notification its handler cannot take (a malformed update) ends the session:
          // what follows it cannot be trusted, and the reconnect reads everything again.
          this.fail(
            error instanceof OvsdbError
              ? error
              : new OvsdbError(
                  'PROTOCOL',
                  `handling the server's ${message.method} failed: ${(error as Error).message}`,
                ),
          );
        }
        return;
    }
  }

  private armProbe(): void {
    if (this.probeIntervalMs <= 0 || this.closed) return;
    this.probeTimer = this.clock.setTimeout(() => this.onProbeTimer(), this.probeIntervalMs);
  }

  private onProbeTimer(): void {
    if (this.closed) return;
    const silent = this.clock.now() - this.lastActivity;
    if (silent >= this.probeIntervalMs) {
      if (this.probeOutstanding) {
        this.fail(new OvsdbError('REQUEST_TIMEOUT', `no answer to the inactivity probe for ${silent} ms`));
        return;
      }
      this.probeOutstanding = true;
      this.socket.write(encodeRequest('echo', [], 'echo'));
      this.lastActivity = this.clock.now();
    }
    this.armProbe();
  }

  private fail(error: OvsdbError): void {
    this.shutdown(error);
    this.socket.destroy();
  }

  private shutdown(error: OvsdbError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    if (this.probeTimer !== undefined) this.clock.clearTimeout(this.probeTimer);
    const reason = error ?? new OvsdbError('CONNECTION_CLOSED', 'the connection was closed');
    for (const pending of this.pending.values()) {
      this.clock.clearTimeout(pending.timer);
      pending.reject(new OvsdbError(reason.code, `${pending.method}: ${reason.message}`));
    }
    this.pending.clear();
    this.emit('close', error);
  }
}
