// One bound on the cluster store for a whole request, not for each of its calls. A Docker
// plugin call or a control-socket call that needs etcd must fail within the bound when etcd
// does not answer; with a bound per call, a request that happened to make two calls in a
// row (a read the mirror could not answer, then the write; a write, then putting back what
// it claimed) waited twice as long. So a request runs in a scope that remembers when it
// started, and every store call made on its behalf ends by that start plus the bound.
//
// The scope follows the request's asynchronous work (AsyncLocalStorage), which includes
// work it only set off (a reconcile pass kicked by the request's write, a veth removed after
// the answer). Such work must not inherit a deadline meant for someone who has had their
// answer: the scope closes when the request answers, and a closed scope bounds nothing.
// While the request is still running, background work set off by it shares its deadline:
// it fails sooner only when etcd is not answering, and background work retries anyway.
//
// A request that spent its time elsewhere (waiting for a busy switch) still gives each
// store call LAST_CALL_MS: etcd answers in milliseconds, and failing a healthy request as
// "unreachable" because of the switch's slowness would name the wrong culprit.
import { AsyncLocalStorage } from 'node:async_hooks';

interface RequestScope {
  startedAt: number;
  open: boolean;
}

/** The least time a store call gets, however late in its request it comes (ms). */
export const LAST_CALL_MS = 500;

const scopes = new AsyncLocalStorage<RequestScope>();

/**
 * Runs `work` as one request: store calls made for it share one deadline, counted from
 * `startedAt` when the caller began earlier than now (a command's own start-up); a start
 * later than now is taken as now.
 */
export async function asRequest<T>(work: () => Promise<T>, startedAt?: number): Promise<T> {
  const now = Date.now();
  const scope: RequestScope = { startedAt: Math.min(startedAt ?? now, now), open: true };
  try {
    return await scopes.run(scope, work);
  } finally {
    scope.open = false;
  }
}

/** When a store call starting now must end (epoch ms), given the bound of one call. */
export function storeDeadline(boundMs: number, now = Date.now()): number {
  const scope = scopes.getStore();
  const own = now + boundMs;
  if (!scope?.open) return own;
  return Math.min(own, Math.max(scope.startedAt + boundMs, now + Math.min(LAST_CALL_MS, boundMs)));
}
