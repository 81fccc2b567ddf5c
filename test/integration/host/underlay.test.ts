// `--underlay-iface` on a real OVS: the interface becomes br-phy's port, its address and
// routes move to br-phy's internal port, the host still reaches its underlay neighbour (now
// through Open vSwitch), a second run changes nothing, and bad interfaces are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OvsdbClient } from '../../../ovsdb/client';
import { Vswitch } from '../../../ovsdb/vswitch/vswitch';
import { ensureUnderlayBridge, UNDERLAY_BRIDGE } from '../../../controller/host/underlay';
import { createLogger } from '../../../controller/log';
import { OvsInstance } from '../../harness/ovs';
import { Underlay } from '../../harness/overlay-hosts';
import { vethPair } from '../../harness/netns';
import { ping } from '../../harness/probes';
import { OVS_BINARIES, requireBinaries } from '../../harness/require';

const NEIGHBOUR = '192.168.63.99';
const HOST = '192.168.63.1/24';
const REMOTE_NET = '10.163.0.0/16';

test('--underlay-iface moves the underlay onto br-phy, keeps the host reachable, and is idempotent', async (t) => {
  if (!requireBinaries(t, [...OVS_BINARIES, 'ping'])) return;
  const underlay = await Underlay.create(NEIGHBOUR);
  t.after(() => underlay.destroy());
  const ovs = await OvsInstance.start();
  t.after(() => ovs.stop());
  const host = ovs.netns;
  await vethPair({ ns: host, name: 'eth7' }, { ns: underlay.ns, name: 'u-h1' });
  await underlay.ns.ip('link', 'set', 'u-h1', 'master', underlay.bridge, 'up');
  await host.ip('addr', 'add', HOST, 'dev', 'eth7');
  await host.ip('link', 'set', 'eth7', 'up');
  await host.ip('route', 'add', REMOTE_NET, 'via', NEIGHBOUR, 'dev', 'eth7');
  assert.equal(await ping(host, NEIGHBOUR, { timeoutMs: 3000 }), true, 'before: the kernel reaches the neighbour');

  const client = await OvsdbClient.connect(ovs.dbRemote);
  t.after(() => client.close());
  const vswitch = await Vswitch.open(client);
  const logger = createLogger({ level: 'silent' });
  const options = { iface: 'eth7', datapath: 'netdev' as const, netns: host.name, logger };
  const report = await ensureUnderlayBridge(vswitch, options);
  assert.deepEqual(report, { moved: [HOST], routes: [`${REMOTE_NET} via ${NEIGHBOUR}`] });

  assert.deepEqual(
    (await ovs.vsctl('list-ports', UNDERLAY_BRIDGE)).trim().split('\n'),
    ['eth7'],
    'the interface is br-phy’s port',
  );
  assert.match(await host.ip('-4', '-o', 'addr', 'show', 'dev', UNDERLAY_BRIDGE), /192\.168\.63\.1\/24/);
  assert.doesNotMatch(await host.ip('-4', '-o', 'addr', 'show', 'dev', 'eth7'), /inet /, 'gone from the interface');
  assert.match(await host.ip('route', 'show', REMOTE_NET), new RegExp(`via ${NEIGHBOUR} dev ${UNDERLAY_BRIDGE}`));
  assert.equal(await ping(host, NEIGHBOUR, { timeoutMs: 3000 }), true, 'after: reached through Open vSwitch');

  assert.deepEqual(
    await ensureUnderlayBridge(vswitch, options),
    { moved: [], routes: [] },
    'a restart changes nothing',
  );

  await assert.rejects(ensureUnderlayBridge(vswitch, { ...options, iface: 'nosuch0' }), /no such network interface/);
  await ovs.addNetdevBridge('br-other');
  await ovs.vsctl('del-port', UNDERLAY_BRIDGE, 'eth7', '--', 'add-port', 'br-other', 'eth7');
  await assert.rejects(ensureUnderlayBridge(vswitch, options), /already a port of another bridge/);
});
