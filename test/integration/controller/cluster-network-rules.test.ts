// Allow rules given with a network, across a cluster (real etcd, real OVS, real packets):
// a network another host created with rules is enforced on this host's bridge, listed here
// as the network's; this host's own copy of the network (what its Docker's CreateNetwork
// asks for) is the same network when it gives the same rules in any order, and is refused,
// naming the rules, when it gives others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { withControllerHost } from './fixture';
import { Etcd } from '../../harness/etcd';
import { makeRunDir } from '../../harness/ledger';
import { ETCD_BINARIES, requireBinaries } from '../../harness/require';
import { ping } from '../../harness/probes';
import { until } from '../../harness/until';
import { Registry } from '../../../controller/cnm/registry';
import { CLUSTER_PREFIXES, RELEASE_PREFIXES } from '../../../controller/cnm/records';
import { parseNetworkRules } from '../../../controller/cnm/network-rules';
import { ruleStatuses } from '../../../controller/cnm/rule-status';
import { EtcdKvStore } from '../../../controller/store/etcd-store';
import { FileKvStore } from '../../../controller/store/file-store';
import { TieredKvStore } from '../../../controller/store/tiered-store';
import type { NetworkSpec } from '../../../controller/cnm/types';

const RULES = '10.62.0.2>10.62.0.3:icmp;10.62.0.4>10.62.0.3:tcp/80';

const shop = (id: string, rules: string): NetworkSpec => ({
  id,
  key: 'shop',
  ipv4: [{ pool: '10.62.0.0/24', gateway: '10.62.0.1' }],
  ipv6: [],
  icc: false,
  internal: false,
  allow: parseNetworkRules(rules),
});

test("a network's rules reach every host with its cluster record; another host's copy must give the same rules", async (t) => {
  if (!requireBinaries(t, ETCD_BINARIES)) return;
  const etcd = await Etcd.start();
  t.after(() => etcd.stop());
  const cluster = {
    etcd: { endpoints: [etcd.clientUrl] },
    hostId: 'h-local',
    tunnelIp: '192.0.2.10',
    dockerSync: false,
  };
  await withControllerHost(t, { needs: ['ping'], cluster }, async (host, scope) => {
    scope.showLogs(etcd);
    // Another host of the cluster, in this process: it creates the network with its rules.
    const dir = makeRunDir('state');
    const store = new TieredKvStore(FileKvStore.open(dir), EtcdKvStore.open({ endpoints: [etcd.clientUrl] }), {
      clusterPrefixes: CLUSTER_PREFIXES,
      releasePrefixes: RELEASE_PREFIXES,
    });
    t.after(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const other = new Registry(store, { hostId: 'h-other' });
    const made = await other.networks.create(shop('made-elsewhere', RULES));

    const { daemon } = host;
    await until(
      'the network reaches this host',
      async () => (await daemon.registry.networks.get(made.id)) !== undefined,
    );
    const a = await host.container(made.id, 'ep-a-0123456789', '10.62.0.2/24');
    const b = await host.container(made.id, 'ep-b-0123456789', '10.62.0.3/24');
    const c = await host.container(made.id, 'ep-c-0123456789', '10.62.0.4/24');
    await daemon.dataplane.waitSynced(10_000);
    await until('a pings b (the network’s icmp rule)', () => ping(a.ns, b.ip, { timeoutMs: 1000 }), 10_000);
    assert.equal(await ping(b.ns, a.ip, { timeoutMs: 1000 }), false, 'b does not open a connection to a');
    assert.equal(await ping(c.ns, b.ip, { timeoutMs: 1000 }), false, 'c may reach b on tcp/80 only');
    assert.deepEqual(
      (await ruleStatuses(daemon.registry)).map((r) => [r.origin, r.from, r.to, r.proto, r.matches.to.length]),
      [
        ['network', '10.62.0.2', '10.62.0.3', 'icmp', 1],
        ['network', '10.62.0.4', '10.62.0.3', 'tcp', 1],
      ],
      "listed here as the network's rules",
    );

    // This host's Docker creating its copy of the network.
    const reordered = RULES.split(';').reverse().join(';');
    const copy = await daemon.service.createNetwork(shop('docker-id-here', reordered));
    assert.equal(copy.id, made.id, 'the same rules in another order: the same network');
    await assert.rejects(
      daemon.service.createNetwork(shop('docker-id-other', '10.62.0.2>10.62.0.3')),
      /allow rules 10\.62\.0\.2>10\.62\.0\.3 here, 10\.62\.0\.2>10\.62\.0\.3:icmp;10\.62\.0\.4>10\.62\.0\.3:tcp\/80 there/,
    );
  });
});
