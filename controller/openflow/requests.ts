// Request correlation for one OpenFlow session: each request gets a transaction id (xid);
// the reply carrying that xid settles it, all parts of a multipart reply gathered first
// (a barrier is simply a request whose reply says everything before it was processed); an
// OFPT_ERROR with the xid fails it, and so do silence past its timeout and the session's
// end. The session writes the bytes; this keeps only what waits for an answer.
import { MULTIPART_REPLY_MORE } from '../../flows/ofp/constants';
import { MULTIPART_REQUEST_TYPES, type OfpMessage } from '../../flows/ofp/types';
import type { Clock } from '../clock';
import { OpenFlowError } from './error';

type Distribute<T> = T extends OfpMessage ? Omit<T, 'xid'> : never;
/** A message as callers hand it over: the xid is given when it is sent. */
export type OutgoingMessage = Distribute<OfpMessage>;

/** Transaction ids run from 1 to 2^31 - 1 and wrap around. */
const LAST_XID = 0x7fffffff;

interface Pending {
  resolve: (messages: OfpMessage[]) => void;
  reject: (error: OpenFlowError) => void;
  timer: unknown;
  parts: OfpMessage[];
  /** True when the reply is multipart and more parts may follow. */
  multipart: boolean;
}

export class PendingRequests {
  private readonly pending = new Map<number, Pending>();
  private nextXid = 1;

  constructor(private readonly clock: Clock) {}

  /** A fresh transaction id. */
  xid(): number {
    const xid = this.nextXid;
    this.nextXid = this.nextXid >= LAST_XID ? 1 : this.nextXid + 1;
    return xid;
  }

  /** Waits for the reply to `type` sent under `xid`: every part of it, in order. */
  expect(xid: number, type: OutgoingMessage['type'], timeoutMs: number): Promise<OfpMessage[]> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(xid);
        reject(new OpenFlowError('TIMEOUT', `${type} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(xid, { resolve, reject, timer, parts: [], multipart: MULTIPART_REQUEST_TYPES.has(type) });
    });
  }

  /** True while a request sent under `xid` waits for its answer. */
  isWaiting(xid: number): boolean {
    return this.pending.has(xid);
  }

  /** Hands `message` to the request waiting for its xid; false when none waits. */
  settle(message: OfpMessage): boolean {
    const pending = this.pending.get(message.xid);
    if (!pending) return false;
    if (message.type === 'error') {
      this.forget(message.xid, pending);
      pending.reject(new OpenFlowError('SWITCH_ERROR', `switch refused the request: ${message.name}`, message));
      return true;
    }
    pending.parts.push(message);
    const flags = 'flags' in message && typeof message.flags === 'number' ? message.flags : 0;
    if (pending.multipart && (flags & MULTIPART_REPLY_MORE) !== 0) return true;
    this.forget(message.xid, pending);
    pending.resolve(pending.parts);
    return true;
  }

  /** Fails every waiting request with the session's end. */
  failAll(error: OpenFlowError): void {
    for (const [xid, pending] of this.pending) {
      this.forget(xid, pending);
      pending.reject(new OpenFlowError(error.code, error.message));
    }
  }

  private forget(xid: number, pending: Pending): void {
    this.clock.clearTimeout(pending.timer);
    this.pending.delete(xid);
  }
}
