// Stateful allow rules in the flow simulator: the rule's direction opens connections,
// only their replies (and ICMP errors related to them) come back, the reverse direction
// opens nothing; a stateless rule still admits the reverse of its match; networks with ICC
// on, or without stateful rules, never pass the connection tracker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPipeline } from '../../../flows/pipeline/build';
import { reaches, simulate, type Frame } from '../../../flows/pipeline/simulate';
import { SimulatedConntrack } from '../../../flows/pipeline/simulate-conntrack';
import type { PipelineEndpoint, PipelineRule, PipelineState } from '../../../flows/pipeline/model';
import { flowProblems } from '../../../flows/pipeline/verify';

const ep = (ofport: number, networkTag: number, ipv4: string, ipv6?: string): PipelineEndpoint => ({
  ofport,
  networkTag,
  mac: `02:00:00:00:00:${ofport.toString(16).padStart(2, '0')}`,
  ipv4,
  ...(ipv6 ? { ipv6 } : {}),
});
const A = ep(21, 2, '10.0.2.21', 'fd00:2::21');
const B = ep(22, 2, '10.0.2.22', 'fd00:2::22');
const C = ep(23, 2, '10.0.2.23');
const X = ep(31, 3, '10.0.3.31');
const Y = ep(32, 3, '10.0.3.32');

function stateWith(rules: PipelineRule[], icc = false): PipelineState {
  return {
    networks: [
      { tag: 2, icc, internal: false, subnets: ['10.0.2.0/24', 'fd00:2::/64'] },
      { tag: 3, icc: true, internal: false, subnets: ['10.0.3.0/24'] },
    ],
    endpoints: [A, B, C, X, Y],
    rules,
  };
}
const web: PipelineRule = { id: 1, networkTag: 2, from: [A.ofport], to: [B.ofport], proto: 'tcp', port: 80 };

type L4 = { proto: 'tcp' | 'udp'; sport: number; dport: number } | { proto: 'icmp'; type: number };
function ip(from: PipelineEndpoint, to: PipelineEndpoint, l4: L4): Frame {
  const base: Frame = {
    in_port: from.ofport,
    eth_src: from.mac,
    eth_dst: to.mac,
    eth_type: 0x0800,
    ip_src: from.ipv4 as string,
    ip_dst: to.ipv4 as string,
  };
  if (l4.proto === 'icmp') return { ...base, ip_proto: 1, icmp_type: l4.type, icmp_code: 0 };
  const n = l4.proto === 'tcp' ? 6 : 17;
  return { ...base, ip_proto: n, [`${l4.proto}_src`]: l4.sport, [`${l4.proto}_dst`]: l4.dport };
}

test('stateful: the rule opens a connection and its replies come back; the reverse direction opens nothing', () => {
  const flows = buildPipeline(stateWith([{ ...web, stateful: true }]));
  for (const f of flows) assert.deepEqual(flowProblems(f), [], f.reason);
  const ct = new SimulatedConntrack();
  const send = (frame: Frame): number[] => reaches(flows, frame, { conntrack: ct });
  // The reverse-direction attack, before and after a real connection exists.
  assert.deepEqual(send(ip(B, A, { proto: 'tcp', sport: 80, dport: 9999 })), [], 'b:80 -> a:9999 before');
  assert.deepEqual(send(ip(A, B, { proto: 'tcp', sport: 40000, dport: 80 })), [B.ofport], 'a -> b:80');
  assert.equal(ct.size, 1, 'the connection was committed');
  assert.deepEqual(send(ip(B, A, { proto: 'tcp', sport: 80, dport: 40000 })), [A.ofport], 'its reply');
  assert.deepEqual(send(ip(A, B, { proto: 'tcp', sport: 40000, dport: 80 })), [B.ofport], 'established, onwards');
  assert.deepEqual(send(ip(B, A, { proto: 'tcp', sport: 80, dport: 9999 })), [], 'b:80 -> a:9999 after');
  assert.deepEqual(send(ip(B, A, { proto: 'tcp', sport: 80, dport: 40001 })), [], 'a port a did not connect from');
  assert.deepEqual(send(ip(A, B, { proto: 'tcp', sport: 40000, dport: 81 })), [], 'another port');
  assert.deepEqual(send(ip(C, B, { proto: 'tcp', sport: 40000, dport: 80 })), [], 'another sender');
  assert.deepEqual(send(ip(B, A, { proto: 'icmp', type: 3 })), [A.ofport], 'an ICMP error about it');
  assert.deepEqual(send(ip(B, C, { proto: 'icmp', type: 3 })), [], 'an ICMP error about nothing');
  assert.deepEqual(send(ip(B, A, { proto: 'icmp', type: 8 })), [], 'a ping back opens nothing');
});

