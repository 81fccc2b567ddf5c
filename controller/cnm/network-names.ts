// A network's name, learned after its creation: Docker never tells a driver a network's
// name, so in a cluster the Docker sync reads it from the creating host's dockerd and
// records it here. A network whose key was only derived (its id, or vni-<vni>) takes the
// name as its key too, moving its `netkey/` index in the same transaction, so other hosts
// find it by name; a key given with `-o ovsnet.name` stays.
import { conflict } from '../errors';
import type { CasCommitter } from './cas';
import { keys, type NetworkRecord } from './records';

export type NameOutcome = 'named' | 'already-named' | 'gone';

export class NetworkNames {
  constructor(private readonly cas: CasCommitter) {}

  /** Records `name`; CONFLICT when another network's key is that name. */
  async learn(networkId: string, name: string): Promise<NameOutcome> {
    const { store } = this.cas;
    return this.cas.commit<NameOutcome>(async () => {
      const entry = await store.get(keys.network(networkId));
      if (!entry) return { done: 'gone' };
      const record = entry.value as NetworkRecord;
      if (record.name !== undefined) return { done: 'already-named' };
      const holder = await store.get(keys.networkKey(name));
      if (holder && holder.value !== networkId)
        throw conflict(`the name "${name}" is the key of network "${String(holder.value)}"`);
      const derived = record.key === record.id || record.key === `vni-${record.vni}`;
      const key = derived ? name : record.key;
      const moves = derived && key !== record.key;
      return {
        result: 'named',
        txn: {
          compares: [
            { key: entry.key, revision: entry.revision },
            ...(moves ? [{ key: keys.networkKey(name), revision: 0 }] : []),
          ],
          puts: [
            { key: entry.key, value: { ...record, name, key } },
            ...(moves ? [{ key: keys.networkKey(name), value: networkId }] : []),
          ],
          deletes: moves ? [keys.networkKey(record.key)] : [],
        },
      };
    });
  }
}
