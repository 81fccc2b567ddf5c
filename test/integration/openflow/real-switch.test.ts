// The codec and session against a real ovs-vswitchd: what we dump is what ovs-ofctl dumps,
// per-flow errors name the offending flow, groups and meters land, stats answer, and
// malformed bytes come back as a named OFPT_ERROR.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { installFlows, InstallError } from '../../../controller/openflow/install';
import { encodeMessage } from '../../../flows/ofp/encode';
import type { FlowMod, MessageOf } from '../../../flows/ofp/types';
import { hex } from '../../unit/ofp/fixtures';
import { addFlow as add, CLASSIFY_PORT_1, clearFlows, ofctlFlows, sharedSwitch } from './switch';

const run = promisify(execFile);

/** Flow lines without the counters that change between two dumps. */
function stable(lines: string[]): string[] {
  return lines
    .map((l) =>
      l
        .trim()
        .replace(/ ?duration=[^,]+,| ?n_packets=\d+,| ?n_bytes=\d+,/g, '')
        .replace(/^,\s*/, ''),
    )
    .filter((l) => l.startsWith('cookie='))
    .sort();
}

// One switch holding six flows with every kind of match and action we encode.
describe('flows of every kind on a real switch', () => {
  const rig = sharedSwitch({
    prepare: ({ session }) =>
      installFlows(session, [
        CLASSIFY_PORT_1,
        add(
          1,
          300,
          0x11n,
          [
            { field: 'reg0', value: 5, mask: 0xffff },
            { field: 'eth_type', value: 0x0806 },
            { field: 'arp_op', value: 1 },
            { field: 'arp_tpa', value: '10.1.0.6' },
          ],
          [
            {
              type: 'apply_actions',
              actions: [
                { type: 'move', src: 'eth_src', srcOfs: 0, dst: 'eth_dst', dstOfs: 0, nBits: 48 },
                { type: 'set_field', field: 'eth_src', value: '02:00:00:00:00:06' },
                { type: 'set_field', field: 'arp_op', value: 2 },
                { type: 'move', src: 'arp_sha', srcOfs: 0, dst: 'arp_tha', dstOfs: 0, nBits: 48 },
                { type: 'set_field', field: 'arp_sha', value: '02:00:00:00:00:06' },
                { type: 'move', src: 'arp_spa', srcOfs: 0, dst: 'arp_tpa', dstOfs: 0, nBits: 32 },
                { type: 'set_field', field: 'arp_spa', value: '10.1.0.6' },
                { type: 'output', port: 'in_port' },
              ],
            },
          ],
        ),
        add(
          2,
          100,
          0x12n,
          [
            { field: 'eth_type', value: 0x0800 },
            { field: 'ct_state', value: 0x20, mask: 0x20 },
          ],
          [
            {
              type: 'apply_actions',
              actions: [
                { type: 'ct', commit: true, zone: 9, actions: [{ type: 'set_field', field: 'ct_mark', value: 1 }] },
              ],
            },
          ],
        ),
        add(
          3,
          90,
          0x13n,
          [
            { field: 'eth_type', value: 0x0800 },
            { field: 'ip_proto', value: 6 },
            { field: 'tcp_dst', value: 5432 },
          ],
          [{ type: 'apply_actions', actions: [{ type: 'conjunction', id: 11, clause: 2, nClauses: 2 }] }],
        ),
        add(
          3,
          90,
          0x14n,
          [
            { field: 'conj_id', value: 11 },
            { field: 'eth_type', value: 0x0800 },
          ],
          [{ type: 'apply_actions', actions: [{ type: 'resubmit', table: 4 }] }],
        ),
        add(
          4,
          5,
          0x15n,
          [
            { field: 'tun_id', value: 5000n },
            { field: 'tun_ipv4_src', value: '192.168.50.2' },
          ],
          [
            { type: 'write_metadata', metadata: 5n, mask: 0xffn },
            { type: 'goto_table', table: 5 },
          ],
        ),
      ]),
  });

  test('our flow dump, printed by OVS, equals ovs-ofctl dump-flows', (t) =>
    rig.run(t, async ({ ovs, session: s }) => {
      const ours = await s.dumpFlows({ cookie: 0x10n, cookieMask: 0xf0n });
      assert.equal(ours.length, 6);
      // Re-encode what we decoded and let OVS print it next to its own dump.
      const reply: MessageOf<'flow_stats_reply'> = { type: 'flow_stats_reply', xid: 1, flags: 0, flows: ours };
      const printed = (await run('ovs-ofctl', ['ofp-print', encodeMessage(reply).toString('hex')])).stdout.split('\n');
      const dumped = (await ofctlFlows(ovs)).split('\n');
      assert.deepEqual(stable(printed), stable(dumped));
      assert.equal(stable(dumped).length, 6);
    }));

  test('one atomic bundle adds, modifies and deletes together', (t) =>
    rig.run(t, async ({ ovs, session: s }) => {
      await installFlows(
        s,
        [
          {
            command: 'modify_strict',
            tableId: 0,
            priority: 100,
            match: [{ field: 'in_port', value: 1 }],
            instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 3 }] }],
          },
          {
            command: 'delete_strict',
            tableId: 3,
            priority: 90,
            match: [
              { field: 'conj_id', value: 11 },
              { field: 'eth_type', value: 0x0800 },
            ],
            instructions: [],
          },
          add(9, 1, 0x16n, [], []),
        ],
        { mode: 'bundle' },
      );
      const after = await ovs.ofctl('-O', 'OpenFlow13', '--no-stats', 'dump-flows', 'br0');
      assert.match(after, /cookie=0x10, priority=100,in_port=1 actions=output:3/);
      assert.doesNotMatch(after, /conj_id=11/);
      assert.match(after, /cookie=0x16, table=9, priority=1 actions=drop/);
      assert.equal((await s.aggregate({ cookie: 0x10n, cookieMask: 0xf0n })).flowCount, 6);
    }));
});

