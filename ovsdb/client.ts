// The OVSDB client: one logical session to a server that survives disconnects. It
// reconnects as the shared reconnect machine (session/reconnect.ts) says - the same
// machine the OpenFlow switch client follows - re-establishes monitors, resuming with
// monitor_cond_since from the last transaction id when the server supports it, so nothing
// is lost or applied twice, and falls back to monitor_cond and monitor on servers without
// those extensions.
//
//   connecting --socket, monitors, locks--> connected --lost--> backoff --timer--> connecting
//        \--fail or attempt timeout--> backoff                         (closed: terminal)
import { EventEmitter } from 'node:events';
import type { JsonValue } from './protocol/jsonrpc';
import { OvsdbCanceledError, OvsdbError, checkTransactResult } from './protocol/errors';
import type { Operation, OperationResult } from './protocol/operations';
import { parseSchema, type DatabaseSchema } from './schema/schema';
import { RpcConnection } from './session/connection';
import { formatRemote, openSocket, parseRemote, type Remote } from './session/remote';
import { loadTlsMaterial, type TlsOptions } from './session/tls';
import { LockBook } from './session/locks';
import { ReconnectMachine } from './session/reconnect';
import { monitorReplyProblem, notificationProblem } from './replica/shape';
import { ovsdbReconnectOptions, type BackoffPolicy } from './session/reconnect-policy';
import { systemClock, type Clock } from './session/clock';
import { Replica } from './replica/replica';
import type { TableUpdates, TableUpdates2 } from './replica/apply';
import type { GenericTables, MonitorRequest, MonitorRequests, TableMap, TableName } from './replica/typed';

export type { MonitorRequest, MonitorRequests } from './replica/typed';

export type ClientState = 'connecting' | 'connected' | 'backoff' | 'closed';

