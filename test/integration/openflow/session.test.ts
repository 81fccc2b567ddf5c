// The OpenFlow session and flow installation against a real ovs-vswitchd.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Netns, uniqueIfname } from '../../harness/netns';
import { ping } from '../../harness/probes';
import { withOvs } from '../../harness/with-ovs';
import { listenForSwitches } from '../../../controller/openflow/switch-client';
import { installFlows, InstallError } from '../../../controller/openflow/install';
import type { OpenFlowSession } from '../../../controller/openflow/connection';
import type { OfpMessage } from '../../../flows/ofp/types';
import { canonicalFlowText } from '../../../flows/ofp/text';
import { sleep } from '../../../controller/ovs/private-ovs';
import { addFlow as add, CLASSIFY_PORT_1, ofctlFlows, sharedSwitch } from './switch';

function countFlows(dump: string): number {
  return dump.split('\n').filter((l) => l.includes('cookie=')).length;
}

// The tests run in order on one switch that starts with these three flows, installed as a bundle.
describe('installing flows on a real switch', () => {
  const flows = [
    CLASSIFY_PORT_1,
    add(
      1,
      50,
      0x11n,
      [
        { field: 'reg0', value: 5, mask: 0xffff },
        { field: 'eth_dst', value: '02:00:00:00:00:01' },
      ],
      [{ type: 'apply_actions', actions: [{ type: 'output', port: 2 }] }],
    ),
    add(1, 0, 0x12n, [], []),
  ];
  const rig = sharedSwitch({ prepare: ({ session }) => installFlows(session, flows, { mode: 'bundle' }) });

  test('the handshake learns the datapath id and describes the ports', (t) =>
    rig.run(t, async ({ session }) => {
      assert.ok(session.datapathId !== undefined && session.datapathId > 0n);
      const ports = await session.portDescriptions();
      assert.ok(
        ports.some((p) => p.name === 'br0'),
        'the bridge port is described',
      );
    }));

  test('after a bundle install the switch holds exactly the flows sent', (t) =>
    rig.run(t, async ({ ovs, session }) => {
      const dumped = await session.dumpFlows({ cookie: 0x10n, cookieMask: 0xf0n });
      assert.equal(dumped.length, 3);
      assert.deepEqual(
        dumped.map(canonicalFlowText).sort(),
        flows.map(canonicalFlowText).sort(),
        'the switch holds exactly what we sent',
      );
      assert.equal(countFlows(await ofctlFlows(ovs)), 3);
    }));

  test('one bad flow (goto_table backwards) sinks the whole bundle', (t) =>
    rig.run(t, async ({ ovs, session }) => {
      const bad = [
        add(2, 10, 0x20n, [], [{ type: 'apply_actions', actions: [{ type: 'output', port: 3 }] }]),
        add(3, 10, 0x21n, [], [{ type: 'goto_table', table: 1 }]),
      ];
      await assert.rejects(
        installFlows(session, bad, { mode: 'bundle' }),
        (e: unknown) => e instanceof InstallError && e.nothingApplied,
      );
      assert.equal(countFlows(await ofctlFlows(ovs)), 3, 'still only the first three flows');
    }));

  test('stream mode installs 500 flows behind one barrier, and their multipart dump is reassembled', (t) =>
    rig.run(t, async ({ session }) => {
      const many = Array.from({ length: 500 }, (_, i) =>
        add(
          4,
          10,
          0x40n,
          [{ field: 'reg1', value: i }],
          [{ type: 'apply_actions', actions: [{ type: 'output', port: 1 + (i % 7) }] }],
        ),
      );
      await installFlows(session, many, { mode: 'stream' });
      assert.equal((await session.dumpFlows({ tableId: 4 })).length, 500, 'multipart replies are reassembled');
    }));

  test("a delete by cookie removes only that feature's flows", (t) =>
    rig.run(t, async ({ ovs, session }) => {
      assert.equal(countFlows(await ofctlFlows(ovs)), 503, "the stream test's flows are there to delete");
      await installFlows(session, [
        {
          command: 'delete',
          tableId: 0xff,
          priority: 0,
          cookie: 0x40n,
          cookieMask: 0xf0n,
          match: [],
          instructions: [],
        },
      ]);
      assert.equal(countFlows(await ofctlFlows(ovs)), 3);
    }));
});

