// The OVSDB client's settings for the shared reconnect machine: OVS's own defaults for
// OVSDB sessions (lib/reconnect.h: 1 s doubling to 8 s, with jitter so many clients do not
// reconnect in lockstep after a server restart), and the client's `backoff` option mapped
// onto the machine's names.
import type { ReconnectOptions } from './reconnect';

export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** Fraction of the delay that is randomised, 0..1. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { minMs: 1000, maxMs: 8000, jitter: 0.2 };

/**
 * Machine options for an OVSDB session. An attempt - socket, TLS, then restoring monitors
 * and locks - is abandoned after `attemptTimeoutMs`.
 */
export function ovsdbReconnectOptions(
  backoff: Partial<BackoffPolicy> = {},
  attemptTimeoutMs: number,
  random?: () => number,
): ReconnectOptions {
  const policy = { ...DEFAULT_BACKOFF, ...backoff };
  return {
    minBackoffMs: policy.minMs,
    maxBackoffMs: policy.maxMs,
    jitter: policy.jitter,
    connectTimeoutMs: attemptTimeoutMs,
    handshakeName: 'OVSDB session setup (monitors and locks)',
    ...(random !== undefined ? { random } : {}),
  };
}
