import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKvStore } from '../../../controller/store/file-store';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('compare-and-swap: absent, current and stale revisions', async (t) => {
  const store = FileKvStore.open(tempDir(t));
  t.after(() => store.close());
  const created = await store.txn({
    compares: [{ key: 'net/a', revision: 0 }],
    puts: [{ key: 'net/a', value: { n: 1 } }],
  });
  assert.equal(created.succeeded, true);
  const again = await store.txn({
    compares: [{ key: 'net/a', revision: 0 }],
    puts: [{ key: 'net/a', value: { n: 2 } }],
  });
  assert.equal(again.succeeded, false, 'the key exists now');
  assert.deepEqual((await store.get('net/a'))?.value, { n: 1 }, 'a failed txn changes nothing');
  const current = (await store.get('net/a'))!.revision;
  assert.equal(
    (await store.txn({ compares: [{ key: 'net/a', revision: current }], puts: [{ key: 'net/a', value: { n: 3 } }] }))
      .succeeded,
    true,
  );
  assert.equal(
    (await store.txn({ compares: [{ key: 'net/a', revision: current }], deletes: ['net/a'] })).succeeded,
    false,
    'stale',
  );
});

test('a transaction is all or nothing across keys', async (t) => {
  const store = FileKvStore.open(tempDir(t));
  t.after(() => store.close());
  await store.txn({ puts: [{ key: 'ip/10.0.0.2', value: 'ep1' }] });
  const r = await store.txn({
    compares: [{ key: 'ip/10.0.0.2', revision: 0 }],
    puts: [
      { key: 'ip/10.0.0.2', value: 'ep2' },
      { key: 'ep/ep2', value: { ip: '10.0.0.2' } },
    ],
  });
  assert.equal(r.succeeded, false);
  assert.equal(await store.get('ep/ep2'), undefined);
});

test('stored values are copies of what was put, and read-only for readers', async (t) => {
  const store = FileKvStore.open(tempDir(t));
  t.after(() => store.close());
  const value = { list: [1] };
  await store.txn({ puts: [{ key: 'k', value }] });
  value.list.push(2);
  const got = (await store.get('k'))!.value as { list: number[] };
  assert.throws(() => got.list.push(3), TypeError, 'a reader cannot change what others read');
  assert.deepEqual((await store.get('k'))!.value, { list: [1] });
  assert.deepEqual((await store.list('k'))[0]?.value, { list: [1] });
});

test('list returns keys under a prefix in order', async (t) => {
  const store = FileKvStore.open(tempDir(t));
  t.after(() => store.close());
  await store.txn({
    puts: [
      { key: 'ep/b', value: 2 },
      { key: 'ep/a', value: 1 },
      { key: 'net/x', value: 0 },
    ],
  });
  assert.deepEqual(
    (await store.list('ep/')).map((e) => e.key),
    ['ep/a', 'ep/b'],
  );
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
