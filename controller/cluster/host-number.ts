// A host's number in the cluster: a small integer, held for good under `hostid/<id>` with its
// reverse index `hostnum/<n>`, claimed once by compare-and-swap when the host first joins and
// kept across restarts and lease expiries (only `ovsnet host rm` gives it back). Other
// hosts' pipelines name this host by it, and a remote endpoint's pipeline id is built from it
// (remoteEndpointId), so ids stay the same on every host and across restarts: nothing is
// replaced in the flow tables when a daemon comes back.
import { CasCommitter } from '../cnm/cas';
import { FIRST_CONTROLLER_OFPORT, keys, MAX_HOST_NUMBER } from '../cnm/records';
import { ControllerError } from '../errors';
import type { KvStore } from '../store/kv';

/** Remote endpoint ids: 15 bits of port offset under the host number (24 bits in all). */
const PORT_OFFSET_BITS = 15;

export async function claimHostNumber(store: KvStore, hostId: string): Promise<number> {
  return new CasCommitter(store).commit<number>(async () => {
    const held = await store.get(keys.hostNumberOf(hostId));
    if (held) return { done: held.value as number };
    const taken = new Set(
      (await store.list(keys.hostNumbers())).map((e) => Number(e.key.slice(keys.hostNumbers().length))),
    );
    let number = 1;
    while (taken.has(number)) number++;
    if (number > MAX_HOST_NUMBER)
      throw new ControllerError(
        'EXHAUSTED',
        `the cluster has ${MAX_HOST_NUMBER} host numbers in use; remove gone hosts with 'ovsnet host rm'`,
      );
    return {
      result: number,
      txn: {
        compares: [
          { key: keys.hostNumberOf(hostId), revision: 0 },
          { key: keys.hostNumber(number), revision: 0 },
        ],
        puts: [
          { key: keys.hostNumberOf(hostId), value: number },
          { key: keys.hostNumber(number), value: hostId },
        ],
      },
    };
  });
}

/**
 * The pipeline id of an endpoint on another host: its host's number and its OpenFlow port
 * number there (unique on that host, within the controller range), packed below 2^24.
 */
export function remoteEndpointId(hostNumber: number, ofport: number): number | undefined {
  const offset = ofport - FIRST_CONTROLLER_OFPORT;
  if (!Number.isInteger(hostNumber) || hostNumber < 1 || hostNumber > MAX_HOST_NUMBER) return undefined;
  if (!Number.isInteger(offset) || offset < 0 || offset >= 1 << PORT_OFFSET_BITS) return undefined;
  return (hostNumber << PORT_OFFSET_BITS) | offset;
}
