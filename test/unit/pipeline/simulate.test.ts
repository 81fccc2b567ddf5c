// The pipeline's policy checked by the flow simulator, without a switch: who reaches whom
// for unicast, broadcast, ARP and ND, across networks, with ICC off and an allow rule,
// from an internal network, and with spoofed addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPipeline } from '../../../flows/pipeline/build';
import { reaches, simulate, type Frame } from '../../../flows/pipeline/simulate';
import type { PipelineEndpoint, PipelineState } from '../../../flows/pipeline/model';
import { arpRequestFrame, tcpFrame, udpBroadcastFrame } from './frames';

const mac = (port: number): string => `02:00:00:00:00:${port.toString(16).padStart(2, '0')}`;
const ep = (ofport: number, networkTag: number, ipv4: string, ipv6?: string): PipelineEndpoint => ({
  ofport,
  networkTag,
  mac: mac(ofport),
  ipv4,
  ...(ipv6 ? { ipv6 } : {}),
});

const A = ep(11, 1, '10.0.1.11', 'fd00:1::11');
const B = ep(12, 1, '10.0.1.12', 'fd00:1::12');
const C = ep(21, 2, '10.0.2.21');
const D = ep(22, 2, '10.0.2.22');
const E = ep(23, 2, '10.0.2.23');
const F = ep(31, 3, '10.0.3.31');
const GW1 = { ofport: 100, mac: '02:0e:00:00:00:01' };
const GW2 = { ofport: 200, mac: '02:0e:00:00:00:02' };
const GW3 = { ofport: 300, mac: '02:0e:00:00:00:03' };

const state: PipelineState = {
  networks: [
    {
      tag: 1,
      icc: true,
      internal: false,
      subnets: ['10.0.1.0/24', 'fd00:1::/64'],
      gateway: GW1,
      gatewayAddresses: ['10.0.1.1', 'fd00:1::1'],
    },
    { tag: 2, icc: false, internal: false, subnets: ['10.0.2.0/24'], gateway: GW2, gatewayAddresses: ['10.0.2.1'] },
    { tag: 3, icc: true, internal: true, subnets: ['10.0.3.0/24'], gateway: GW3, gatewayAddresses: ['10.0.3.1'] },
  ],
  endpoints: [A, B, C, D, E, F],
  rules: [{ id: 1, networkTag: 2, from: [C.ofport], to: [D.ofport], proto: 'tcp', port: 80 }],
};
const flows = buildPipeline(state);

const tcp = (from: PipelineEndpoint, toMac: string, toIp: string, port = 80, overrides: Frame = {}): Frame =>
  tcpFrame(from, { mac: toMac, ip: toIp }, port, overrides);
const arpRequest = arpRequestFrame;
const udpBroadcast = udpBroadcastFrame;

test('unicast inside a network is delivered to exactly the destination port', () => {
  assert.deepEqual(reaches(flows, tcp(A, B.mac, B.ipv4 as string)), [B.ofport]);
  assert.deepEqual(reaches(flows, tcp(A, GW1.mac, '192.0.2.1')), [GW1.ofport], 'to the gateway for routing');
});

test('networks are isolated and spoofed sources are dropped', () => {
  assert.deepEqual(reaches(flows, tcp(A, C.mac, C.ipv4 as string)), [], 'another network’s MAC is unknown here');
  assert.deepEqual(reaches(flows, tcp(A, B.mac, B.ipv4 as string, 80, { ip_src: '10.0.1.99' })), [], 'spoofed IP');
  assert.deepEqual(
    reaches(flows, tcp(A, B.mac, B.ipv4 as string, 80, { eth_src: '02:00:00:00:00:99' })),
    [],
    'spoofed MAC',
  );
  assert.deepEqual(
    reaches(flows, { ...tcp(A, B.mac, B.ipv4 as string), vlan_vid: 0x1005 }),
    [],
    '802.1Q-tagged frames',
  );
});

test('ICC off: only the gateway and the allow rule (tcp/80 from C to D)', () => {
  assert.deepEqual(reaches(flows, tcp(C, D.mac, D.ipv4 as string, 80)), [D.ofport], 'allowed by the rule');
  assert.deepEqual(reaches(flows, tcp(C, D.mac, D.ipv4 as string, 81)), [], 'other port');
  assert.deepEqual(reaches(flows, tcp(C, E.mac, E.ipv4 as string, 80)), [], 'other destination');
  assert.deepEqual(reaches(flows, tcp(E, D.mac, D.ipv4 as string, 80)), [], 'other source');
  assert.deepEqual(reaches(flows, tcp(C, GW2.mac, '192.0.2.1')), [GW2.ofport], 'the gateway stays reachable');
  assert.deepEqual(reaches(flows, udpBroadcast(C)), [GW2.ofport], 'an endpoint’s broadcast reaches only the gateway');
});

