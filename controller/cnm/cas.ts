// The one way the registry's stores write: an attempt reads what it needs and returns a
// transaction whose compares pin every key it read or claims (revision 0: "still free"),
// or `done` when there is nothing to write. A failed compare means another request
// committed first: the attempt runs again on the new state, so a caller's request is
// applied exactly once, whole or not at all. Every commit is announced to the change
// listeners (the reconcilers), which then make OVS match.
import { ControllerError } from '../errors';
import type { KvStore, KvTxn } from '../store/kv';

/** What one attempt decided: write `txn` and return `result`, or return `done` unwritten. */
export type Attempt<T> = { txn: KvTxn; result: T } | { done: T };

type Listener = () => void;

const MAX_ATTEMPTS = 50;
/** Upper bound of the random pause between attempts, in milliseconds. */
const MAX_BACKOFF_MS = 50;

export class CasCommitter {
  private readonly listeners = new Set<Listener>();

  constructor(readonly store: KvStore) {}

  /** Calls `listener` after every committed change; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners about a change committed elsewhere (another host). */
  changed(): void {
    for (const listener of this.listeners) listener();
  }

  /**
   * Runs `attempt` until its transaction commits; CAS conflicts mean someone raced us.
   * `retry` counts the lost races so far, for attempts that choose differently after one.
   */
  async commit<T>(attempt: (retry: number) => Promise<Attempt<T>>): Promise<T> {
    for (let tries = 0; tries < MAX_ATTEMPTS; tries++) {
      const step = await attempt(tries);
      if ('done' in step) return step.done;
      const outcome = await this.store.txn(step.txn);
      if (outcome.succeeded) {
        this.changed();
        return step.result;
      }
      // Someone else committed first; spread the retries so they do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** tries)));
    }
    throw new ControllerError('UNAVAILABLE', 'the state store kept changing under this request; try again');
  }
}
