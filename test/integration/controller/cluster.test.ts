// One host of a cluster, on a real OVS and a real etcd: what other hosts change reaches its
// bridge through the watch alone; while etcd is away a create fails within 10 s saying so
// and nothing installed is touched, and everything resumes once etcd is back; a host that
// returns takes the cluster's word over its own; an attach whose answer etcd lost is settled
// once etcd answers again.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { withControllerHost, type ControllerHost, type HostOptions } from './fixture';
import { Etcd } from '../../harness/etcd';
import { makeRunDir } from '../../harness/ledger';
import { ETCD_BINARIES, requireBinaries } from '../../harness/require';
import { ping } from '../../harness/probes';
import { until } from '../../harness/until';
import { Registry } from '../../../controller/cnm/registry';
import { CLUSTER_PREFIXES, RELEASE_PREFIXES } from '../../../controller/cnm/records';
import { EtcdKvStore } from '../../../controller/store/etcd-store';
import { FileKvStore } from '../../../controller/store/file-store';
import { TieredKvStore } from '../../../controller/store/tiered-store';
import { isControllerError } from '../../../controller/errors';
import { isOutcomeUnknown } from '../../../controller/store/etcd-calls';
import { vethNamesFor } from '../../../controller/host/links';
import { CuttingProxy } from '../../harness/cutting-proxy';
import { Netns } from '../../harness/netns';
import type { ClusterConfig } from '../../../controller/cluster/config';

/** Runs body against a host whose daemon is on a private etcd of the test's own. */
async function withClusterHost(
  t: TestContext,
  options: { cluster?: Partial<ClusterConfig>; host?: Omit<HostOptions, 'cluster' | 'needs'> },
  body: (host: ControllerHost, etcd: Etcd) => Promise<void>,
): Promise<void> {
  if (!requireBinaries(t, ETCD_BINARIES)) return;
  const etcd = await Etcd.start();
  t.after(() => etcd.stop());
  const cluster = clusterOf(etcd, options.cluster);
  await withControllerHost(t, { needs: ['ping'], cluster, ...options.host }, async (host, scope) => {
    scope.showLogs(etcd);
    await body(host, etcd);
  });
}

const clusterOf = (etcd: Etcd, extra: Partial<ClusterConfig> = {}): ClusterConfig => ({
  etcd: { endpoints: [etcd.clientUrl] },
  hostId: 'h-local',
  tunnelIp: '192.0.2.10',
  // No Docker here: the machine's own engine, if any, is left alone.
  dockerSync: false,
  ...extra,
});

/** The registry of another host of the same cluster, in this test process. */
function anotherHost(t: TestContext, etcd: Etcd): Registry {
  const dir = makeRunDir('state');
  const store = new TieredKvStore(FileKvStore.open(dir), EtcdKvStore.open({ endpoints: [etcd.clientUrl] }), {
    clusterPrefixes: CLUSTER_PREFIXES,
    releasePrefixes: RELEASE_PREFIXES,
  });
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return new Registry(store, { hostId: 'h-other' });
}

function flowLines(dump: string): string[] {
  return dump
    .split('\n')
    .filter((l) => l.includes('cookie='))
    .map((l) => l.replace(/ duration=[^,]+,| n_packets=\d+,| n_bytes=\d+,| idle_age=\d+,| hard_age=\d+,/g, '').trim())
    .sort();
}

const ports = async (host: ControllerHost): Promise<string[]> =>
  (await host.ovs.vsctl('list-ports', 'br-int')).split('\n').filter(Boolean);

