// Pool slots: `pool/<host ifname>` records of veth pairs made ahead of demand (see
// port-pool.ts), each holding an OpenFlow port number under `ofport/<n>`. A slot is
// reserved before its veth exists (so a crash leaves a record the next start finds and
// drops), marked made once the veth exists (only then does its port go on the bridge),
// and either claimed by a joining endpoint or dropped; dropping records its veth as a
// stale link. Every step is one transaction: a claim moves the slot's veth, port and port
// number into the endpoint and deletes the slot at once, and two joins never get the same
// slot.
//
// Host-local by nature: the veths and port numbers belong to one host's bridge.
import { randomBytes } from 'node:crypto';
import type { KvEntry } from '../store/kv';
import { freeOfportsAnywhere } from './allocators';
import type { CasCommitter } from './cas';
import type { EndpointStore } from './endpoints';
import { endpointOwner, keys, poolOwner, type EndpointRecord, type PoolSlotRecord } from './records';
import { staleLinkPut } from './stale-link-records';

export class PoolSlotStore {
  constructor(
    private readonly cas: CasCommitter,
    private readonly endpoints: EndpointStore,
  ) {}

  async list(): Promise<PoolSlotRecord[]> {
    return (await this.cas.store.list(keys.poolSlots())).map((e) => e.value as PoolSlotRecord);
  }

  /** Reserves `count` new slots (veth names and OpenFlow port numbers) before their veths exist. */
  async add(count: number): Promise<PoolSlotRecord[]> {
    return this.cas.commit<PoolSlotRecord[]>(async () => {
      const slots = (await freeOfportsAnywhere(this.cas.store, count)).map((ofport): PoolSlotRecord => {
        const tag = randomBytes(6).toString('hex').slice(0, 11);
        return { hostIfname: `ovp${tag}`, containerIfname: `ovq${tag}`, ofport };
      });
      return {
        result: slots,
        txn: {
          compares: slots.flatMap((s) => [
            { key: keys.poolSlot(s.hostIfname), revision: 0 },
            { key: keys.ofport(s.ofport), revision: 0 },
          ]),
          puts: slots.flatMap((s) => [
            { key: keys.poolSlot(s.hostIfname), value: s },
            { key: keys.ofport(s.ofport), value: poolOwner(s.hostIfname) },
          ]),
        },
      };
    });
  }

  /** The slots' veth pairs exist: their ports may go on the bridge. */
  async markMade(names: string[]): Promise<void> {
    if (names.length === 0) return;
    await this.cas.commit<void>(async () => {
      const entries = await this.entries(names);
      return {
        result: undefined,
        txn: {
          compares: entries.map((e) => ({ key: e.key, revision: e.revision })),
          puts: entries.map((e) => ({ key: e.key, value: { ...(e.value as PoolSlotRecord), made: true } })),
        },
      };
    });
  }

  /** Gives slots up: their ports leave the bridge, and their veths are recorded as stale links. */
  async drop(names: string[]): Promise<void> {
    if (names.length === 0) return;
    await this.cas.commit<void>(async () => {
      const entries = await this.entries(names);
      if (entries.length === 0) return { done: undefined };
      const slots = entries.map((e) => e.value as PoolSlotRecord);
      return {
        result: undefined,
        txn: {
          compares: entries.map((e) => ({ key: e.key, revision: e.revision })),
          deletes: slots.flatMap((s) => [keys.poolSlot(s.hostIfname), keys.ofport(s.ofport)]),
          puts: slots.map((s) => staleLinkPut(s.hostIfname, { pool: true })),
        },
      };
    });
  }

  /**
   * Plugs an endpoint into a slot: the endpoint takes the slot's veth, port and port
   * number, and the slot is gone. Undefined when another join took the slot first (or it
   * is not made yet); the endpoint as it is when it was already plugged (a retried join).
   */
  async claim(
    networkId: string,
    endpointId: string,
    slotName: string,
    sandboxKey: string,
  ): Promise<EndpointRecord | undefined> {
    return this.cas.commit<EndpointRecord | undefined>(async () => {
      const { entry, record: before } = await this.endpoints.requireEntry(networkId, endpointId);
      if (before.plugged) return { done: before };
      const slotEntry = await this.cas.store.get(keys.poolSlot(slotName));
      if (!slotEntry) return { done: undefined };
      const slot = slotEntry.value as PoolSlotRecord;
      if (!slot.made) return { done: undefined };
      const after: EndpointRecord = {
        ...before,
        hostIfname: slot.hostIfname,
        containerIfname: slot.containerIfname,
        ofport: slot.ofport,
        plugged: true,
        pooled: true,
        sandboxKey,
      };
      return {
        result: after,
        txn: {
          compares: [
            { key: entry.key, revision: entry.revision },
            { key: slotEntry.key, revision: slotEntry.revision },
          ],
          puts: [
            { key: entry.key, value: after },
            { key: keys.ofport(slot.ofport), value: endpointOwner(networkId, endpointId) },
          ],
          deletes: [slotEntry.key, keys.ofport(before.ofport)],
        },
      };
    });
  }

  /** The stored entries of those of the named slots that still exist. */
  private async entries(names: string[]): Promise<KvEntry[]> {
    return (await Promise.all(names.map((n) => this.cas.store.get(keys.poolSlot(n))))).filter((e) => e !== undefined);
  }
}
