// The tiered store with a real etcd as its cluster side: the KvStore contract, and two hosts
// racing for the same cluster-wide claim while each claims host-local keys of its own.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd } from '../../harness/etcd';
import { ETCD_BINARIES, requireBinaries } from '../../harness/require';
import { kvStoreContract } from '../../harness/kv-store-contract';
import { EtcdKvStore } from '../../../controller/store/etcd-store';
import { FileKvStore } from '../../../controller/store/file-store';
import { TieredKvStore } from '../../../controller/store/tiered-store';
import { CLUSTER_PREFIXES, RELEASE_PREFIXES } from '../../../controller/cnm/records';

let etcd: Etcd | undefined;
after(() => etcd?.stop());

let prefixes = 0;
/** A host's tiered store; hosts of one test share the cluster prefix `cluster`. */
async function hostStore(t: TestContext, cluster: string): Promise<TieredKvStore | undefined> {
  if (!requireBinaries(t, ETCD_BINARIES)) return undefined;
  etcd ??= await Etcd.start();
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-tiered-etcd-'));
  const store = new TieredKvStore(
    FileKvStore.open(dir),
    EtcdKvStore.open({ endpoints: [etcd.clientUrl], prefix: `/ovsnet-test-${process.pid}/${cluster}` }),
    { clusterPrefixes: CLUSTER_PREFIXES, releasePrefixes: RELEASE_PREFIXES },
  );
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

kvStoreContract('TieredKvStore on etcd', (t) => hostStore(t, `contract-${++prefixes}`));

test('two hosts claim one address at once: one wins, the loser keeps no local claim', async (t) => {
  const cluster = `race-${++prefixes}`;
  const h1 = await hostStore(t, cluster);
  const h2 = await hostStore(t, cluster);
  if (!h1 || !h2) return;
  const create = (store: TieredKvStore, endpointId: string) =>
    store.txn({
      compares: [
        { key: 'addr/n1/10.0.0.2', revision: 0 },
        { key: 'ofport/40002', revision: 0 },
      ],
      puts: [
        { key: `ep/n1/${endpointId}`, value: { endpointId } },
        { key: 'addr/n1/10.0.0.2', value: endpointId },
        { key: 'ofport/40002', value: `endpoint:n1/${endpointId}` },
      ],
    });
  const [first, second] = await Promise.all([create(h1, 'ep-h1'), create(h2, 'ep-h2')]);
  assert.equal([first, second].filter((r) => r.succeeded).length, 1, 'exactly one host got the address');
  const winner = first.succeeded ? h1 : h2;
  const loser = first.succeeded ? h2 : h1;
  const owner = (await winner.get('addr/n1/10.0.0.2'))?.value;
  assert.equal((await loser.get('addr/n1/10.0.0.2'))?.value, owner, 'both hosts see the same owner');
  assert.equal((await winner.get('ofport/40002'))?.value, `endpoint:n1/${String(owner)}`);
  assert.equal(await loser.get('ofport/40002'), undefined, "the loser's port number claim was undone");
  assert.deepEqual(
    (await loser.list('ep/')).map((e) => e.key),
    [`ep/n1/${String(owner)}`],
  );
});