test("another host's changes reach this host's reconcilers through the watch, and its bridge", async (t) => {
  await withClusterHost(t, { host: { driftPeriodMs: 600_000 } }, async (host, etcd) => {
    const { daemon } = host;
    assert.deepEqual(
      (await daemon.registry.hosts.list()).map((h) => [h.id, h.tunnelIp]),
      [['h-local', '192.0.2.10']],
      'this host is registered with its tunnel address',
    );
    assert.equal(daemon.info.get('clusterStore'), etcd.clientUrl);
    assert.equal(daemon.info.get('hostId'), 'h-local');
    assert.equal(daemon.info.get('tunnelIp'), '192.0.2.10');
    assert.equal(daemon.info.get('clusterStoreReachable'), 'yes');

    const other = anotherHost(t, etcd);
    const made = await other.networks.create({
      id: 'made-elsewhere',
      ipv4: [{ pool: '10.61.0.0/24', gateway: '10.61.0.1' }],
      ipv6: [],
      icc: true,
      internal: false,
    });
    const gateway = made.gatewayIfname;
    await until('the gateway port of a network made on another host', async () =>
      (await ports(host)).includes(gateway),
    );
    const number = (await daemon.registry.gatewayPorts.numbers()).get('made-elsewhere');
    assert.equal(
      (await host.ovs.vsctl('get', 'Interface', gateway, 'ofport_request')).trim(),
      String(number),
      'the gateway port has the number this host claimed for it',
    );
    const mine = await host.container('made-elsewhere', 'ep-here-0123456789', '10.61.0.2/24');
    // Nothing this host does follows from another host's endpoint: only the watch can tell
    // the reconcilers about it.
    let told = 0;
    const unsubscribe = daemon.registry.onChange(() => told++);
    t.after(unsubscribe);
    const theirs = await other.endpoints.create({
      networkId: 'made-elsewhere',
      endpointId: 'ep-there-0123456789',
      ipv4: '10.61.0.3/24',
    });
    await until("this host's reconcilers to hear of another host's endpoint", () => told > 0, 3000);
    assert.ok(await ping(mine.ns, '10.61.0.1', { timeoutMs: 2000 }), 'a container here reaches its gateway');
    assert.deepEqual(
      (await daemon.registry.remoteEndpoints()).map((e) => [e.endpointId, e.host, e.alive]),
      [['ep-there-0123456789', 'h-other', false]],
      "the other host's endpoint is known as remote (that host has no live record in this test)",
    );
    await daemon.dataplane.waitSynced(10_000);
    assert.ok(!(await ports(host)).includes(theirs.hostIfname), "another host's endpoint gets no port here");
  });
});

test('etcd unreachable: a create fails within 10 s saying so, flows and traffic stay; all resumes when etcd is back', async (t) => {
  await withClusterHost(t, { cluster: { hostTtlSeconds: 3 } }, async (host, etcd) => {
    const { daemon } = host;
    await host.network('n', '10.62.0.0/24');
    const a = await host.container('n', 'ep-a-0123456789', '10.62.0.2/24');
    await host.container('n', 'ep-b-0123456789', '10.62.0.3/24');
    await daemon.dataplane.waitSynced(10_000);
    const before = flowLines(await host.ovs.ofctl('-O', 'OpenFlow13', 'dump-flows', 'br-int'));

    await etcd.stopKeepingData();
    const started = Date.now();
    await assert.rejects(
      daemon.service.createEndpoint({ networkId: 'n', endpointId: 'ep-c-0123456789', ipv4: '10.62.0.4/24' }),
      (error: unknown) =>
        isControllerError(error, 'UNAVAILABLE') &&
        /the cluster store at http:\/\/127\.0\.0\.1:\d+ is unreachable/.test(error.message),
    );
    const took = Date.now() - started;
    assert.ok(took < 11_000, `the create failed after ${took} ms`);
    await until('status to say the cluster store is unreachable', () =>
      (daemon.info.get('clusterStoreReachable') ?? '').startsWith('no'),
    );
    assert.ok(await ping(a.ns, '10.62.0.3', { timeoutMs: 2000 }), 'containers keep talking');
    const during = flowLines(await host.ovs.ofctl('-O', 'OpenFlow13', 'dump-flows', 'br-int'));
    assert.deepEqual(during, before, 'no flow was touched while passes could not read the store');

    await etcd.restart();
    await until(
      'status to say the cluster store is reachable',
      () => daemon.info.get('clusterStoreReachable') === 'yes',
    );
    const c = await host.container('n', 'ep-c-0123456789', '10.62.0.4/24');
    assert.ok(await ping(c.ns, '10.62.0.2', { timeoutMs: 2000 }), 'a container created after the outage works');
    await until('this host to be registered again', async () =>
      (await daemon.registry.hosts.list()).some((h) => h.id === 'h-local'),
    );
  });
});

