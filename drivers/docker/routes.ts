// The shape of one plugin method: which error field its interface uses and what it does.
// The server owns HTTP; handlers only see a parsed JSON object and return the answer.
import type { Logger } from '../../controller/api';
import { isAlreadyGone } from './errors';
import type { JsonObject } from './fields';

/** libnetwork's network driver answers errors in "Err", its IPAM driver in "Error". */
export type ErrorField = 'Err' | 'Error';

export interface Route {
  errorField: ErrorField;
  /** May answer at once: the server awaits either way, and a throw is an error answer. */
  handle(body: JsonObject): object | Promise<object>;
}

export type RouteTable = ReadonlyMap<string, Route>;

/** Runs a delete/release and treats "it does not exist" as done: Docker repeats these. */
export async function idempotently(
  logger: Logger,
  what: string,
  action: () => Promise<void>,
): Promise<Record<string, never>> {
  try {
    await action();
  } catch (error) {
    if (!isAlreadyGone(error)) throw error;
    logger.debug({ what, reason: (error as Error).message }, 'already gone; answering success');
  }
  return {};
}