test('broadcast stays in its network and skips the sender', () => {
  assert.deepEqual(reaches(flows, udpBroadcast(A)), [B.ofport, GW1.ofport]);
});

test('ARP for an address no endpoint holds reaches the gateway alone, with ICC on or off', () => {
  assert.deepEqual(reaches(flows, arpRequest(A, '10.0.1.77')), [GW1.ofport], 'ICC on: not B');
  assert.deepEqual(reaches(flows, arpRequest(A, '10.0.1.1')), [GW1.ofport], "the gateway's own address");
  assert.deepEqual(reaches(flows, arpRequest(C, '10.0.2.77')), [GW2.ofport], 'ICC off');
  const noGateway = buildPipeline({ ...state, networks: state.networks.map(({ gateway: _gone, ...n }) => n) });
  assert.deepEqual(reaches(noGateway, arpRequest(A, '10.0.1.77')), [], 'without a gateway: nobody');
  assert.deepEqual(reaches(noGateway, udpBroadcast(A)), [B.ofport], 'control: other broadcasts still reach B');
});

test('ARP and neighbour solicitations for known addresses are answered back to the asker', () => {
  const arp = simulate(flows, arpRequest(A, B.ipv4 as string));
  assert.equal(arp.deliveries.length, 1);
  const reply = arp.deliveries[0] as (typeof arp.deliveries)[0];
  assert.equal(reply.port, A.ofport);
  assert.equal(reply.frame.get('arp_op'), 2n);
  assert.equal(reply.frame.get('arp_sha'), BigInt(`0x${B.mac.replace(/:/g, '')}`));

  const ns: Frame = {
    in_port: A.ofport,
    eth_src: A.mac,
    eth_dst: '33:33:ff:00:00:12',
    eth_type: 0x86dd,
    ipv6_src: A.ipv6 as string,
    ipv6_dst: 'ff02::1:ff00:12',
    ip_proto: 58,
    icmpv6_type: 135,
    icmpv6_code: 0,
    nd_target: B.ipv6 as string,
    nd_sll: A.mac,
    nd_tll: '00:00:00:00:00:00',
    nd_reserved: 0,
    nd_options_type: 1,
  };
  const nd = simulate(flows, ns);
  assert.equal(nd.deliveries.length, 1, nd.trace.join('\n'));
  const na = (nd.deliveries[0] as (typeof nd.deliveries)[0]).frame;
  assert.equal((nd.deliveries[0] as (typeof nd.deliveries)[0]).port, A.ofport);
  assert.equal(na.get('icmpv6_type'), 136n);
  assert.equal(na.get('nd_tll'), BigInt(`0x${B.mac.replace(/:/g, '')}`));
  assert.equal(na.get('eth_dst'), BigInt(`0x${A.mac.replace(/:/g, '')}`));
  assert.equal(na.get('nd_reserved'), 0x60000000n, 'solicited + override');
});

test('an internal network cannot leave its subnet', () => {
  assert.deepEqual(reaches(flows, tcp(F, GW3.mac, '192.0.2.1')), [], 'no way out');
});

test('a network of 3000 endpoints floods every member exactly once, through chained slices', () => {
  const many: PipelineState = {
    networks: [
      {
        tag: 1,
        icc: true,
        internal: false,
        subnets: ['10.1.0.0/16'],
        gateway: { ofport: 40000, mac: '02:0e:00:00:00:01' },
        gatewayAddresses: ['10.1.0.1'],
      },
    ],
    endpoints: Array.from({ length: 3000 }, (_, i) => ({
      ofport: 100 + i,
      networkTag: 1,
      mac: `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      ipv4: `10.1.${(i + 2) >> 8}.${(i + 2) & 255}`,
    })),
    rules: [],
  };
  const sender = many.endpoints[5] as PipelineEndpoint;
  const got = reaches(buildPipeline(many), udpBroadcast(sender));
  assert.equal(got.length, 3000, 'every other endpoint plus the gateway');
  assert.equal(new Set(got).size, got.length, 'nobody twice');
  assert.ok(!got.includes(sender.ofport), 'not the sender');
});
