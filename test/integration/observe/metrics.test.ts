// /metrics on a running daemon, scraped and parsed by the official Prometheus client's
// parser after a known workload, checked exactly: plugin calls through the real Docker
// plugin socket, control-socket calls, one hand-deleted flow, one hand-deleted port and
// one hand-changed bridge setting repaired, and per-endpoint packet and byte counters after
// a known number of pings. `ovsnet endpoint stats` answers the same counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withControllerHost, type Container } from '../controller/fixture';
import { callPlugin, tempPluginDir } from '../../harness/plugin-client';
import { scrape, type Scrape } from '../../harness/prometheus';
import { startDockerPlugin } from '../../../drivers/docker/plugin';
import { silentLogger } from '../../../controller/log';
import { callControl } from '../../../controller/control/client';
import type { Daemon } from '../../../controller/daemon';

const JOINS = 5;
const PINGS = 5;
/** An ICMP echo of ping's default 56 data bytes, on the wire: 14 + 20 + 8 + 56. */
const ECHO_FRAME_BYTES = 98;

const metricsUrl = (daemon: Daemon): string => `http://127.0.0.1:${daemon.observers[0]?.address.port ?? 0}/metrics`;

test('/metrics after a known workload: exact call counts, drift repairs of a flow, a port and the bridge, endpoint counters', async (t) => {
  const observe = { metrics: { host: '127.0.0.1', port: 0 } };
  await withControllerHost(t, { needs: ['ping', '/usr/bin/python3'], observe }, async (host) => {
    const daemon = host.daemon;
    const pluginDir = tempPluginDir(t);
    const plugin = await startDockerPlugin({
      pluginDir,
      network: daemon.service,
      ipam: daemon.ipam,
      logger: silentLogger,
      onCall: (method, seconds, failed) => daemon.recorder.call('plugin', method, seconds, failed),
    });
    t.after(() => plugin.close());
    const call = async (method: string, body: object): Promise<Record<string, unknown>> =>
      (await callPlugin(plugin.socketPath, method, body)).json;

    // What `docker network create` and five `docker run` send.
    const networkId = 'a1'.repeat(32);
    assert.deepEqual(
      await call('NetworkDriver.CreateNetwork', {
        NetworkID: networkId,
        Options: { 'com.docker.network.enable_ipv4': true, 'com.docker.network.enable_ipv6': false },
        IPv4Data: [{ AddressSpace: 'OvsnetLocal', Pool: '10.61.0.0/24', Gateway: '10.61.0.1/24' }],
        IPv6Data: [],
      }),
      {},
    );
    for (let i = 1; i <= JOINS; i++) {
      const endpointId = `${String(i).padStart(2, '0')}`.repeat(32);
      await call('NetworkDriver.CreateEndpoint', {
        NetworkID: networkId,
        EndpointID: endpointId,
        Interface: { Address: `10.61.0.${10 + i}/24`, AddressIPv6: '', MacAddress: '' },
        Options: {},
      });
      const joined = await call('NetworkDriver.Join', {
        NetworkID: networkId,
        EndpointID: endpointId,
        SandboxKey: `/var/run/docker/netns/sandbox${i}`,
        Options: {},
      });
      assert.ok(joined['InterfaceName'], `join ${i} answered ${JSON.stringify(joined)}`);
    }
    // One that fails: the endpoint does not exist.
    const refused = await call('NetworkDriver.Join', {
      NetworkID: networkId,
      EndpointID: 'ff'.repeat(32),
      SandboxKey: '/var/run/docker/netns/nope',
      Options: {},
    });
    assert.ok(refused['Err'], 'a join of an unknown endpoint is refused');
    for (let i = 0; i < 3; i++) await callControl(daemon.controlSocket, 'endpoint.ls', {});

    // Two namespace containers exchange a known number of pings. IPv6 is off on the host
    // side too, so the gateway's own neighbour discovery floods nothing into the network.
    await host.ovs.netns.exec('sysctl', [
      '-qw',
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
    ]);
    await host.network('pings', '10.62.0.0/24');
    const a = await host.container('pings', 'pings-a-0123456789', '10.62.0.2/24');
    const b = await host.container('pings', 'pings-b-0123456789', '10.62.0.3/24');
    for (const c of [a, b]) await c.ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    assert.equal(await ping(a, b.ip, 1), true, 'warm-up: a reaches b (both learn each other)');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await scrape(metricsUrl(daemon));
    assert.equal(await ping(a, b.ip, PINGS), true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await scrape(metricsUrl(daemon));

    const calls = (m: string): number | undefined => after.value('ovsnet_plugin_calls_total', { method: m });
    assert.equal(calls('NetworkDriver.Join'), JOINS + 1);
    assert.equal(after.value('ovsnet_plugin_call_errors_total', { method: 'NetworkDriver.Join' }), 1);
    assert.equal(calls('NetworkDriver.CreateEndpoint'), JOINS);
    assert.equal(calls('NetworkDriver.CreateNetwork'), 1);
    assert.equal(after.value('ovsnet_plugin_call_duration_seconds_count', { method: 'NetworkDriver.Join' }), JOINS + 1);
    assert.equal(after.value('ovsnet_control_calls_total', { method: 'endpoint.ls' }), 3);
    assert.equal(after.value('ovsnet_networks'), 2);
    assert.equal(after.value('ovsnet_endpoints'), JOINS + 2);
    assert.equal(after.value('ovsnet_ovsdb_connected'), 1);
    assert.equal(after.value('ovsnet_openflow_connected'), 1);
    // What the switch itself counts (the gauge is the daemon's last count, not a request).
    const counted = /flow_count=(\d+)/.exec(await host.ovs.ofctl('-O', 'OpenFlow13', 'dump-aggregate', 'br-int'));
    assert.equal(after.value('ovsnet_flows_in_table'), Number(counted?.[1]));
    assert.equal(after.value('ovsnet_flows_in_table'), after.value('ovsnet_flows_installed'));
    assert.ok((after.value('ovsnet_reconcile_passes_total') ?? 0) > 0);
    assert.ok((after.value('ovsnet_store_keys') ?? 0) > 0);
    assert.ok((after.value('ovsnet_store_fsync_duration_seconds_count') ?? 0) > 0);
    assert.ok((after.value('process_resident_memory_bytes') ?? 0) > 0, 'process metrics');

    const delta = (s: Scrape, c: Container, family: string, direction: string): number =>
      s.value(`ovsnet_endpoint_${family}_total`, {
        network: 'pings',
        container: c.endpointId.slice(0, 12),
        direction,
      }) ?? NaN;
    const change = (c: Container, family: string, direction: string): number =>
      delta(after, c, family, direction) - delta(before, c, family, direction);
    assert.deepEqual(
      {
        aSent: change(a, 'packets', 'sent'),
        aReceived: change(a, 'packets', 'received'),
        bSent: change(b, 'packets', 'sent'),
        bReceived: change(b, 'packets', 'received'),
        aSentBytes: change(a, 'bytes', 'sent'),
        bReceivedBytes: change(b, 'bytes', 'received'),
      },
      {
        aSent: PINGS,
        aReceived: PINGS,
        bSent: PINGS,
        bReceived: PINGS,
        aSentBytes: PINGS * ECHO_FRAME_BYTES,
        bReceivedBytes: PINGS * ECHO_FRAME_BYTES,
      },
    );
    // `ovsnet endpoint stats` answers the same counters.
    const [row] = await callControl(daemon.controlSocket, 'endpoint.stats', { name: a.endpointId });
    assert.ok(row && row.sent.packets >= delta(after, a, 'packets', 'sent'));

    // A flow deleted by hand is put back, and counted once as repaired.
    assert.equal(after.value('ovsnet_drift_repaired_total', { kind: 'flow_added' }), undefined);
    await host.ovs.ofctl(
      '-O',
      'OpenFlow13',
      'del-flows',
      '--strict',
      `unix:${host.ovs.mgmtSocket('br-int')}`,
      `table=6,priority=100,reg1=${b.ofport}`,
    );
    const deadline = Date.now() + 10_000;
    let repaired: number | undefined;
    while (Date.now() < deadline && repaired === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      repaired = (await scrape(metricsUrl(daemon))).value('ovsnet_drift_repaired_total', { kind: 'flow_added' });
    }
    assert.equal(repaired, 1, 'one flow put back');
    // Counted when found; the next pass puts it back.
    let back = false;
    for (const end = Date.now() + 10_000; !back && Date.now() < end;) back = await ping(a, b.ip, 1);
    assert.equal(back, true, 'and a reaches b again');

    // A port deleted by hand is added back by the next pass, and counted once as repaired.
    assert.equal(after.value('ovsnet_drift_repaired_total', { kind: 'port_added' }), undefined);
    const bPort = (await daemon.registry.endpoints.require(b.networkId, b.endpointId)).hostIfname;
    await host.ovs.vsctl('del-port', 'br-int', bPort);
    let readded: number | undefined;
    for (const end = Date.now() + 10_000; Date.now() < end && readded === undefined;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      readded = (await scrape(metricsUrl(daemon))).value('ovsnet_drift_repaired_total', { kind: 'port_added' });
    }
    assert.equal(readded, 1, 'one port put back');
    back = false;
    for (const end = Date.now() + 10_000; !back && Date.now() < end;) back = await ping(a, b.ip, 1);
    assert.equal(back, true, 'and a reaches b again through the re-added port');
    const settled = await scrape(metricsUrl(daemon));
    assert.deepEqual(
      ['port_added', 'port_modified', 'flow_added'].map((kind) =>
        settled.value('ovsnet_drift_repaired_total', { kind }),
      ),
      [1, undefined, 1],
      'each repair counted once, and a new endpoint or a recreated port is no repair',
    );

    // Bridge settings changed by hand are restored: one bridge repair, and the flows the
    // switch flushed with them are put back. A table check that happens to run between the
    // flush and the repair counts them as flow drift too, so flow_added is at least 1 here.
    await host.ovs.vsctl('set-fail-mode', 'br-int', 'standalone');
    let restored: number | undefined;
    for (const end = Date.now() + 10_000; Date.now() < end && restored === undefined;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      restored = (await scrape(metricsUrl(daemon))).value('ovsnet_drift_repaired_total', { kind: 'bridge' });
    }
    assert.equal(restored, 1, 'one bridge repair');
    assert.equal((await host.ovs.vsctl('get-fail-mode', 'br-int')).trim(), 'secure');
    back = false;
    for (const end = Date.now() + 10_000; !back && Date.now() < end;) back = await ping(a, b.ip, 1);
    assert.equal(back, true, 'a reaches b once the flows are back');
    const final = await scrape(metricsUrl(daemon));
    assert.deepEqual(
      ['bridge', 'port_added'].map((kind) => final.value('ovsnet_drift_repaired_total', { kind })),
      [1, 1],
    );
    assert.ok((final.value('ovsnet_drift_repaired_total', { kind: 'flow_added' }) ?? 0) >= 1);

    // Read-only: nothing but GET is served.
    assert.equal((await fetch(metricsUrl(daemon), { method: 'POST' })).status, 405);
  });
});

async function ping(from: Container, ip: string, count: number): Promise<boolean> {
  const r = await from.ns.tryExec('ping', ['-n', '-q', '-c', String(count), '-i', '0.2', '-W', '1', ip]);
  return r.code === 0;
}
