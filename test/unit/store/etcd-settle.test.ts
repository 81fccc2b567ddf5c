// A transaction whose connection dropped after sending is judged by what its keys hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleUnknownTxn, type ReadBack } from '../../../controller/store/etcd-settle';

const bytes = (text: string): Buffer => Buffer.from(text);
const read = (entries: Record<string, ReadBack>): Map<string, ReadBack> => new Map(Object.entries(entries));

// Allocate address a for endpoint e1 if a is free, and bump the pool's version (at rev 7).
const allocate = {
  writes: new Map<string, Buffer | 'delete'>([
    ['addr/a', bytes('"e1"')],
    ['pool', bytes('{"v":8}')],
  ]),
  compares: [
    { key: 'addr/a', revision: 0 },
    { key: 'pool', revision: 7 },
  ],
};

test('every key holding what the transaction wrote: it applied, at the revision it wrote', () => {
  const state = read({
    'addr/a': { value: bytes('"e1"'), modRevision: 12 },
    pool: { value: bytes('{"v":8}'), modRevision: 12 },
  });
  assert.deepEqual(settleUnknownTxn(allocate, state, 15), { outcome: 'applied', revision: 12 });
});

test('the keys as the compares required: it never applied and may be sent again', () => {
  const state = read({ 'addr/a': undefined, pool: { value: bytes('{"v":7}'), modRevision: 7 } });
  assert.deepEqual(settleUnknownTxn(allocate, state, 9), { outcome: 'not-applied' });
});

test('another writer in between: superseded, as a compare failing now would say', () => {
  const state = read({
    'addr/a': { value: bytes('"e2"'), modRevision: 10 },
    pool: { value: bytes('{"v":8}'), modRevision: 10 },
  });
  assert.deepEqual(settleUnknownTxn(allocate, state, 10), { outcome: 'superseded' });
});

test('a delete counts as written when the key is gone; an unconditional write that did not land is sent again', () => {
  const remove = { writes: new Map<string, Buffer | 'delete'>([['addr/a', 'delete']]), compares: [] };
  assert.deepEqual(settleUnknownTxn(remove, read({ 'addr/a': undefined }), 20), { outcome: 'applied', revision: 20 });
  const put = { writes: new Map<string, Buffer | 'delete'>([['k', bytes('1')]]), compares: [] };
  assert.deepEqual(settleUnknownTxn(put, read({ k: { value: bytes('0'), modRevision: 3 } }), 3), {
    outcome: 'not-applied',
  });
});