// Every test starts from an empty switch.
describe('flows a real switch refuses', () => {
  const rig = sharedSwitch({ beforeEach: ({ session }) => clearFlows(session) });
  const good = add(
    1,
    10,
    0x21n,
    [{ field: 'reg1', value: 1 }],
    [{ type: 'apply_actions', actions: [{ type: 'output', port: 2 }] }],
  );
  // ip_src without eth_type=0x0800: OVS refuses the prerequisite.
  const bad = add(1, 11, 0x22n, [{ field: 'ip_src', value: '10.0.0.1' }], []);
  const failure = (installing: Promise<void>): Promise<unknown> =>
    installing.then(
      () => undefined,
      (e: unknown) => e,
    );

  test('a bundle with a refused flow names that flow and applies nothing', (t) =>
    rig.run(t, async ({ session: s }) => {
      const bundleError = await failure(installFlows(s, [good, bad, { ...good, priority: 12 }], { mode: 'bundle' }));
      assert.ok(bundleError instanceof InstallError, String(bundleError));
      assert.equal(bundleError.nothingApplied, true);
      assert.equal(bundleError.failures.length, 1);
      assert.equal(bundleError.failures[0]?.flow, bad, 'the failure points at the flow OVS refused');
      assert.equal(bundleError.failures[0]?.error, 'OFPBMC_BAD_PREREQ');
      assert.equal((await s.aggregate()).flowCount, 0, 'nothing of the bundle was applied');
    }));

  test('a bundle that fails only at commit (overlap) names the flow and applies nothing', (t) =>
    rig.run(t, async ({ session: s }) => {
      // Valid alone, but CHECK_OVERLAP against a flow already there fails the commit.
      await installFlows(s, [{ ...good, tableId: 7 }]);
      const overlapping: FlowMod = {
        ...good,
        tableId: 7,
        cookie: 0x23n,
        flags: 2,
        match: [{ field: 'reg2', value: 1 }],
      };
      const commitError = await failure(installFlows(s, [{ ...good, tableId: 6 }, overlapping], { mode: 'bundle' }));
      assert.ok(commitError instanceof InstallError, String(commitError));
      assert.equal(commitError.nothingApplied, true);
      assert.equal(commitError.failures[0]?.flow, overlapping);
      assert.equal(commitError.failures[0]?.error, 'OFPFMFC_OVERLAP');
      assert.equal((await s.dumpFlows({ tableId: 6 })).length, 0, 'the good flow of the failed bundle is not there');
    }));

  test('stream mode names the refused flow and keeps the good ones', (t) =>
    rig.run(t, async ({ session: s }) => {
      const streamError = await failure(installFlows(s, [good, bad], { mode: 'stream' }));
      assert.ok(streamError instanceof InstallError);
      assert.equal(streamError.nothingApplied, false);
      assert.equal(streamError.failures[0]?.flow, bad);
      assert.equal((await s.aggregate()).flowCount, 1, 'stream mode applied the good flow');
    }));
});

