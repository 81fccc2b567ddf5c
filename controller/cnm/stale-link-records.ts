// Host links (veths) whose owner is gone from the store but which may still exist on the
// host. Keys: `unlink/<link name>`. The transaction that deletes an endpoint or drops a
// pool slot writes the entry (see `staleLinkPut`), so a crash between that transaction and
// removing the link cannot leak it; controller/stale-links.ts removes the link and then
// forgets the entry.
//
// Host-local by nature: a link exists on one host only.
import type { KvStore } from '../store/kv';
import { keys } from './records';

/** Why the link was ours: the endpoint it served, or a pool slot. */
export type StaleLinkOrigin = { networkId: string; endpointId: string } | { pool: true };

/** The put that records `name` as stale, for the transaction that gives the link up. */
export function staleLinkPut(name: string, origin: StaleLinkOrigin): { key: string; value: StaleLinkOrigin } {
  return { key: keys.staleLink(name), value: origin };
}

export class StaleLinkStore {
  constructor(private readonly store: KvStore) {}

  /** Names of the host links still to be removed from the host. */
  async list(): Promise<string[]> {
    return (await this.store.list(keys.staleLinks())).map((e) => e.key.slice(keys.staleLinks().length));
  }

  async has(name: string): Promise<boolean> {
    return (await this.store.get(keys.staleLink(name))) !== undefined;
  }

  /** Records `name` as stale on its own: a link about to be made whose owner is not stored yet. */
  async record(name: string, origin: StaleLinkOrigin): Promise<void> {
    await this.store.txn({ puts: [staleLinkPut(name, origin)] });
  }

  /**
   * The links are gone from the host: one transaction for all. No compare is needed
   * (forgetting twice is harmless) and no listener is told: nothing OVS should hold depends
   * on the entries.
   */
  async forgetAll(names: readonly string[]): Promise<void> {
    if (names.length > 0) await this.store.txn({ deletes: names.map((name) => keys.staleLink(name)) });
  }
}
