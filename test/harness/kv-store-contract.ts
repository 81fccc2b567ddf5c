// What every KvStore promises the controller, run against each store (the embedded
// FileKvStore and the etcd cluster store) so the two stay interchangeable.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { KvStore } from '../../controller/store/kv';

/** A fresh, empty store closed when the test ends; undefined when the test was skipped. */
export type OpenStore = (t: TestContext) => Promise<KvStore | undefined>;

export function kvStoreContract(storeName: string, open: OpenStore): void {
  test(`${storeName}: compare-and-swap: absent, current and stale revisions`, async (t) => {
    const store = await open(t);
    if (!store) return;
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

  test(`${storeName}: an entry carries the revision its transaction returned; a failed one moves nothing`, async (t) => {
    const store = await open(t);
    if (!store) return;
    const written = await store.txn({ puts: [{ key: 'pool/a', value: 'x' }] });
    assert.equal(written.succeeded, true);
    assert.ok(written.revision >= 1);
    assert.equal((await store.get('pool/a'))?.revision, written.revision);
    const failed = await store.txn({ compares: [{ key: 'pool/a', revision: 0 }], deletes: ['pool/a'] });
    assert.deepEqual(failed, { succeeded: false, revision: written.revision });
    const next = await store.txn({ puts: [{ key: 'pool/b', value: 'y' }] });
    assert.ok(next.revision > written.revision, 'revisions increase');
    assert.equal((await store.get('pool/a'))?.revision, written.revision, 'untouched keys keep their revision');
  });

  test(`${storeName}: a transaction is all or nothing across keys`, async (t) => {
    const store = await open(t);
    if (!store) return;
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

  test(`${storeName}: within one transaction the last put of a key wins and a delete beats puts`, async (t) => {
    const store = await open(t);
    if (!store) return;
    const r = await store.txn({
      puts: [
        { key: 'k/a', value: 1 },
        { key: 'k/a', value: 2 },
        { key: 'k/b', value: 3 },
      ],
      deletes: ['k/b'],
    });
    assert.equal(r.succeeded, true);
    assert.deepEqual(
      (await store.list('k/')).map((e) => [e.key, e.value]),
      [['k/a', 2]],
    );
  });

  test(`${storeName}: stored values are copies of what was put, and read-only for readers`, async (t) => {
    const store = await open(t);
    if (!store) return;
    const value = { list: [1] };
    await store.txn({ puts: [{ key: 'k', value }] });
    value.list.push(2);
    const got = (await store.get('k'))!.value as { list: number[] };
    assert.throws(() => got.list.push(3), TypeError, 'a reader cannot change what others read');
    assert.deepEqual((await store.get('k'))!.value, { list: [1] });
    assert.deepEqual((await store.list('k'))[0]?.value, { list: [1] });
  });

  test(`${storeName}: list returns keys under a prefix in order`, async (t) => {
    const store = await open(t);
    if (!store) return;
    await store.txn({
      puts: [
        { key: 'ep/b', value: 2 },
        { key: 'ep/a', value: 1 },
        { key: 'net/x', value: 0 },
        { key: 'ep2/c', value: 3 },
        { key: 'ep/a/x', value: 4 },
      ],
    });
    assert.deepEqual(
      (await store.list('ep/')).map((e) => e.key),
      ['ep/a', 'ep/a/x', 'ep/b'],
    );
    assert.deepEqual(
      (await store.list('')).map((e) => e.key),
      ['ep/a', 'ep/a/x', 'ep/b', 'ep2/c', 'net/x'],
    );
    assert.deepEqual(await store.list('none/'), []);
  });
}
