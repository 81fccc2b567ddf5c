// A flow pass against a switch that fails mid-bundle: one that stops reading and then
// drops the connection, and one that stops reading and keeps it. Neither may leave the
// pass waiting for ever; the next pass, on a fresh session, installs everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchClient } from '../../../controller/openflow/switch-client';
import { OpenFlowError } from '../../../controller/openflow/connection';
import { OpenFlowSync } from '../../../controller/reconcile/flow-sync';
import type { DataplaneState } from '../../../controller/reconcile/ovs-dataplane';
import { readPid } from '../../../controller/ovs/private-ovs';
import { withOvs } from '../../harness/with-ovs';
import { AnsweringSwitches, type Connection } from './answering-switch';
import { BRIDGE, ofctlFlows } from './switch';

/** Enough endpoints that the bundle is megabytes: far more than a socket buffers. */
function bigState(): DataplaneState {
  const networks: DataplaneState['networks'] = [];
  const endpoints: DataplaneState['endpoints'] = [];
  for (let n = 1; n <= 8; n++) {
    const id = `net${n}`;
    networks.push({
      id,
      key: id,
      tag: n,
      icc: n % 2 === 0,
      internal: false,
      gatewayIfname: `ovsgw${n}`,
      ipv4: [{ pool: `10.${n}.0.0/16`, gateway: `10.${n}.0.1` }],
      ipv6: [],
    });
    for (let e = 0; e < 250; e++) {
      const ofport = 100 + n * 1000 + e;
      const mac = `02:00:00:00:${n.toString(16).padStart(2, '0')}:${e.toString(16).padStart(2, '0')}`;
      endpoints.push({
        networkId: id,
        endpointId: `ep-${n}-${e}`,
        ipv4: `10.${n}.${1 + (e >> 8)}.${e & 0xff}/16`,
        mac,
        hostIfname: `veth${n}x${e}`,
        containerIfname: `eth${n}x${e}`,
        ofport,
        plugged: true,
        realisedOfport: ofport,
      });
    }
  }
  return { networks, endpoints, gateways: new Map(networks.map((n) => [n.id, n.tag + 50_000])), rules: [] };
}

async function setup(
  t: { after(fn: () => unknown): void },
  deadlineMs: number,
): Promise<{ switches: AnsweringSwitches; sync: OpenFlowSync }> {
  const switches = await AnsweringSwitches.listen();
  const client = new SwitchClient(`unix:${switches.path}`, { minBackoffMs: 20, maxBackoffMs: 100, echoIntervalMs: 0 });
  t.after(() => {
    client.close();
    switches.close();
  });
  client.start();
  return { switches, sync: new OpenFlowSync(client, { timeoutMs: 5_000, deadlineMs }) };
}

test('a bundle in flight when the switch stops reading and drops the connection fails at once; the next pass converges', async (t) => {
  const { switches, sync } = await setup(t, 60_000);
  const state = bigState();
  switches.stallNext = true;
  const started = Date.now();
  const first = sync.sync(state);
  while (switches.connections.length === 0) await new Promise((r) => setTimeout(r, 10));
  const stalled = switches.connections[0] as Connection;
  await stalled.stalled;
  await new Promise((r) => setTimeout(r, 300)); // the controller's writes back up
  stalled.socket.destroy();
  await assert.rejects(first, (e: unknown) => e instanceof OpenFlowError && e.code === 'CLOSED');
  assert.ok(Date.now() - started < 10_000, 'the pass ended with the connection, not at its deadline');

  const second = await sync.sync(state);
  assert.ok(second.added > 10_000, `the whole table is installed again (${second.added} flows)`);
  assert.equal(switches.connections.length, 2);
  assert.equal(switches.connections[1]?.committed, second.added);
});

test('a switch that stops reading and keeps the connection is reset at the pass deadline; the next pass converges', async (t) => {
  const { switches, sync } = await setup(t, 1_000);
  const state = bigState();
  switches.stallNext = true;
  const started = Date.now();
  await assert.rejects(
    sync.sync(state),
    (e: unknown) => e instanceof OpenFlowError && e.code === 'TIMEOUT' && /within 1000 ms/.test(e.message),
  );
  const took = Date.now() - started;
  assert.ok(took >= 900 && took < 8_000, `the pass ended at its deadline (${took} ms)`);

  const second = await sync.sync(state);
  assert.equal(switches.connections.length, 2, 'the stuck session was given up for a new one');
  assert.equal(switches.connections[1]?.committed, second.added);
  assert.ok(second.added > 10_000);
});

test('a real ovs-vswitchd killed mid-bundle: the pass fails at once, and after its restart the next pass converges', async (t) => {
  await withOvs(t, async (ovs) => {
    await ovs.addNetdevBridge(BRIDGE);
    const client = new SwitchClient(`unix:${ovs.mgmtSocket(BRIDGE)}`, {
      minBackoffMs: 50,
      maxBackoffMs: 200,
      echoIntervalMs: 0,
    });
    t.after(() => client.close());
    client.start();
    const sync = new OpenFlowSync(client, { timeoutMs: 20_000, deadlineMs: 120_000 });
    await client.ready(10_000);
    const pid = readPid(ovs.ovs.pidfile('ovs-vswitchd')) as number;
    // Frozen, the switch reads nothing: the bundle backs up in the socket; then it dies.
    process.kill(pid, 'SIGSTOP');
    const started = Date.now();
    const pass = sync.sync(bigState());
    pass.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    process.kill(pid, 'SIGKILL');
    await assert.rejects(pass, (e: unknown) => e instanceof OpenFlowError && e.code === 'CLOSED');
    assert.ok(Date.now() - started < 10_000, 'the pass ended with the switch, not at a timeout');

    await ovs.ovs.startVswitchd();
    const again = await sync.sync(bigState());
    const dumped = (await ofctlFlows(ovs)).split('\n').filter((l) => l.includes('cookie=')).length;
    assert.equal(dumped, again.added, 'the restarted switch holds every flow of the pass');
  });
});