test("a returning host takes the cluster's word: its endpoint deleted elsewhere meanwhile goes from here too", async (t) => {
  // No --tunnel-ip here: the daemon takes the source address of its route to etcd.
  await withClusterHost(t, { cluster: { tunnelIp: undefined }, host: { portPool: 0 } }, async (host, etcd) => {
    assert.equal(host.daemon.info.get('tunnelIp'), '127.0.0.1', 'the route to etcd on loopback');
    await host.network('n', '10.63.0.0/24');
    const a = await host.container('n', 'ep-a-0123456789', '10.63.0.2/24');
    await host.container('n', 'ep-b-0123456789', '10.63.0.3/24');
    const gone = await host.daemon.service.endpointInfo('n', 'ep-b-0123456789');
    await host.daemon.stop();
    // While this host is away, the cluster drops its endpoint (as `ovsnet host rm` would).
    await anotherHost(t, etcd).endpoints.delete('n', 'ep-b-0123456789');
    await host.startDaemonAgain();
    await until('its port to leave the bridge', async () => !(await ports(host)).includes(gone.hostIfname));
    await until('its veth to be removed', async () => !(await host.linkExists(gone.hostIfname)));
    assert.ok(await ping(a.ns, '10.63.0.1', { timeoutMs: 2000 }), 'the endpoint the cluster kept still works');
    assert.deepEqual(
      (await host.daemon.registry.endpoints.list()).map((e) => e.endpointId),
      ['ep-a-0123456789'],
      'nothing of the local view was written back',
    );
  });
});

test('an attach whose answer etcd lost: its veth waits for etcd, then goes with the endpoint stored after all; a retry is refused meanwhile and works after', async (t) => {
  if (!requireBinaries(t, ETCD_BINARIES)) return;
  const etcd = await Etcd.start();
  t.after(() => etcd.stop());
  const url = new URL(etcd.clientUrl);
  // The daemon reaches etcd through a relay that can lose etcd's answers.
  const relay = await CuttingProxy.start(t, { host: url.hostname, port: Number(url.port) });
  const cluster = clusterOf(etcd, { etcd: { endpoints: [relay.url], timeoutMs: 3_000 } });
  await withControllerHost(t, { cluster }, async (host, scope) => {
    scope.showLogs(etcd);
    const { daemon } = host;
    await host.network('n', '10.64.0.0/24');
    const ns = await Netns.create('c');
    t.after(() => ns.destroy());
    const endpointId = 'ep-lost-0123456789';
    const veth = vethNamesFor(endpointId).host;
    const attach = (): ReturnType<typeof daemon.service.createJoined> =>
      daemon.service.createJoined(
        {
          networkId: 'n',
          endpointId,
          ipv4: '10.64.0.5/24',
          attachment: { containerId: 'lost', containerIface: 'eth1' },
        },
        ns.path,
        () => Promise.resolve(),
      );

    relay.mode = 'lose-answers';
    await assert.rejects(attach(), (error: unknown) => isOutcomeUnknown(error));
    assert.ok(await anotherHost(t, etcd).endpoints.get('n', endpointId), 'etcd stored the endpoint all the same');
    assert.equal(await host.linkExists(veth), true, 'its veth stays while etcd cannot say');
    daemon.service.sweepStaleLinks();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(await host.linkExists(veth), true, 'a sweep leaves it too');
    await assert.rejects(
      attach(),
      (error: unknown) => isControllerError(error, 'CONFLICT') && /has not finished/.test(error.message),
      'a retry while the first attempt is unsettled',
    );

    relay.mode = 'pass';
    relay.cutAll();
    await until(
      'the endpoint stored after all to go, with its veth',
      async () =>
        (await daemon.registry.endpoints.get('n', endpointId)) === undefined && !(await host.linkExists(veth)),
      20_000,
    );
    assert.equal(await anotherHost(t, etcd).endpoints.get('n', endpointId), undefined, 'gone from etcd too');
    const { endpoint } = await attach();
    assert.equal(endpoint.ipv4, '10.64.0.5/24', 'the retry gets the address');
    await until('its port on the bridge', async () => (await ports(host)).includes(veth));
  });
});
