// The anti-spoofing flows beyond addresses, checked by the flow simulator (the same cases
// run with real frames in test/integration/controller/hostile-frames.test.ts): legacy QinQ
// tags, duplicate address detection, and neighbour discovery cut short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPipeline } from '../../../flows/pipeline/build';
import { reaches, type Frame } from '../../../flows/pipeline/simulate';
import type { PipelineEndpoint, PipelineState } from '../../../flows/pipeline/model';

const A: PipelineEndpoint = {
  ofport: 11,
  networkTag: 1,
  mac: '02:00:00:00:00:0b',
  ipv4: '10.0.1.11',
  ipv6: 'fd00:1::11',
};
const B: PipelineEndpoint = {
  ofport: 12,
  networkTag: 1,
  mac: '02:00:00:00:00:0c',
  ipv4: '10.0.1.12',
  ipv6: 'fd00:1::12',
};
const GW = { ofport: 100, mac: '02:0e:00:00:00:01' };
const state: PipelineState = {
  networks: [
    {
      tag: 1,
      icc: true,
      internal: false,
      subnets: ['10.0.1.0/24', 'fd00:1::/64'],
      gateway: GW,
      gatewayAddresses: ['10.0.1.1', 'fd00:1::1'],
    },
  ],
  endpoints: [A, B],
  rules: [],
};
const flows = buildPipeline(state);

/** A neighbour solicitation from A, as OVS reads it (no source link-layer option). */
function solicitation(overrides: Frame): Frame {
  return {
    in_port: A.ofport,
    eth_src: A.mac,
    eth_dst: '33:33:ff:00:00:11',
    eth_type: 0x86dd,
    ipv6_src: A.ipv6 as string,
    ipv6_dst: 'ff02::1:ff00:11',
    ip_proto: 58,
    icmpv6_type: 135,
    icmpv6_code: 0,
    nd_target: A.ipv6 as string,
    nd_sll: '00:00:00:00:00:00',
    nd_tll: '00:00:00:00:00:00',
    ...overrides,
  };
}

test('frames with a legacy QinQ tag are dropped; the same EtherType pass untagged', () => {
  const raw = (ethType: number): Frame => ({ in_port: A.ofport, eth_src: A.mac, eth_dst: B.mac, eth_type: ethType });
  for (const tpid of [0x9100, 0x9200, 0x9300]) assert.deepEqual(reaches(flows, raw(tpid)), [], tpid.toString(16));
  assert.deepEqual(reaches(flows, raw(0x88b5)), [B.ofport], 'control: another EtherType');
});

test("a DAD probe is flooded for the sender's own address and dropped for another's", () => {
  assert.deepEqual(reaches(flows, solicitation({ ipv6_src: '::' })), [B.ofport, GW.ofport], 'own address');
  const forB = solicitation({ ipv6_src: '::', nd_target: B.ipv6 as string, eth_dst: '33:33:ff:00:00:12' });
  assert.deepEqual(reaches(flows, forB), [], "another's address");
});

test('neighbour discovery cut short is dropped, even from the sender’s own address', () => {
  assert.deepEqual(reaches(flows, solicitation({ nd_target: '::' })), [], 'no target: cut short');
  assert.deepEqual(reaches(flows, solicitation({ icmpv6_type: 0 })), [], 'no ICMPv6 header: cut short');
  assert.deepEqual(
    reaches(flows, solicitation({ nd_target: 'fd00:1::77' })),
    [B.ofport, GW.ofport],
    'control: a whole solicitation for an unknown address is flooded',
  );
});
