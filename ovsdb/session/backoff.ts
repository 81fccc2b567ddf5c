// Reconnect timing as a pure function: 1 s doubling to 8 s (OVS lib/reconnect.h defaults),
// with jitter so many clients do not reconnect in lockstep after a server restart.
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** Fraction of the delay that is randomised, 0..1. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { minMs: 1000, maxMs: 8000, jitter: 0.2 };

export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.minMs * 2 ** Math.max(0, attempt));
  const spread = base * policy.jitter;
  return Math.round(base - spread + random() * 2 * spread);
}