export interface ClientOptions {
  clock?: Clock;
  /** Reconnect delays: minMs doubling to maxMs, each randomised by +-jitter. */
  backoff?: Partial<BackoffPolicy>;
  probeIntervalMs?: number;
  requestTimeoutMs?: number;
  /** How long connect() keeps trying before it gives up. */
  connectTimeoutMs?: number;
  /** Key, certificate and CA for ssl: remotes (paths or PEM). */
  tls?: TlsOptions;
  logger?: { debug(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export interface RequestOptions {
  /** How long to wait for the answer (and for the session, if it is down). */
  timeoutMs?: number;
  /** Aborting it cancels the request: see transact(). */
  signal?: AbortSignal;
}

type MonitorMethod = 'monitor_cond_since' | 'monitor_cond' | 'monitor';

/** What the client does to a replica, whatever its table map. */
type ReplicaSink = Pick<Replica, 'clear' | 'applyUpdate' | 'applyUpdate2'>;

interface MonitorHandle {
  id: string;
  db: string;
  /** The client's own copy: condition changes are recorded here, not in the caller's object. */
  requests: Record<string, MonitorRequest>;
  replica: ReplicaSink;
  lastTxnId: string;
  method: MonitorMethod;
  /**
   * Set while the monitor request is outstanding: updates that arrive right behind its
   * reply (often in the same read) wait here, so they apply after the initial contents.
   */
  held?: Array<[string, JsonValue[]]>;
}

export interface ClientEvents {
  state: [state: ClientState];
  notification: [method: string, params: JsonValue[]];
}

const ZERO_TXN = '00000000-0000-0000-0000-000000000000';

export class OvsdbClient extends EventEmitter<ClientEvents> {
  private connection: RpcConnection | undefined;
  private stateValue: ClientState = 'connecting';
  private readonly machine: ReconnectMachine;
  /** Increases with every dial and every loss, so events of an abandoned attempt are ignored. */
  private generation = 0;
  private readonly monitors = new Map<string, MonitorHandle>();
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private nextMonitor = 1;
  private readonly clock: Clock;
  private readonly remote: Remote;
  private wakeTimer: unknown;
  private readonly schemas = new Map<string, DatabaseSchema>();
  private unsupported = new Set<MonitorMethod>();
  /** Why the last connection attempt failed, so a connect timeout can say more than "no". */
  private lastError: Error | undefined;
  private readonly locks = new LockBook();

  private constructor(
    remote: string,
    private readonly options: ClientOptions,
  ) {
    super();
    this.remote = parseRemote(remote);
    // Bad TLS material fails connect() at once instead of being retried until the timeout.
    if (this.remote.kind === 'ssl') {
      if (!options.tls) throw new OvsdbError('TLS_CONFIG', `${remote} needs the tls option { key, cert, ca }`);
      loadTlsMaterial(options.tls);
    }
    this.clock = options.clock ?? systemClock;
    this.machine = new ReconnectMachine(ovsdbReconnectOptions(options.backoff, options.requestTimeoutMs ?? 60_000));
  }

  /** Connects (retrying within connectTimeoutMs) and resolves once the session is up. */
  static async connect(remote: string, options: ClientOptions = {}): Promise<OvsdbClient> {
    const client = new OvsdbClient(remote, options);
    const timeout = options.connectTimeoutMs ?? 10_000;
    client.machine.start(client.clock.now());
    client.step();
    try {
      await client.whenConnected(timeout);
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  get state(): ClientState {
    return this.stateValue;
  }

  get remoteName(): string {
    return formatRemote(this.remote);
  }

  private setState(state: ClientState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  /** Asks the reconnect machine what to do, does it, and sleeps until it may say more. */
  private step(): void {
    if (this.stateValue === 'closed') return;
    const action = this.machine.poll(this.clock.now());
    if (action.kind === 'connect') void this.dial();
    // Giving up on an attempt steps again from lost(), which sets the timer itself.
    else if (action.kind === 'abandon')
      return this.lost(this.generation, new OvsdbError('REQUEST_TIMEOUT', action.reason));
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    const wait = this.machine.nextWakeup(this.clock.now());
    this.wakeTimer = wait === undefined ? undefined : this.clock.setTimeout(() => this.step(), wait);
  }

  private async dial(): Promise<void> {
    const generation = ++this.generation;
    this.setState('connecting');
    try {
      const socket = await openSocket(this.remote, this.options.requestTimeoutMs ?? 10_000, this.options.tls);
      // close() may have been called, or the attempt abandoned, while the socket was opening.
      if (generation !== this.generation) {
        socket.destroy();
        return;
      }
      this.machine.connected(this.clock.now());
      const connection = new RpcConnection(socket, {
        clock: this.clock,
        ...(this.options.probeIntervalMs !== undefined ? { probeIntervalMs: this.options.probeIntervalMs } : {}),
        ...(this.options.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.options.requestTimeoutMs } : {}),
      });
      connection.on('notification', (method, params) => this.onNotification(method, params));
      connection.on('close', (error) => this.lost(generation, error));
      this.connection = connection;
      // Under TLS 1.3 our handshake completes before the server has checked our certificate,
      // so a refusal only shows as an alert afterwards: one echo round trip makes "connected"
      // mean "accepted", and a refused certificate a failed attempt with the server's reason.
      if (this.remote.kind === 'ssl') await connection.request('echo', []);
      await this.restoreMonitors(connection);
      await this.restoreLocks(connection);
      if (generation !== this.generation) return;
      this.machine.ready(this.clock.now());
      this.lastError = undefined;
      this.setState('connected');
      this.step();
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.resolve();
    } catch (error) {
      this.lost(generation, error as Error);
    }
  }

  /** The attempt or session of `generation` ended: drop it and let the machine say when to retry. */
  private lost(generation: number, error: Error | undefined): void {
    if (generation !== this.generation || this.stateValue === 'closed') return;
    this.generation++;
    const wasConnected = this.stateValue === 'connected';
    this.lastError = error;
    this.locks.disconnected();
    const connection = this.connection;
    this.connection = undefined;
    connection?.close();
    if (wasConnected)
      this.options.logger?.warn({ err: error, remote: this.remoteName }, 'OVSDB connection lost; reconnecting');
    else this.options.logger?.debug({ err: error, remote: this.remoteName }, 'OVSDB connection attempt failed');
    this.machine.disconnected(this.clock.now(), error?.message ?? 'connection closed');
    this.setState('backoff');
    this.step();
  }

  /** Resolves when connected; rejects after timeoutMs, when the client is closed or on abort. */
  whenConnected(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.stateValue === 'connected') return Promise.resolve();
    if (this.stateValue === 'closed')
      return Promise.reject(new OvsdbError('CONNECTION_CLOSED', 'the client is closed'));
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        this.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const waiter = {
        resolve: () => {
          finish();
          resolve();
        },
        reject: (e: Error) => {
          finish();
          reject(e);
        },
      };
      const onAbort = (): void => waiter.reject(new OvsdbCanceledError('connect', undefined, signal?.reason));
      const timer = this.clock.setTimeout(() => {
        const last = this.lastError ? ` (last error: ${this.lastError.message})` : '';
        waiter.reject(
          new OvsdbError(
            'CONNECTION_CLOSED',
            `no OVSDB connection to ${this.remoteName} within ${timeoutMs} ms${last}`,
          ),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /**
   * Sends a request, waiting for the session to be up first (up to the request timeout).
   * `options` may be a timeout in ms, or { timeoutMs, signal }; see transact() for signal.
   */
  async call(method: string, params: JsonValue[], options: RequestOptions | number = {}): Promise<JsonValue> {
    const { timeoutMs = this.options.requestTimeoutMs ?? 60_000, signal } =
      typeof options === 'number' ? { timeoutMs: options } : options;
    if (signal?.aborted) throw new OvsdbCanceledError(method, undefined, signal.reason);
    if (this.stateValue !== 'connected') await this.whenConnected(timeoutMs, signal);
    const connection = this.connection;
    if (!connection) throw new OvsdbError('CONNECTION_CLOSED', `not connected to ${this.remoteName}`);
    return connection.request(method, params, timeoutMs, signal);
  }

  listDbs(): Promise<string[]> {
    return this.call('list_dbs', []) as Promise<string[]>;
  }

  async getSchema(db: string): Promise<DatabaseSchema> {
    const cached = this.schemas.get(db);
    if (cached) return cached;
    const schema = parseSchema(await this.call('get_schema', [db]));
    this.schemas.set(db, schema);
    return schema;
  }

  /**
   * Runs operations as one transaction; throws TransactionError naming the failed op.
   * Aborting `options.signal` cancels it (RFC 7047 4.1.4): the promise rejects with
   * OvsdbCanceledError (code CANCELED) and a transaction the server is still holding - one
   * blocked in a `wait` operation - is dropped without taking effect.
   */
  async transact(db: string, operations: Operation[], options: RequestOptions = {}): Promise<OperationResult[]> {
    const results = await this.call('transact', [db, ...(operations as unknown as JsonValue[])], options);
    return checkTransactResult(operations, results);
  }

  /** Cancels an outstanding request by its JSON-RPC id; prefer an AbortSignal in transact(). */
  cancel(id: number): void {
    this.connection?.send('cancel', [id]);
  }

  echo(payload: JsonValue[] = []): Promise<JsonValue> {
    return this.call('echo', payload);
  }

  /**
   * Asks for a lock ({"locked": false} means queued; a "locked" notification follows when
   * it is granted). Wanted locks are asked for again after every reconnect.
   */
  async lock(name: string): Promise<JsonValue> {
    const reply = await this.call('lock', [name]);
    this.locks.requested(name, reply);
    return reply;
  }
  async steal(name: string): Promise<JsonValue> {
    const reply = await this.call('steal', [name]);
    this.locks.requested(name, reply);
    return reply;
  }
  async unlock(name: string): Promise<JsonValue> {
    this.locks.released(name);
    return this.call('unlock', [name]);
  }
  /** Whether this client holds the lock now, as far as the server has told it. */
  hasLock(name: string): boolean {
    return this.locks.holds(name);
  }
  setDbChangeAware(aware = true): Promise<JsonValue> {
    return this.call('set_db_change_aware', [aware]);
  }

  /**
   * Monitors tables into a replica that stays current across reconnects. Resolves once
   * the initial contents are in the replica. `T` types its rows: a schema's generated
   * tables narrowed to the monitored columns (see MonitoredTables), or any decoded row.
   */
  async monitor<T extends TableMap<T> = GenericTables>(
    db: string,
    wanted: MonitorRequests<NoInfer<T>>,
  ): Promise<Replica<T>> {
    const schema = await this.getSchema(db);
    const requests: Record<string, MonitorRequest> = {};
    for (const [table, request] of Object.entries<MonitorRequest | undefined>(wanted)) {
      if (request) requests[table] = { ...request };
    }
    for (const [table, request] of Object.entries(requests)) {
      const tableSchema = schema.tables.get(table);
      if (!tableSchema) throw new OvsdbError('INVALID_ARGUMENT', `database ${db} has no table "${table}"`);
      for (const column of request.columns ?? []) {
        if (!tableSchema.columns.has(column))
          throw new OvsdbError('INVALID_ARGUMENT', `table ${table} has no column "${column}"`);
      }
    }
    const columns = Object.fromEntries(Object.entries(requests).map(([t, r]) => [t, r.columns]));
    const replica = new Replica<T>(schema, columns);
    const handle: MonitorHandle = {
      id: `m${this.nextMonitor++}`,
      db,
      requests,
      replica,
      lastTxnId: ZERO_TXN,
      method: 'monitor_cond_since',
    };
    const connection = this.connection;
    if (!connection) await this.whenConnected(this.options.requestTimeoutMs ?? 60_000);
    this.monitors.set(handle.id, handle);
    try {
      await this.startMonitor(this.connection as RpcConnection, handle);
    } catch (error) {
      this.monitors.delete(handle.id);
      throw error;
    }
    return replica;
  }

  /** Changes the conditions of a monitor (monitor_cond_change); columns cannot change. */
  async changeMonitorConditions<T extends TableMap<T>>(
    replica: Replica<T>,
    where: Partial<Record<TableName<T>, JsonValue[]>>,
  ): Promise<void> {
    const handle = [...this.monitors.values()].find((m) => m.replica === replica);
    if (!handle) throw new OvsdbError('INVALID_ARGUMENT', 'this client has no such monitor');
    if (handle.method === 'monitor')
      throw new OvsdbError('NOT_SUPPORTED', 'the server does not support conditional monitors');
    const newId = `m${this.nextMonitor++}`;
    const conditions: Array<[string, JsonValue[]]> = [];
    for (const [table, w] of Object.entries<JsonValue[] | undefined>(where)) if (w) conditions.push([table, w]);
    const change: Record<string, JsonValue> = Object.fromEntries(
      conditions.map(([table, w]) => [table, [{ where: w }]]),
    );
    // The updates the change causes arrive before the reply, under the new id.
    this.monitors.set(newId, handle);
    try {
      await this.call('monitor_cond_change', [handle.id, newId, change]);
    } catch (error) {
      this.monitors.delete(newId);
      throw error;
    }
    for (const [table, w] of conditions) {
      const request = handle.requests[table];
      if (request) request.where = w;
    }
    this.monitors.delete(handle.id);
    handle.id = newId;
  }

  private monitorParams(handle: MonitorHandle, method: MonitorMethod): JsonValue[] {
    const requests: Record<string, JsonValue> = {};
    for (const [table, request] of Object.entries(handle.requests)) {
      const body: Record<string, JsonValue> = {};
      if (request.columns) body['columns'] = [...request.columns];
      if (request.where && method !== 'monitor') body['where'] = request.where;
      requests[table] = method === 'monitor' ? body : [body];
    }
    const params: JsonValue[] = [handle.db, handle.id, requests];
    if (method === 'monitor_cond_since') params.push(handle.lastTxnId);
    return params;
  }

  private async startMonitor(connection: RpcConnection, handle: MonitorHandle): Promise<void> {
    handle.held = [];
    try {
      await this.requestMonitor(connection, handle);
    } finally {
      const held = handle.held;
      handle.held = undefined;
      for (const [method, params] of held) this.applyNotification(handle, method, params);
    }
  }

  private async requestMonitor(connection: RpcConnection, handle: MonitorHandle): Promise<void> {
    const order: MonitorMethod[] = ['monitor_cond_since', 'monitor_cond', 'monitor'];
    for (const method of order) {
      if (this.unsupported.has(method)) continue;
      let reply: JsonValue;
      try {
        reply = await connection.request(method, this.monitorParams(handle, method));
      } catch (error) {
        if (error instanceof OvsdbError && (error.code === 'UNKNOWN_METHOD' || error.code === 'NOT_SUPPORTED')) {
          this.unsupported.add(method);
          continue;
        }
        throw error;
      }
      handle.method = method;
      this.applyOrForget(handle, `reply to ${method}`, monitorReplyProblem(method, reply), () => {
        if (method === 'monitor_cond_since') {
          const [found, lastTxnId, updates] = reply as [boolean, string, JsonValue];
          // Not found means the server cannot replay from our txn id: start from scratch.
          if (!found) handle.replica.clear();
          handle.replica.applyUpdate2(updates as TableUpdates2);
          handle.lastTxnId = lastTxnId;
        } else {
          handle.replica.clear();
          if (method === 'monitor_cond') handle.replica.applyUpdate2(reply as TableUpdates2);
          else handle.replica.applyUpdate(reply as TableUpdates);
        }
      });
      return;
    }
    throw new OvsdbError('NOT_SUPPORTED', 'the server supports no monitor method');
  }

  private async restoreMonitors(connection: RpcConnection): Promise<void> {
    for (const handle of this.monitors.values()) await this.startMonitor(connection, handle);
  }

  /** Asks again for the locks wanted before the disconnect; a stolen lock is queued for, not stolen back. */
  private async restoreLocks(connection: RpcConnection): Promise<void> {
    for (const name of this.locks.names()) this.locks.requested(name, await connection.request('lock', [name]));
  }

  private onNotification(method: string, params: JsonValue[]): void {
    this.locks.notified(method, params);
    if (method === 'update3' || method === 'update2' || method === 'update') {
      const id = params[0];
      const handle = typeof id === 'string' ? this.monitors.get(id) : undefined;
      if (handle?.held) handle.held.push([method, params]);
      else if (handle) this.applyNotification(handle, method, params);
    }
    this.emit('notification', method, params);
  }

  private applyNotification(handle: MonitorHandle, method: string, params: JsonValue[]): void {
    this.applyOrForget(handle, method, notificationProblem(method, params), () => {
      if (method === 'update3') {
        const [, lastTxnId, updates] = params as [string, string, JsonValue];
        handle.replica.applyUpdate2(updates as TableUpdates2);
        handle.lastTxnId = lastTxnId;
      } else if (method === 'update2') {
        handle.replica.applyUpdate2(params[1] as TableUpdates2);
      } else {
        handle.replica.applyUpdate(params[1] as TableUpdates);
      }
    });
  }

  /**
   * Applies what the server sent into a replica, or throws a PROTOCOL error (which ends the
   * session) when it is malformed. The replica may then hold part of it, so the monitor
   * forgets its place: the next session reads the database whole instead of replaying.
   */
  private applyOrForget(handle: MonitorHandle, what: string, problem: string | undefined, apply: () => void): void {
    try {
      if (problem !== undefined) throw new Error(problem);
      apply();
    } catch (error) {
      handle.lastTxnId = ZERO_TXN;
      throw new OvsdbError('PROTOCOL', `the server sent a malformed ${what}: ${(error as Error).message}`);
    }
  }

  close(): void {
    if (this.stateValue === 'closed') return;
    this.setState('closed');
    this.generation++;
    this.machine.stop(this.clock.now());
    if (this.wakeTimer !== undefined) this.clock.clearTimeout(this.wakeTimer);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new OvsdbError('CONNECTION_CLOSED', 'the client was closed'));
    this.connection?.close();
    this.connection = undefined;
  }
}
