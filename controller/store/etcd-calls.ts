// Every call to the cluster store ends within one bound, retries included, and an outage
// surfaces as one UNAVAILABLE error that names the endpoints: a `docker run` that needs etcd
// fails quickly and clearly instead of hanging. Reads are retried through brief outages
// (a restart, a leader election); writes only when they provably never left this host.
import { isBrokenCircuitError } from 'cockatiel';
import {
  ClientClosedError,
  EtcdAuthenticationFailedError,
  EtcdInvalidAuthTokenError,
  EtcdLeaseInvalidError,
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  GRPCUnauthenticatedError,
  GRPCUnavailableError,
  isRecoverableError,
} from 'etcd3';
import { ControllerError, isControllerError } from '../errors';
import { storeDeadline } from './request-scope';

/** What an etcd3 call accepts: one absolute deadline shared by every attempt. */
export interface CallDeadline {
  deadline: Date;
}

/** 'idempotent': safe to send twice. 'write': a second copy could apply it twice. */
export type RetrySafety = 'idempotent' | 'write';

const FIRST_PAUSE_MS = 50;
const LONGEST_PAUSE_MS = 1_000;
/** gRPC enforces the deadline itself; this only catches a call that ignores it. */
const DEADLINE_GRACE_MS = 200;

class NoAnswerInTime extends Error {}

export class BoundedCalls {
  constructor(
    private readonly endpoints: readonly string[],
    readonly timeoutMs: number,
  ) {}

  /**
   * `deadline` (epoch ms) shares one bound among several calls; by default each has its
   * own, within what is left of its request's (request-scope.ts).
   */
  async run<T>(
    safety: RetrySafety,
    call: (options: CallDeadline) => Promise<T>,
    deadline = this.deadline(),
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await settleBy(call({ deadline: new Date(deadline) }), deadline + DEADLINE_GRACE_MS);
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        if (!isOutage(error)) throw this.rejected(error);
        const unsent = neverSent(error);
        const pause = Math.min(FIRST_PAUSE_MS * 2 ** attempt, LONGEST_PAUSE_MS);
        if ((safety === 'write' && !unsent) || Date.now() + pause >= deadline)
          throw this.unreachable(error, safety === 'write' && !unsent);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** When a call (or several sharing one bound) starting now must end. */
  deadline(): number {
    return storeDeadline(this.timeoutMs);
  }

  unreachable(cause: Error, outcomeUnknown = false): ControllerError {
    const reason =
      cause instanceof NoAnswerInTime || cause instanceof GRPCDeadlineExceededError
        ? `no answer within ${this.timeoutMs} ms`
        : cause.message;
    const unknown = outcomeUnknown ? ' (the transaction may or may not have been applied)' : '';
    return new ControllerError(
      'UNAVAILABLE',
      `the cluster store at ${this.where} is unreachable: ${reason}${unknown}`,
      {
        endpoints: [...this.endpoints],
        unreachable: true,
        ...(outcomeUnknown ? { outcome: 'unknown' } : {}),
      },
    );
  }

  private rejected(error: Error): Error {
    if (error instanceof ControllerError) return error;
    if (error instanceof ClientClosedError) return new Error('store is closed');
    if (error instanceof EtcdLeaseInvalidError)
      return new ControllerError('CONFLICT', `the cluster store lease has expired: ${error.message}`);
    if (
      error instanceof EtcdAuthenticationFailedError ||
      error instanceof EtcdPermissionDeniedError ||
      error instanceof EtcdInvalidAuthTokenError ||
      error instanceof GRPCUnauthenticatedError
    )
      return new ControllerError('UNAVAILABLE', `the cluster store at ${this.where} refused access: ${error.message}`);
    return new ControllerError('INTERNAL', `the cluster store at ${this.where} rejected the request: ${error.message}`);
  }

  private get where(): string {
    return this.endpoints.join(',');
  }
}

/** A write that may or may not have been applied: sent, then the connection dropped. */
export function isOutcomeUnknown(error: unknown): error is ControllerError {
  return isControllerError(error, 'UNAVAILABLE') && error.details?.['outcome'] === 'unknown';
}

/** An outage that may end by itself, as opposed to a refusal (bad password, no permission). */
export function isStoreUnreachable(error: unknown): boolean {
  return isControllerError(error, 'UNAVAILABLE') && error.details?.['unreachable'] === true;
}

function isOutage(error: Error): boolean {
  return isRecoverableError(error) || isBrokenCircuitError(error) || error instanceof NoAnswerInTime;
}

/**
 * True when the request cannot have reached etcd: every member's circuit is open, or no
 * connection could be made. Anything else (a dropped connection, a deadline, etcd's own
 * "request timed out") may have been applied.
 */
function neverSent(error: Error): boolean {
  if (isBrokenCircuitError(error)) return true;
  return (
    error instanceof GRPCUnavailableError &&
    /No connection established|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|Name resolution failed/.test(
      error.message,
    )
  );
}

function settleBy<T>(promise: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerInTime()), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