// One switch with a container port (ofport 7) whose frames go to the controller, and a flow
// for EtherType 0x88b5 that a packet-out can hit.
describe('asynchronous messages and packet-out on a real switch', () => {
  const statuses: Array<Extract<OfpMessage, { type: 'port_status' }>> = [];
  const packetIns: Array<Extract<OfpMessage, { type: 'packet_in' }>> = [];
  const hostIfname = uniqueIfname('vp');
  let c1: Netns;
  const rig = sharedSwitch({
    needs: ['ping'],
    prepare: async ({ ovs, session }, scope) => {
      session.on('port_status', (m) => statuses.push(m));
      session.on('packet_in', (m) => packetIns.push(m));
      c1 = await Netns.create('c');
      scope.defer(() => c1.destroy());
      await ovs.attachContainer(c1, { bridge: 'br0', hostIfname, ip: '10.88.0.1/24', ofport: 7 });
      await installFlows(session, [
        add(
          0,
          10,
          1n,
          [{ field: 'in_port', value: 7 }],
          [{ type: 'apply_actions', actions: [{ type: 'output', port: 'controller', maxLen: 0xffff }] }],
        ),
        add(0, 20, 2n, [{ field: 'eth_type', value: 0x88b5 }], []),
      ]);
    },
  });

  test('a new port is announced with port-status ADD', (t) =>
    rig.run(t, async () => {
      const added = (s: (typeof statuses)[number]): boolean => s.port.name === hostIfname && s.reason === 0;
      for (let i = 0; i < 100 && !statuses.some(added); i++) await sleep(50);
      assert.ok(
        statuses.some((s) => added(s) && s.port.portNo === 7),
        'port-status ADD for the new port',
      );
    }));

  test('a frame sent to the controller arrives as packet-in with its in_port', (t) =>
    rig.run(t, async () => {
      await ping(c1, '10.88.0.2', { timeoutMs: 300 });
      for (let i = 0; i < 100 && packetIns.length === 0; i++) await sleep(20);
      assert.ok(packetIns.length > 0, 'a frame from the container reached the controller');
      assert.equal(packetIns[0]?.match.find((m) => m.field === 'in_port')?.value, 7);
    }));

  test('a packet-out to the table goes through the flow table', (t) =>
    rig.run(t, async ({ ovs, session }) => {
      const frame = Buffer.concat([
        Buffer.from('ffffffffffff020000000001', 'hex'),
        Buffer.from('88b5', 'hex'),
        Buffer.alloc(46),
      ]);
      await session.send({
        type: 'packet_out',
        bufferId: 0xffffffff,
        inPort: 0xfffffffd,
        actions: [{ type: 'output', port: 'table' }],
        data: frame,
      });
      await session.barrier();
      const dump = await ofctlFlows(ovs, 'dl_type=0x88b5');
      assert.match(dump, /n_packets=1,/, 'the packet-out went through the flow table');
    }));
});

test('a switch that connects to us (controller on a unix socket) gets a working session', async (t) => {
  await withOvs(t, async (ovs) => {
    await ovs.addNetdevBridge('br0');
    const path = join(ovs.dir, 'controller.sock');
    const sessions: OpenFlowSession[] = [];
    const server = await listenForSwitches({ path }, (s) => sessions.push(s));
    t.after(() => {
      for (const s of sessions) s.close();
      server.close();
    });
    await ovs.vsctl('set-controller', 'br0', `unix:${path}`);
    for (let i = 0; i < 200 && sessions.length === 0; i++) await sleep(50);
    assert.equal(sessions.length >= 1, true, 'the switch connected');
    const session = sessions[0] as OpenFlowSession;
    await installFlows(session, [add(0, 5, 0x77n, [{ field: 'reg5', value: 1 }], [])]);
    assert.match(await ofctlFlows(ovs), /cookie=0x77/);
  });
});