test('stateful UDP and ICMP: request out, reply back, never the other way round', () => {
  const rules: PipelineRule[] = [
    { id: 1, networkTag: 2, from: [A.ofport], to: [B.ofport], proto: 'udp', port: 53, stateful: true },
    { id: 2, networkTag: 2, from: [A.ofport], to: [B.ofport], proto: 'icmp', stateful: true },
  ];
  const flows = buildPipeline(stateWith(rules));
  const ct = new SimulatedConntrack();
  const send = (frame: Frame): number[] => reaches(flows, frame, { conntrack: ct });
  assert.deepEqual(send(ip(B, A, { proto: 'udp', sport: 53, dport: 5000 })), [], 'b:53 -> a first');
  assert.deepEqual(send(ip(A, B, { proto: 'udp', sport: 5000, dport: 53 })), [B.ofport], 'a -> b:53');
  assert.deepEqual(send(ip(B, A, { proto: 'udp', sport: 53, dport: 5000 })), [A.ofport], 'the answer');
  assert.deepEqual(send(ip(B, A, { proto: 'icmp', type: 8 })), [], 'b pings a');
  assert.deepEqual(send(ip(A, B, { proto: 'icmp', type: 8 })), [B.ofport], 'a pings b');
  assert.deepEqual(send(ip(B, A, { proto: 'icmp', type: 0 })), [A.ofport], 'the echo reply');
});

test('stateful without a protocol: IPv4 and IPv6 alike, but no other EtherType', () => {
  const flows = buildPipeline(stateWith([{ id: 1, networkTag: 2, from: [A.ofport], to: [B.ofport], stateful: true }]));
  const ct = new SimulatedConntrack();
  const v6 = (from: PipelineEndpoint, to: PipelineEndpoint, sport: number, dport: number): Frame => ({
    in_port: from.ofport,
    eth_src: from.mac,
    eth_dst: to.mac,
    eth_type: 0x86dd,
    ipv6_src: from.ipv6 as string,
    ipv6_dst: to.ipv6 as string,
    ip_proto: 17,
    udp_src: sport,
    udp_dst: dport,
  });
  assert.deepEqual(reaches(flows, v6(B, A, 7, 7000), { conntrack: ct }), [], 'b -> a over IPv6');
  assert.deepEqual(reaches(flows, v6(A, B, 7000, 7), { conntrack: ct }), [B.ofport], 'a -> b over IPv6');
  assert.deepEqual(reaches(flows, v6(B, A, 7, 7000), { conntrack: ct }), [A.ofport], 'the reply');
  const raw: Frame = { in_port: A.ofport, eth_src: A.mac, eth_dst: B.mac, eth_type: 0x88b5 };
  assert.deepEqual(reaches(flows, raw), [], 'a non-IP frame cannot be tracked, so a stateful rule does not admit it');
});

test('stateless: the reverse of the match passes (source port = the rule port), as before', () => {
  const flows = buildPipeline(stateWith([web]));
  assert.deepEqual(reaches(flows, ip(B, A, { proto: 'tcp', sport: 80, dport: 9999 })), [A.ofport]);
  assert.ok(
    flows.every((f) => !f.actions.some((a) => a.type === 'ct') && !f.match.some((m) => m.field === 'ct_state')),
    'a network with stateless rules only is never tracked',
  );
});

test('the connection tracker costs nothing where ICC is on', () => {
  const flows = buildPipeline(stateWith([{ ...web, stateful: true }], true));
  assert.ok(
    flows.every((f) => !f.actions.some((a) => a.type === 'ct')),
    'no flow sends anything through the tracker',
  );
  const trace = simulate(flows, ip(X, Y, { proto: 'tcp', sport: 1, dport: 2 })).trace;
  assert.ok(!trace.some((line) => /tracker/.test(line)), trace.join('\n'));
  assert.deepEqual(reaches(flows, ip(B, A, { proto: 'tcp', sport: 80, dport: 9999 })), [A.ofport], 'ICC on');
});

test('the gateway and broadcast are decided before the tracker', () => {
  const state = stateWith([{ ...web, stateful: true }]);
  const gateway = { ofport: 200, mac: '02:0e:00:00:00:02' };
  state.networks[0] = {
    ...(state.networks[0] as PipelineState['networks'][0]),
    gateway,
    gatewayAddresses: ['10.0.2.1'],
  };
  const flows = buildPipeline(state);
  const toGateway = { ...ip(A, B, { proto: 'tcp', sport: 1, dport: 2 }), eth_dst: gateway.mac, ip_dst: '192.0.2.1' };
  const trace = simulate(flows, toGateway).trace;
  assert.deepEqual(reaches(flows, toGateway), [gateway.ofport]);
  assert.ok(!trace.some((line) => /tracker/.test(line)), trace.join('\n'));
});