describe('groups, meters, statistics and errors on a real switch', () => {
  const rig = sharedSwitch();

  test('a select group and a meter land as sent', (t) =>
    rig.run(t, async ({ ovs, session: s }) => {
      await s.request({ type: 'barrier_request' });
      await s.send({
        type: 'group_mod',
        command: 'add',
        groupType: 'select',
        groupId: 4,
        buckets: [
          { weight: 50, actions: [{ type: 'output', port: 1 }] },
          { weight: 50, actions: [{ type: 'output', port: 2 }] },
        ],
      });
      await s.send({
        type: 'meter_mod',
        command: 'add',
        flags: 0x5,
        meterId: 1,
        bands: [{ type: 'drop', rate: 10000, burstSize: 1000 }],
      });
      await s.barrier();
      assert.match(
        await ovs.ofctl('-O', 'OpenFlow13', 'dump-groups', 'br0'),
        /group_id=4,type=select,bucket=weight:50,actions=output:1,bucket=weight:50,actions=output:2/,
      );
      assert.match(
        await ovs.ofctl('-O', 'OpenFlow13', 'dump-meters', 'br0'),
        /meter=1 kbps burst bands=\s*type=drop rate=10000 burst_size=1000/,
      );
    }));

  test('desc, table and port statistics answer', (t) =>
    rig.run(t, async ({ session: s }) => {
      const [desc] = await s.request({ type: 'desc_request', flags: 0 });
      assert.equal(desc?.type === 'desc_reply' && desc.hardware, 'Open vSwitch');
      const tables = await s.tableStats();
      assert.ok(tables.length >= 1 && tables[0]?.tableId === 0);
      const ports = await s.portStats();
      assert.ok(
        ports.some((p) => p.portNo === 0xfffffffe),
        'the LOCAL port has counters',
      );
    }));

  test('a malformed FLOW_MOD gets a named OFPT_ERROR that quotes it', (t) =>
    rig.run(t, async ({ session: s }) => {
      // A FLOW_MOD whose masked reg0 OXM claims 7 bytes: OVS must say what is wrong.
      const errors: Array<MessageOf<'error'>> = [];
      s.on('unsolicited_error', (e) => errors.push(e));
      const broken = hex(`0000000000000000 0000000000000000 00 00 0000 0000 0001 ffffffff ffffffff ffffffff 0000 0000
                          0001 0013 00010107 00000007 0000ff 00000000 00`);
      await s.send({ type: 'unknown', msgType: 14, body: broken }, 0x5151);
      await s.barrier();
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.xid, 0x5151);
      assert.equal(errors[0]?.name, 'OFPBRC_BAD_LEN', 'the OXM overruns the match: OVS calls it a bad request length');
      assert.equal(
        errors[0]?.data.subarray(0, 8).toString('hex'),
        `040e${(8 + broken.length).toString(16).padStart(4, '0')}00005151`,
        'the error quotes our message',
      );
    }));
});
