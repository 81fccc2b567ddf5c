// The ovs-ofctl-style text form: exact strings for the pipeline's flow shapes, and table
// names in place of numbers when a pipeline provides them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowText, actionText } from '../../../flows/ofp/text';
import type { FlowMod } from '../../../flows/ofp/types';

const flow: FlowMod = {
  command: 'add',
  tableId: 2,
  priority: 300,
  cookie: 0x20n,
  match: [
    { field: 'reg0', value: 7, mask: 0xffff },
    { field: 'eth_type', value: 0x0806 },
    { field: 'arp_tpa', value: '10.1.0.6' },
  ],
  instructions: [
    {
      type: 'apply_actions',
      actions: [
        { type: 'move', src: 'eth_src', srcOfs: 0, dst: 'eth_dst', dstOfs: 0, nBits: 48 },
        { type: 'output', port: 'in_port' },
      ],
    },
    { type: 'goto_table', table: 3 },
  ],
};

test('a flow reads as ovs-ofctl add-flow input', () => {
  assert.equal(
    flowText(flow),
    'table=2,priority=300,cookie=0x20,reg0=7/0xffff,eth_type=0x806,arp_tpa=10.1.0.6 actions=move:eth_src[0..47]->eth_dst[0..47],in_port,goto_table:3',
  );
  assert.equal(flowText({ ...flow, cookie: 0n, match: [], instructions: [] }), 'table=2,priority=300 actions=drop');
});

test('table names replace numbers, from a function, a map or an array', () => {
  const expected =
    'table=arp_responder,priority=300,cookie=0x20,reg0=7/0xffff,eth_type=0x806,arp_tpa=10.1.0.6 actions=move:eth_src[0..47]->eth_dst[0..47],in_port,goto_table:l2_lookup';
  const names = ['classify', 'port_security', 'arp_responder', 'l2_lookup'];
  assert.equal(flowText(flow, { tableNames: names }), expected);
  assert.equal(flowText(flow, { tableNames: new Map(names.map((n, i) => [i, n])) }), expected);
  assert.equal(flowText(flow, { tableNames: (n) => names[n] }), expected);
  assert.equal(
    flowText({ ...flow, tableId: 9 }, { tableNames: names }).slice(0, 8),
    'table=9,',
    'unknown tables stay numbers',
  );
  assert.equal(actionText({ type: 'resubmit', table: 1 }, { tableNames: names }), 'resubmit(,port_security)');
});

test('every action kind has a text form', () => {
  const cases: Array<[Parameters<typeof actionText>[0], string]> = [
    [{ type: 'output', port: 7 }, 'output:7'],
    [{ type: 'output', port: 'controller', maxLen: 128 }, 'CONTROLLER:128'],
    [{ type: 'controller', reason: 0, maxLen: 200, controllerId: 3 }, 'controller(reason=no_match,max_len=200,id=3)'],
    [{ type: 'group', groupId: 4 }, 'group:4'],
    [{ type: 'set_field', field: 'tun_dst', value: '192.168.50.3' }, 'set_field:192.168.50.3->tun_dst'],
    [{ type: 'reg_load', field: 'reg1', value: 5, ofs: 4, nBits: 4 }, 'load:0x5->reg1[4..7]'],
    [{ type: 'push_vlan', ethertype: 0x8100 }, 'push_vlan:0x8100'],
    [{ type: 'pop_vlan' }, 'pop_vlan'],
    [{ type: 'dec_ttl' }, 'dec_ttl'],
    [{ type: 'conjunction', id: 11, clause: 1, nClauses: 2 }, 'conjunction(11,1/2)'],
    [
      {
        type: 'ct',
        commit: true,
        zoneField: { field: 'reg6', ofs: 0, nBits: 16 },
        alg: 21,
        nat: { kind: 'dst', addrMin: 'fd00::1', addrMax: 'fd00::9', portMin: 80 },
      },
      'ct(commit,zone=reg6[0..15],alg=ftp,nat(dst=[fd00::1]-[fd00::9]:80))',
    ],
    [{ type: 'ct', table: 5, nat: {} }, 'ct(table=5,nat)'],
    [{ type: 'ct_clear' }, 'ct_clear'],
    [{ type: 'note', data: Buffer.from([0xab, 0xcd]) }, 'note:ab.cd'],
  ];
  for (const [action, text] of cases) assert.equal(actionText(action), text);
});

test('messages have one-line summaries for logs', async () => {
  const { describeMessage } = await import('../../../flows/ofp/describe');
  assert.equal(
    describeMessage({ type: 'flow_mod', xid: 0x10, ...flow }, { tableNames: ['a', 'b', 'arp_responder'] }),
    `flow_mod xid=0x10 add ${flowText(flow, { tableNames: ['a', 'b', 'arp_responder'] })}`,
  );
  assert.equal(
    describeMessage({ type: 'error', xid: 2, errType: 4, code: 9, name: 'OFPBMC_BAD_PREREQ', data: Buffer.alloc(64) }),
    'error xid=0x2 OFPBMC_BAD_PREREQ (64 bytes of the refused message)',
  );
  assert.equal(
    describeMessage({ type: 'bundle_control', xid: 3, bundleId: 7, ctrlType: 4, flags: 3 }),
    'bundle_control xid=0x3 bundle=7 COMMIT_REQUEST flags=3',
  );
  assert.equal(describeMessage({ type: 'hello', xid: 1, versions: [4, 6] }), 'hello xid=0x1 versions=0x04,0x06');
});
