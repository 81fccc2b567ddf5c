// The tiered store with a real etcd as its cluster side: the KvStore contract, two hosts
// racing for the same cluster-wide claim while each claims host-local keys of its own, and
// hosts composed as the daemon composes them (etcd read through the cluster mirror) racing
// to create networks whose subnets overlap.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdSharedByFile } from '../../harness/etcd';
import { kvStoreContract } from '../../harness/kv-store-contract';
import { EtcdKvStore } from '../../../controller/store/etcd-store';
import { FileKvStore } from '../../../controller/store/file-store';
import { TieredKvStore } from '../../../controller/store/tiered-store';
import { CLUSTER_PREFIXES, RELEASE_PREFIXES } from '../../../controller/cnm/records';
import { ClusterMirror } from '../../../controller/store/cluster-mirror';
import { Registry } from '../../../controller/cnm/registry';
import { isControllerError } from '../../../controller/errors';
import { silentLogger } from '../../../controller/log';

const sharedEtcd = etcdSharedByFile();

let prefixes = 0;
/** A host's tiered store; hosts of one test share the cluster prefix `cluster`. */
async function hostStore(
  t: TestContext,
  cluster: string,
  options: { mirrored?: boolean } = {},
): Promise<TieredKvStore | undefined> {
  const etcd = await sharedEtcd(t);
  if (!etcd) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-tiered-etcd-'));
  const etcdStore = EtcdKvStore.open({ endpoints: [etcd.clientUrl], prefix: `/ovsnet-test-${process.pid}/${cluster}` });
  const clusterStore = options.mirrored ? await ClusterMirror.open(etcdStore, silentLogger) : etcdStore;
  const store = new TieredKvStore(FileKvStore.open(dir), clusterStore, {
    clusterPrefixes: CLUSTER_PREFIXES,
    releasePrefixes: RELEASE_PREFIXES,
  });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

kvStoreContract('TieredKvStore on etcd', (t) => hostStore(t, `contract-${++prefixes}`));
kvStoreContract('TieredKvStore on the cluster mirror', (t) =>
  hostStore(t, `mirror-contract-${++prefixes}`, { mirrored: true }),
);

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

test('three hosts create networks with overlapping subnets at once: one wins, the others name it', async (t) => {
  const cluster = `overlap-${++prefixes}`;
  const stores = await Promise.all(['h1', 'h2', 'h3'].map(() => hostStore(t, cluster, { mirrored: true })));
  if (stores.some((s) => s === undefined)) return;
  const hosts = (stores as TieredKvStore[]).map((store, i) => new Registry(store, { hostId: `h${i + 1}` }));
  // Each round, every host asks for a differently named network whose subnet overlaps the
  // others' (no name or key in common: only the subnets clash).
  const rounds = [
    ['10.95.0.0/24', '10.95.0.0/16', '10.95.0.128/25'],
    ['10.96.1.0/24', '10.96.0.0/22', '10.96.1.64/26'],
    ['10.97.0.0/20', '10.97.8.0/21', '10.97.15.0/24'],
  ];
  for (const [round, subnets] of rounds.entries()) {
    const outcomes = await Promise.allSettled(
      hosts.map((registry, h) =>
        registry.networks.create({
          id: `r${round}-h${h + 1}`,
          name: `r${round}-h${h + 1}`,
          ipv4: [{ pool: subnets[h] as string }],
          ipv6: [],
          icc: true,
          internal: false,
        }),
      ),
    );
    const won = outcomes.flatMap((o, h) => (o.status === 'fulfilled' ? [`r${round}-h${h + 1}`] : []));
    assert.equal(won.length, 1, `round ${round}: exactly one network made (${won.join(', ')})`);
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') continue;
      const error: unknown = outcome.reason;
      assert.ok(
        isControllerError(error) && error.message.includes(`of network "${won[0]}"`),
        `round ${round}: the refusal names the network holding the subnet: ${String(error)}`,
      );
    }
    for (const registry of hosts)
      assert.deepEqual(
        (await registry.networks.list()).filter((n) => n.id.startsWith(`r${round}-`)).map((n) => n.id),
        won,
        'every host holds the one network',
      );
  }
});
