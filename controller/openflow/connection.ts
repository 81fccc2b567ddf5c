// One OpenFlow 1.3 session with a switch, over a socket someone else connected. States:
//
//   connecting --attach()--> hello_wait -> features_wait -> ready
//   any of them ----------------------------------------------> closed (for good)
//
// The handshake's decisions live in handshake.ts and request correlation (xids, multipart
// replies, errors and timeouts of requests) in requests.ts; this file holds the socket:
// framing and decoding, dispatching what arrives, echo keepalive, and writes that respect
// backpressure. Reconnecting is SwitchClient's job, with a new session each time.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { encodeInto, encodeMessage } from '../../flows/ofp/encode';
import { Writer } from '../../flows/ofp/buffer';
import { decodeMessage } from '../../flows/ofp/decode';
import { splitFlowStats, type FlowStatsEntryBytes } from '../../flows/ofp/messages/flow';
import { undecodedMultipartReply } from '../../flows/ofp/messages/multipart';
import { MultipartType } from '../../flows/ofp/constants';
import { OfpFramer } from '../../flows/ofp/framer';
import type { FlowStats, FlowStatsRequest, OfpMessage, PortDesc, PortStats, TableStats } from '../../flows/ofp/types';
import { replyErrorFor } from '../../flows/ofp/errors';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { OpenFlowError } from './error';
import { PendingRequests, type OutgoingMessage } from './requests';
import { endsHandshake, exchangeFeatures, OUR_HELLO, refuseHello, type FeaturesReply } from './handshake';

/** Reads at least this large let other work run before the next one (see attach). */
const YIELD_AFTER_BYTES = 16 * 1024;

export { OpenFlowError } from './error';
export type { OutgoingMessage } from './requests';

/** Which flows a dump or a count covers: one table (all by default), cookies under a mask. */
export interface FlowFilter {
  tableId?: number;
  cookie?: bigint;
  cookieMask?: bigint;
}

function flowStatsRequest(filter: FlowFilter): FlowStatsRequest {
  return { tableId: filter.tableId ?? 0xff, cookie: filter.cookie ?? 0n, cookieMask: filter.cookieMask ?? 0n };
}

/** `connecting`: created, the socket not yet handed over by attach(). */
export type SessionState = 'connecting' | 'hello_wait' | 'features_wait' | 'ready' | 'closed';

export interface SessionEvents {
  state: [state: SessionState];
  ready: [features: FeaturesReply];
  packet_in: [message: Extract<OfpMessage, { type: 'packet_in' }>];
  port_status: [message: Extract<OfpMessage, { type: 'port_status' }>];
  flow_removed: [message: Extract<OfpMessage, { type: 'flow_removed' }>];
  /** An error whose xid matches no outstanding request (e.g. from a streamed flow_mod). */
  unsolicited_error: [message: Extract<OfpMessage, { type: 'error' }>];
}

export interface SessionOptions {
  clock?: Clock;
  logger?: Logger;
  requestTimeoutMs?: number;
  /** Echo after this much silence; the switch is dead after twice as long. */
  echoIntervalMs?: number;
  /** Bytes of each packet-in the switch sends (0xffff = whole packet). */
  missSendLen?: number;
}

export class OpenFlowSession extends EventEmitter<SessionEvents> {
  private socket: Socket | undefined;
  private framer = new OfpFramer();
  private readonly requests: PendingRequests;
  private stateValue: SessionState = 'connecting';
  private features: FeaturesReply | undefined;
  private lastReceived = 0;
  private echoTimer: unknown;
  private handshakeTimer: unknown;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly requestTimeoutMs: number;
  private readonly echoIntervalMs: number;
  private readonly missSendLen: number;
  /** Requests whose multipart replies are handed over undecoded (dumpFlowEntries). */
  private readonly undecodedReplies = new Set<number>();
  /** Writers waiting for the socket to drain; the session's end fails them. */
  private readonly drainWaiters = new Set<(error?: OpenFlowError) => void>();

  constructor(options: SessionOptions = {}) {
    super();
    this.clock = options.clock ?? systemClock;
    this.requests = new PendingRequests(this.clock);
    this.logger = options.logger ?? silentLogger;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.echoIntervalMs = options.echoIntervalMs ?? 5_000;
    this.missSendLen = options.missSendLen ?? 0xffff;
  }

  get state(): SessionState {
    return this.stateValue;
  }

