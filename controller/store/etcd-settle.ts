// What became of a transaction whose connection dropped after it was sent: etcd may or may
// not have applied it, and the client cannot tell from the error. The keys it writes and
// compares, read once the store answers again, do tell. If every key holds what the
// transaction wrote (deleted ones absent), it applied: ovsnet's values name their writer
// (an allocation names its endpoint, a record its host), so the same bytes from another
// writer would be the very state the caller wanted. If every compare still holds, it did
// not apply and may be sent again. Otherwise someone wrote in between, and the caller sees
// what a compare failing now would give it: its usual re-read and retry.

/** One key as read back: its value's bytes and mod_revision, or absent. */
export type ReadBack = { value: Buffer; modRevision: number } | undefined;

export interface WrittenTxn {
  /** Key to the bytes put there, or 'delete'. */
  writes: ReadonlyMap<string, Buffer | 'delete'>;
  /** Key to the mod_revision the transaction required (0: absent). */
  compares: ReadonlyArray<{ key: string; revision: number }>;
}

export type Settled = { outcome: 'applied'; revision: number } | { outcome: 'not-applied' } | { outcome: 'superseded' };

/** The outcome, from `read` (every written and compared key) as of `storeRevision`. */
export function settleUnknownTxn(txn: WrittenTxn, read: ReadonlyMap<string, ReadBack>, storeRevision: number): Settled {
  let revision = 0;
  let applied = true;
  for (const [key, wrote] of txn.writes) {
    const now = read.get(key);
    if (wrote === 'delete') {
      if (now !== undefined) applied = false;
    } else if (now === undefined || !now.value.equals(wrote)) {
      applied = false;
    } else {
      revision = Math.max(revision, now.modRevision);
    }
  }
  if (applied && txn.writes.size > 0) return { outcome: 'applied', revision: revision || storeRevision };
  const comparesHold = txn.compares.every(({ key, revision: wanted }) => {
    const now = read.get(key);
    return wanted === 0 ? now === undefined : now?.modRevision === wanted;
  });
  return comparesHold ? { outcome: 'not-applied' } : { outcome: 'superseded' };
}
