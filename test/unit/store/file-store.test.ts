import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKvStore } from '../../../controller/store/file-store';
import { kvStoreContract } from '../../harness/kv-store-contract';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

kvStoreContract('FileKvStore', (t) => {
  const store = FileKvStore.open(tempDir(t));
  t.after(() => store.close());
  return Promise.resolve(store);
});

test('state survives reopen, through compaction, and a torn journal tail is ignored', async (t) => {
  const dir = tempDir(t);
  const store = FileKvStore.open(dir, { compactEvery: 7 });
  const writes: Array<Promise<unknown>> = [];
  for (let i = 0; i < 25; i++) writes.push(store.txn({ puts: [{ key: `k/${String(i).padStart(2, '0')}`, value: i }] }));
  await Promise.all(writes);
  await store.txn({ deletes: ['k/03'] });
  await store.close();
  appendFileSync(join(dir, 'journal.jsonl'), '{"rev":999,"puts":[["k/torn",'); // died mid-write

  const reopened = FileKvStore.open(dir);
  t.after(() => reopened.close());
  const keys = (await reopened.list('k/')).map((e) => e.key);
  assert.equal(keys.length, 24);
  assert.ok(!keys.includes('k/03'));
  assert.ok(!keys.includes('k/torn'));
  assert.equal((await reopened.get('k/24'))?.value, 24);
  const next = await reopened.txn({ puts: [{ key: 'k/new', value: true }] });
  assert.ok(next.revision > 25, 'revisions keep increasing after reopen');
});

test('a listing repeated between writes is the same, and each write shows in the next one', async (t) => {
  const store = FileKvStore.open(tempDir(t));
  t.after(() => store.close());
  await store.txn({
    puts: [
      { key: 'ep/n/b', value: { n: 2 } },
      { key: 'ep/n/a', value: { n: 1 } },
      { key: 'x', value: 0 },
    ],
  });
  const first = await store.list('ep/');
  assert.deepEqual(
    first.map((e) => e.key),
    ['ep/n/a', 'ep/n/b'],
  );
  first.pop(); // a caller's own array: changing it changes nothing in the store
  assert.equal((await store.list('ep/')).length, 2);
  assert.throws(() => {
    (first[0] as { revision: number }).revision = 99;
  }, TypeError);
  await store.txn({ puts: [{ key: 'ep/n/c', value: { n: 3 } }], deletes: ['ep/n/a'] });
  const after = await store.list('ep/');
  assert.deepEqual(
    after.map((e) => [e.key, e.value]),
    [
      ['ep/n/b', { n: 2 }],
      ['ep/n/c', { n: 3 }],
    ],
  );
  const failed = await store.txn({ compares: [{ key: 'ep/n/b', revision: 0 }], puts: [{ key: 'ep/n/d', value: 4 }] });
  assert.equal(failed.succeeded, false);
  assert.deepEqual(
    (await store.list('ep/')).map((e) => e.key),
    ['ep/n/b', 'ep/n/c'],
  );
});