  get datapathId(): bigint | undefined {
    return this.features?.datapathId;
  }

  private setState(state: SessionState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  /** Takes over a connected socket and performs the handshake; resolves when ready. */
  attach(socket: Socket): Promise<void> {
    this.socket = socket;
    this.framer = new OfpFramer();
    this.lastReceived = this.clock.now();
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      this.onData(chunk);
      // A long reply (a read-back of thousands of flows) arrives as many reads that the
      // socket would hand over in one go, decoding megabytes while nothing else runs: a
      // metrics scrape or a plugin call arriving then waited for all of it. After a large
      // read, the next one waits for the event loop's next turn.
      if (chunk.length >= YIELD_AFTER_BYTES && !socket.isPaused()) {
        socket.pause();
        setImmediate(() => {
          if (!socket.destroyed) socket.resume();
        });
      }
    });
    socket.on('error', (error) =>
      this.shutdown(new OpenFlowError('CLOSED', `switch connection error: ${error.message}`)),
    );
    socket.on('close', () => this.shutdown(new OpenFlowError('CLOSED', 'the switch closed the connection')));
    return new Promise((resolve, reject) => {
      const onState = (state: SessionState): void => {
        if (state === 'ready') {
          this.off('state', onState);
          this.clock.clearTimeout(this.handshakeTimer);
          resolve();
        } else if (state === 'closed') {
          this.off('state', onState);
          this.clock.clearTimeout(this.handshakeTimer);
          reject(new OpenFlowError('CLOSED', 'the connection closed during the handshake'));
        }
      };
      this.on('state', onState);
      this.handshakeTimer = this.clock.setTimeout(() => {
        this.fail(new OpenFlowError('TIMEOUT', `no OpenFlow handshake within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.setState('hello_wait');
      this.write(OUR_HELLO);
    });
  }

  /** Sends without waiting for an answer; resolves when the socket accepted the bytes (backpressure). */
  send(message: OutgoingMessage, xid = this.requests.xid()): Promise<number> {
    if (this.stateValue === 'closed' || !this.socket)
      return Promise.reject(new OpenFlowError('CLOSED', `cannot send ${message.type}: not connected`));
    if (this.write(message, xid)) return Promise.resolve(xid);
    return this.drained().then(() => xid);
  }

  /**
   * Sends many messages without waiting for answers, encoded into large chunks so the
   * switch gets few big writes; waits for the socket to drain between chunks. Returns the
   * xid given to each message, in order.
   */
  sendMany(messages: Iterable<OutgoingMessage>, chunkBytes = 256 * 1024): Promise<number[]> {
    const list = Array.isArray(messages) ? (messages as OutgoingMessage[]) : [...messages];
    return this.sendEncoded(list.length, (w, i, xid) => encodeInto(w, list[i] as OutgoingMessage, xid), chunkBytes);
  }

  /**
   * The bulk path under sendMany: `encodeOne(w, i, xid)` appends message i with the given
   * xid. Chunks of about `chunkBytes` are written as they fill, each after the previous
   * one drained, so memory stays bounded whatever the count.
   */
  async sendEncoded(
    count: number,
    encodeOne: (w: Writer, index: number, xid: number) => void,
    chunkBytes = 256 * 1024,
  ): Promise<number[]> {
    const xids = new Array<number>(count);
    let w = new Writer(chunkBytes + 4096);
    for (let i = 0; i < count; i++) {
      const xid = this.requests.xid();
      xids[i] = xid;
      encodeOne(w, i, xid);
      if (w.length >= chunkBytes) {
        await this.writeChunk(w.take());
        w = new Writer(chunkBytes + 4096);
      }
    }
    if (w.length > 0) await this.writeChunk(w.take());
    return xids;
  }

  private writeChunk(chunk: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed)
      return Promise.reject(new OpenFlowError('CLOSED', 'the switch connection is closed'));
    if (socket.write(chunk)) return Promise.resolve();
    return this.drained();
  }

  /**
   * Settles when the socket drains, or fails when the session ends first: a switch that
   * stopped reading and then went away must not leave a writer waiting for ever.
   */
  private drained(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.stateValue === 'closed')
      return Promise.reject(new OpenFlowError('CLOSED', 'the switch connection is closed'));
    return new Promise((resolve, reject) => {
      const settle = (error?: OpenFlowError): void => {
        this.drainWaiters.delete(settle);
        socket.off('drain', onDrain);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = (): void => settle();
      this.drainWaiters.add(settle);
      socket.once('drain', onDrain);
    });
  }

  private write(message: OutgoingMessage, xid = this.requests.xid()): boolean {
    if (!this.socket || this.socket.destroyed) return true;
    return this.socket.write(encodeMessage(message, xid));
  }

  /** Sends a request and resolves with its reply (all parts of a multipart reply). */
  request(
    message: OutgoingMessage,
    timeoutMs = this.requestTimeoutMs,
    xid = this.requests.xid(),
  ): Promise<OfpMessage[]> {
    if (this.stateValue === 'closed' || !this.socket)
      return Promise.reject(new OpenFlowError('CLOSED', `cannot send ${message.type}: not connected`));
    const reply = this.requests.expect(xid, message.type, timeoutMs);
    this.write(message, xid);
    return reply;
  }

  async barrier(timeoutMs = this.requestTimeoutMs): Promise<void> {
    await this.request({ type: 'barrier_request' }, timeoutMs);
  }

  async dumpFlows(filter: FlowFilter = {}): Promise<FlowStats[]> {
    const replies = await this.request({ type: 'flow_stats_request', flags: 0, request: flowStatsRequest(filter) });
    return replies.flatMap((r) => (r.type === 'flow_stats_reply' ? r.flows : []));
  }

  /**
   * The same dump as dumpFlows, each entry left undecoded: a caller comparing the table
   * with an earlier dump decodes only the entries it has not seen (FlowStatsEntryBytes).
   */
  async dumpFlowEntries(filter: FlowFilter = {}): Promise<FlowStatsEntryBytes[]> {
    const xid = this.requests.xid();
    this.undecodedReplies.add(xid);
    try {
      const replies = await this.request(
        { type: 'flow_stats_request', flags: 0, request: flowStatsRequest(filter) },
        this.requestTimeoutMs,
        xid,
      );
      const entries: FlowStatsEntryBytes[] = [];
      for (const reply of replies) {
        if (reply.type !== 'multipart_other' || reply.mpType !== MultipartType.FLOW)
          throw new OpenFlowError('PROTOCOL', `the switch answered a flow dump with ${reply.type}`);
        try {
          entries.push(...splitFlowStats(reply.body));
        } catch (error) {
          throw new OpenFlowError('PROTOCOL', `the switch sent a malformed flow dump: ${(error as Error).message}`);
        }
      }
      return entries;
    } finally {
      this.undecodedReplies.delete(xid);
    }
  }

  /** Flow, packet and byte totals of the flows a filter selects. */
  async aggregate(filter: FlowFilter = {}): Promise<{ flowCount: number; packetCount: bigint; byteCount: bigint }> {
    const replies = await this.request({ type: 'aggregate_request', flags: 0, request: flowStatsRequest(filter) });
    const reply = replies.find(
      (r): r is Extract<OfpMessage, { type: 'aggregate_reply' }> => r.type === 'aggregate_reply',
    );
    if (!reply) throw new OpenFlowError('PROTOCOL', 'the switch answered an aggregate request with something else');
    return { flowCount: reply.flowCount, packetCount: reply.packetCount, byteCount: reply.byteCount };
  }

  async tableStats(): Promise<TableStats[]> {
    const replies = await this.request({ type: 'table_stats_request', flags: 0 });
    return replies.flatMap((r) => (r.type === 'table_stats_reply' ? r.tables : []));
  }

  async portStats(portNo = 0xffffffff): Promise<PortStats[]> {
    const replies = await this.request({ type: 'port_stats_request', flags: 0, portNo });
    return replies.flatMap((r) => (r.type === 'port_stats_reply' ? r.stats : []));
  }

  async portDescriptions(): Promise<PortDesc[]> {
    const replies = await this.request({ type: 'port_desc_request', flags: 0 });
    return replies.flatMap((r) => (r.type === 'port_desc_reply' ? r.ports : []));
  }

  private onData(chunk: Buffer): void {
    this.lastReceived = this.clock.now();
    const frames = this.framer.push(chunk);
    if (frames instanceof Error) {
      this.fail(new OpenFlowError('PROTOCOL', `the switch sent a corrupt stream: ${frames.message}`));
      return;
    }
    for (const frame of frames) {
      const message =
        (this.undecodedReplies.size > 0 && this.undecodedReplies.has(frame.readUInt32BE(4))
          ? undecodedMultipartReply(frame)
          : undefined) ?? decodeMessage(frame);
      if (message instanceof Error) {
        // Tell the switch which message we could not parse, as OpenFlow asks, and go on:
        // the framing is intact, only this message is lost.
        this.logger.warn({ err: message }, 'undecodable OpenFlow message');
        const reply = replyErrorFor(message.kind);
        this.write(
          { type: 'error', ...reply, name: '', data: Buffer.from(frame.subarray(0, 64)) },
          frame.readUInt32BE(4),
        );
        continue;
      }
      try {
        this.dispatch(message);
      } catch (error) {
        // A listener (packet_in, port_status ...) threw: that is the listener's bug, and it
        // must not escape into the socket's data handler or stop the remaining messages.
        this.logger.error({ err: error, type: message.type }, 'OpenFlow message handler failed');
      }
      if (this.stateValue === 'closed') return;
    }
  }

  private dispatch(message: OfpMessage): void {
    if (message.type === 'hello') {
      if (this.stateValue === 'hello_wait') this.onHello(message);
      return;
    }
    if (message.type === 'error' && this.endsHandshake(message.xid)) {
      this.fail(new OpenFlowError('PROTOCOL', `the switch refused the handshake: ${message.name}`, message));
      return;
    }
    if (message.type === 'echo_request') {
      this.write({ type: 'echo_reply', data: message.data }, message.xid);
      return;
    }
    if (message.type === 'packet_in') {
      this.emit('packet_in', message);
      return;
    }
    if (message.type === 'port_status') {
      this.emit('port_status', message);
      return;
    }
    if (message.type === 'flow_removed') {
      this.emit('flow_removed', message);
      return;
    }
    if (!this.requests.settle(message) && message.type === 'error') this.emit('unsolicited_error', message);
  }

  private endsHandshake(xid: number): boolean {
    const step = this.stateValue;
    return (step === 'hello_wait' || step === 'features_wait') && endsHandshake(step, this.requests.isWaiting(xid));
  }

  private onHello(hello: Extract<OfpMessage, { type: 'hello' }>): void {
    const refused = refuseHello(hello);
    if (refused) {
      this.write(refused.refusal, hello.xid);
      this.fail(new OpenFlowError('PROTOCOL', refused.reason), true);
      return;
    }
    this.setState('features_wait');
    exchangeFeatures({ request: (m) => this.request(m), send: (m) => this.write(m) }, this.missSendLen)
      .then((features) => {
        if (this.stateValue !== 'features_wait') return; // closed meanwhile: closed stays final
        this.features = features;
        this.armEcho();
        this.setState('ready');
        this.emit('ready', features);
      })
      .catch((error: Error) =>
        this.fail(error instanceof OpenFlowError ? error : new OpenFlowError('PROTOCOL', error.message)),
      );
  }

  private armEcho(): void {
    if (this.echoIntervalMs <= 0) return;
    this.echoTimer = this.clock.setTimeout(() => {
      const silent = this.clock.now() - this.lastReceived;
      if (silent >= 2 * this.echoIntervalMs) {
        this.fail(new OpenFlowError('TIMEOUT', `the switch has been silent for ${silent} ms`));
        return;
      }
      if (silent >= this.echoIntervalMs) this.write({ type: 'echo_request', data: Buffer.alloc(0) });
      this.armEcho();
    }, this.echoIntervalMs);
  }

  /** Ends the session; `flush` lets already written bytes (a final OFPT_ERROR) reach the peer. */
  private fail(error: OpenFlowError, flush = false): void {
    const socket = this.socket;
    this.shutdown(error);
    if (flush) socket?.end();
    else socket?.destroy();
  }

  private shutdown(error: OpenFlowError): void {
    if (this.stateValue === 'closed') return;
    this.clock.clearTimeout(this.echoTimer);
    this.clock.clearTimeout(this.handshakeTimer);
    this.requests.failAll(error);
    for (const settle of [...this.drainWaiters]) settle(new OpenFlowError(error.code, error.message));
    this.logger.debug({ err: error }, 'OpenFlow session ended');
    this.socket = undefined;
    this.setState('closed');
  }

  close(): void {
    this.fail(new OpenFlowError('CLOSED', 'closed by the controller'));
  }
}
