// When to (re)connect to a peer, as a pure state machine driven by an injected clock, in
// the style of OVS's reconnect.c / reconnect.py. Protocol-neutral: the OVSDB client and the
// OpenFlow switch client both follow it, so both protocols reconnect the same way.
//
//   stopped --start--> connecting --connected--> handshaking --ready--> ready
//                          ^                          |                   |
//                          |       (fail / timeout)   v                   v (disconnected)
//                          +--------------------- backoff <---------------+
//
// The owner reports what happened (connected, ready, disconnected) and asks what to do
// (`poll`) and when to ask again (`nextWakeup`). Backoff doubles from minBackoffMs to
// maxBackoffMs with jitter, and resets once a session has been ready for a while. What
// "handshaking" means is the owner's: OpenFlow's hello/features, OVSDB's monitor restore.

export type ReconnectState = 'stopped' | 'backoff' | 'connecting' | 'handshaking' | 'ready';

export type ReconnectAction = { kind: 'connect' } | { kind: 'abandon'; reason: string } | { kind: 'none' };

export interface ReconnectOptions {
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Time allowed from dialing until the handshake completes. */
  connectTimeoutMs?: number;
  /** A session that stayed ready this long resets the backoff to its minimum. */
  stableAfterMs?: number;
  /** Fraction of the delay that is randomised, 0..1; +-20% by default, so many agents do not retry in step. */
  jitter?: number;
  /** Source of randomness for the jitter, 0..1. */
  random?: () => number;
  /** What the handshake is called in the reason an attempt is abandoned (e.g. "OpenFlow handshake"). */
  handshakeName?: string;
}

export interface ReconnectStats {
  attempts: number;
  sessions: number;
  lastError: string | undefined;
}

export class ReconnectMachine {
  private stateValue: ReconnectState = 'stopped';
  private enteredAt = 0;
  private backoffMs = 0;
  private readonly min: number;
  private readonly max: number;
  private readonly connectTimeoutMs: number;
  private readonly stableAfterMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private readonly handshakeName: string;
  readonly stats: ReconnectStats = { attempts: 0, sessions: 0, lastError: undefined };

  constructor(options: ReconnectOptions = {}) {
    this.min = options.minBackoffMs ?? 250;
    this.max = Math.max(this.min, options.maxBackoffMs ?? 8000);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.stableAfterMs = options.stableAfterMs ?? 10_000;
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
    this.random = options.random ?? Math.random;
    this.handshakeName = options.handshakeName ?? 'handshake';
  }

  get state(): ReconnectState {
    return this.stateValue;
  }

  /** The delay currently applied before the next attempt (0 before the first failure). */
  get currentBackoffMs(): number {
    return this.backoffMs;
  }

  private enter(state: ReconnectState, now: number): void {
    this.stateValue = state;
    this.enteredAt = now;
  }

  /** Begin connecting at once. */
  start(now: number): void {
    if (this.stateValue !== 'stopped') return;
    this.backoffMs = 0;
    this.enter('backoff', now);
  }

  stop(now: number): void {
    this.enter('stopped', now);
  }

  /** The transport is up; the handshake starts. */
  connected(now: number): void {
    if (this.stateValue === 'connecting') this.enter('handshaking', now);
  }

  /** Handshake done: the session can carry requests. */
  ready(now: number): void {
    if (this.stateValue !== 'connecting' && this.stateValue !== 'handshaking') return;
    this.stats.sessions++;
    this.enter('ready', now);
  }

  /** The attempt failed or the session ended. */
  disconnected(now: number, reason: string): void {
    if (this.stateValue === 'stopped' || this.stateValue === 'backoff') return;
    this.stats.lastError = reason;
    const wasStable = this.stateValue === 'ready' && now - this.enteredAt >= this.stableAfterMs;
    if (wasStable || this.backoffMs === 0) this.backoffMs = this.min;
    else this.backoffMs = Math.min(this.max, this.backoffMs * 2);
    // A session that was up but short-lived still counts as a failure; a stable one
    // reconnects after the minimum delay.
    this.enter('backoff', now);
  }

  private backoffDelay(): number {
    if (this.backoffMs === 0) return 0;
    return Math.round(this.backoffMs * (1 - this.jitter + 2 * this.jitter * this.random()));
  }

  private jittered: number | undefined;

  /** What the owner should do now. */
  poll(now: number): ReconnectAction {
    switch (this.stateValue) {
      case 'stopped':
      case 'ready':
        return { kind: 'none' };
      case 'backoff': {
        this.jittered ??= this.backoffDelay();
        if (now - this.enteredAt < this.jittered) return { kind: 'none' };
        this.jittered = undefined;
        this.stats.attempts++;
        this.enter('connecting', now);
        return { kind: 'connect' };
      }
      case 'connecting':
      case 'handshaking':
        if (now - this.enteredAt < this.connectTimeoutMs) return { kind: 'none' };
        return {
          kind: 'abandon',
          reason: `no ${this.stateValue === 'connecting' ? 'connection' : this.handshakeName} within ${this.connectTimeoutMs} ms`,
        };
    }
  }

  /** Milliseconds until `poll` may have something new to say, or undefined for "only on events". */
  nextWakeup(now: number): number | undefined {
    switch (this.stateValue) {
      case 'stopped':
      case 'ready':
        return undefined;
      case 'backoff':
        this.jittered ??= this.backoffDelay();
        return Math.max(0, this.enteredAt + this.jittered - now);
      case 'connecting':
      case 'handshaking':
        return Math.max(0, this.enteredAt + this.connectTimeoutMs - now);
    }
  }
}
