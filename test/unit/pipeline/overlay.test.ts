// The overlay walked frame by frame across a simulated cluster of four hosts, each running
// the pipeline built from its own view: unicast and broadcast across hosts over VXLAN and
// GRE, isolation, ICC off with an allow rule enforced on both ends, ARP and ND answered
// before the tunnel, and frames injected on the underlay refused unless the sending host
// really has that endpoint in that network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, gatewayMac, TUNNEL_PORTS, type ClusterContainer } from '../../harness/overlay-cluster';
import { simulate, type Frame } from '../../../flows/pipeline/simulate';
import { flowProblems } from '../../../flows/pipeline/verify';
import { toFlowMod } from '../../../flows/pipeline/spec';
import { encodeMessage } from '../../../flows/ofp/encode';
import { tunnelOverhead } from '../../../flows/pipeline/tunnel';
import { arpRequestFrame, tcpFrame, udpBroadcastFrame } from './frames';

const NETWORKS = [
  { name: 'blue', vni: 1001, tunnel: 'vxlan', icc: true, internal: false, subnet: '10.1.0.0/24' },
  { name: 'red', vni: 1002, tunnel: 'gre', icc: false, internal: false, subnet: '10.2.0.0/24' },
  { name: 'green', vni: 1003, tunnel: 'gre', icc: true, internal: false, subnet: '10.3.0.0/24' },
  { name: 'inner', vni: 1004, tunnel: 'vxlan', icc: true, internal: true, subnet: '10.4.0.0/24' },
] as const;

// Tags differ per host on purpose: only the VNI names a network across hosts.
const HOSTS = [
  { name: 'h1', id: 1, tunnelIp: '192.0.2.1', tags: { blue: 1, red: 2, green: 3, inner: 4 } },
  { name: 'h2', id: 2, tunnelIp: '192.0.2.2', tags: { blue: 7, red: 5, green: 6, inner: 8 } },
  { name: 'h3', id: 3, tunnelIp: '192.0.2.3', tags: { blue: 2, red: 1, green: 4, inner: 3 } },
  { name: 'h4', id: 4, tunnelIp: '192.0.2.4', tags: { blue: 9, red: 10, green: 11, inner: 12 } },
];

let n = 0;
const container = (name: string, host: string, network: string, ipv4: string, ipv6?: string): ClusterContainer => ({
  name,
  host,
  network,
  mac: `02:00:00:00:${host.slice(1).padStart(2, '0')}:${(++n).toString(16).padStart(2, '0')}`,
  ipv4,
  ...(ipv6 !== undefined ? { ipv6 } : {}),
});

const CONTAINERS = [
  container('a', 'h1', 'blue', '10.1.0.11', 'fd00:1::11'),
  container('a2', 'h1', 'blue', '10.1.0.12'),
  container('b', 'h2', 'blue', '10.1.0.21', 'fd00:1::21'),
  container('b2', 'h2', 'blue', '10.1.0.22'),
  container('b3', 'h3', 'blue', '10.1.0.31'),
  container('r1', 'h1', 'red', '10.2.0.11'),
  container('r2', 'h2', 'red', '10.2.0.21'),
  container('r3', 'h3', 'red', '10.2.0.31'),
  container('g1', 'h1', 'green', '10.3.0.11'),
  container('g2', 'h2', 'green', '10.3.0.21'),
  container('x4', 'h4', 'green', '10.3.0.41'),
  container('i1', 'h1', 'inner', '10.4.0.11'),
  container('i2', 'h2', 'inner', '10.4.0.21'),
];

const RULES = [{ network: 'red', from: ['r1'], to: ['r2'], proto: 'tcp' as const, port: 80 }];

const cluster = (): Cluster => new Cluster([...NETWORKS], HOSTS, CONTAINERS, RULES);
const c = cluster();
const C = (name: string): ClusterContainer => c.container(name);

function tcp(from: string, to: string, dport = 80, overrides: Frame = {}): Frame {
  const dst = C(to);
  return tcpFrame(C(from), { mac: dst.mac, ip: dst.ipv4 }, dport, overrides);
}
const arpRequest = (from: string, target: string): Frame => arpRequestFrame(C(from), target);
const udpBroadcast = (from: string): Frame => udpBroadcastFrame(C(from));

/** A frame as it arrives at a host from the tunnel: outer source, VNI, tunnel type. */
function fromTunnel(sender: string, vni: number, inner: Frame, type: 'vxlan' | 'gre' = 'vxlan'): Frame {
  return { ...inner, in_port: TUNNEL_PORTS[type], tun_src: sender, tun_dst: '192.0.2.2', tun_id: BigInt(vni) };
}

const mac48 = (mac: string): bigint => BigInt(`0x${mac.replace(/:/g, '')}`);

test('every host builds flows that hold to their tables, encode, and never share a match', () => {
  for (const host of HOSTS) {
    const seen = new Set<string>();
    for (const flow of c.flowsOf(host.name)) {
      assert.deepEqual(flowProblems(flow), [], `${host.name}: ${flow.reason}`);
      const mod = toFlowMod(flow);
      encodeMessage({ type: 'flow_mod', xid: 1, ...mod });
      const key = `${mod.tableId}|${mod.priority}|${JSON.stringify(mod.match, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
      assert.ok(!seen.has(key), `${host.name}: two flows with one match: ${flow.reason}`);
      seen.add(key);
    }
  }
});

test('unicast over VXLAN: a on h1 reaches b on h2 through the tunnel to h2 with the VNI, and only b', () => {
  const sent = simulate(
    c.flowsOf('h1'),
    { in_port: c.ofport('a'), ...tcp('a', 'b') },
    {
      tunnelPorts: Object.values(TUNNEL_PORTS),
    },
  );
  assert.equal(sent.deliveries.length, 1, sent.trace.join('\n'));
  const [out] = sent.deliveries;
  assert.equal(out?.port, TUNNEL_PORTS.vxlan);
  assert.deepEqual(out?.tunnel, { dst: '192.0.2.2', id: 1001n });
  const walked = c.send('a', tcp('a', 'b'));
  assert.deepEqual(walked.containers, ['b'], walked.trace.join('\n'));
  assert.deepEqual(walked.tunnelled, ['h1->h2 vni 1001']);
  assert.deepEqual(c.send('b', tcp('b', 'a', 40000, { tcp_src: 80 })).containers, ['a'], 'and back');
  assert.deepEqual(c.send('a', tcp('a', 'b3')).containers, ['b3'], 'to h3 as well');
});

test('unicast over GRE, and IPv6 between hosts', () => {
  const walked = c.send('g1', tcp('g1', 'g2'));
  assert.deepEqual(walked.containers, ['g2'], walked.trace.join('\n'));
  assert.deepEqual(walked.tunnelled, ['h1->h2 vni 1003']);
  const v6: Frame = {
    eth_src: C('a').mac,
    eth_dst: C('b').mac,
    eth_type: 0x86dd,
    ipv6_src: 'fd00:1::11',
    ipv6_dst: 'fd00:1::21',
    ip_proto: 17,
    udp_src: 5000,
    udp_dst: 53,
  };
  assert.deepEqual(c.send('a', v6).containers, ['b']);
});

test('networks stay apart across hosts', () => {
  assert.deepEqual(c.send('a', tcp('a', 'g2')).containers, [], "another network's MAC is unknown in blue");
  assert.deepEqual(c.send('a', tcp('a', 'g2')).tunnelled, [], 'and nothing goes to the underlay');
  assert.deepEqual(
    c.send('g1', tcp('g1', 'b', 80, { ip_dst: C('b').ipv4 })).containers,
    [],
    'green cannot reach a blue MAC either',
  );
});

test('ICC off across hosts: only the allow rule and its replies, checked on both ends', () => {
  assert.deepEqual(c.send('r1', tcp('r1', 'r2', 80)).containers, ['r2'], 'allowed by the rule');
  assert.deepEqual(c.send('r2', tcp('r2', 'r1', 40000, { tcp_src: 80 })).containers, ['r1'], 'its replies');
  assert.deepEqual(c.send('r1', tcp('r1', 'r2', 81)).containers, [], 'another port');
  assert.deepEqual(c.send('r3', tcp('r3', 'r2', 80)).containers, [], 'another sender');
  assert.deepEqual(c.send('r1', tcp('r1', 'r3', 80)).containers, [], 'another receiver');
  assert.deepEqual(c.send('r2', tcp('r2', 'r1', 22)).containers, [], 'the receiver cannot open connections back');
  // A host that sends what its own policy would refuse is refused by the receiver's.
  const forged = fromTunnel('192.0.2.1', 1002, tcp('r1', 'r2', 81), 'gre');
  assert.deepEqual(c.walk('h2', forged).containers, [], 'h2 enforces the rule itself');
  const honest = fromTunnel('192.0.2.1', 1002, tcp('r1', 'r2', 80), 'gre');
  assert.deepEqual(c.walk('h2', honest).containers, ['r2'], 'control: the allowed frame passes at h2');
});

test('broadcast reaches local members, the gateway, and one copy per host with members; never back', () => {
  const walked = c.send('a', udpBroadcast('a'));
  assert.deepEqual(walked.containers, ['a2', 'b', 'b2', 'b3'], walked.trace.join('\n'));
  assert.deepEqual(walked.gateways, ['h1/blue'], "only the sender's own gateway");
  assert.deepEqual(walked.tunnelled, ['h1->h2 vni 1001', 'h1->h3 vni 1001'], 'once to h2 and h3, not to h4');
  const relayed = c.walk('h2', fromTunnel('192.0.2.1', 1001, { ...tcp('a', 'b'), eth_dst: C('b3').mac }));
  assert.deepEqual([...relayed.containers, ...relayed.tunnelled], [], 'a unicast for h3 is not relayed by h2');
  assert.deepEqual(walked.strays, []);
  const multicast = c.send('a', { ...tcp('a', 'b'), eth_dst: '01:00:5e:00:00:fb', ip_dst: '224.0.0.251' });
  assert.deepEqual(multicast.tunnelled, ['h1->h2 vni 1001', 'h1->h3 vni 1001'], 'multicast likewise');
  const fromGateway = c.walk('h1', {
    ...arpRequest('a', '10.1.0.99'),
    in_port: 101,
    eth_src: gatewayMac(1),
    arp_sha: gatewayMac(1),
    arp_spa: '10.1.0.1',
  });
  assert.deepEqual(fromGateway.tunnelled, [], "a gateway's broadcast stays on its host");
  assert.deepEqual(fromGateway.containers, ['a', 'a2']);
});

test('ICC off: a broadcast reaches only the local gateway, on no other host', () => {
  const walked = c.send('r1', udpBroadcast('r1'));
  assert.deepEqual(walked.gateways, ['h1/red']);
  assert.deepEqual(walked.tunnelled, []);
  assert.deepEqual(walked.containers, []);
  const injected = c.walk('h2', fromTunnel('192.0.2.1', 1002, udpBroadcast('r1'), 'gre'));
  assert.deepEqual([...injected.containers, ...injected.gateways], [], 'nor does one that arrives by tunnel');
});

test('ARP for an address no endpoint holds crosses no tunnel and reaches only the local gateway', () => {
  const walked = c.send('a', arpRequest('a', '10.1.0.99'));
  assert.deepEqual(walked.tunnelled, [], walked.trace.join('\n'));
  assert.deepEqual(walked.containers, []);
  assert.deepEqual(walked.gateways, ['h1/blue']);
  assert.deepEqual(c.send('a', udpBroadcast('a')).tunnelled.length, 2, 'control: a broadcast does cross');
});

test("ARP and neighbour solicitations for another host's endpoints are answered before the tunnel", () => {
  const arp = simulate(
    c.flowsOf('h1'),
    { in_port: c.ofport('a'), ...arpRequest('a', C('b').ipv4) },
    {
      tunnelPorts: Object.values(TUNNEL_PORTS),
    },
  );
  assert.equal(arp.deliveries.length, 1, arp.trace.join('\n'));
  assert.equal(arp.deliveries[0]?.port, c.ofport('a'));
  assert.equal(arp.deliveries[0]?.frame.get('arp_sha'), mac48(C('b').mac));
  assert.equal(arp.deliveries[0]?.frame.get('arp_op'), 2n);
  const ns = simulate(
    c.flowsOf('h1'),
    {
      in_port: c.ofport('a'),
      eth_src: C('a').mac,
      eth_dst: '33:33:ff:00:00:21',
      eth_type: 0x86dd,
      ipv6_src: 'fd00:1::11',
      ipv6_dst: 'ff02::1:ff00:21',
      ip_proto: 58,
      icmpv6_type: 135,
      icmpv6_code: 0,
      nd_target: 'fd00:1::21',
      nd_sll: C('a').mac,
      nd_tll: '00:00:00:00:00:00',
      nd_reserved: 0,
      nd_options_type: 1,
    },
    { tunnelPorts: Object.values(TUNNEL_PORTS) },
  );
  assert.equal(ns.deliveries.length, 1, ns.trace.join('\n'));
  assert.equal(ns.deliveries[0]?.port, c.ofport('a'));
  assert.equal(ns.deliveries[0]?.frame.get('nd_tll'), mac48(C('b').mac));
  const closed = c.send('r1', arpRequest('r1', C('r3').ipv4));
  assert.deepEqual(closed.containers, ['r1'], 'ICC off too: the answer comes from h1');
});

test('frames injected on the underlay are dropped unless the sending host has that endpoint in that network', () => {
  const honest = fromTunnel('192.0.2.1', 1001, tcp('a', 'b'));
  assert.deepEqual(c.walk('h2', honest).containers, ['b'], 'control: the honest frame is delivered');
  const cases: Array<[string, Frame]> = [
    ['an unknown VNI', { ...honest, tun_id: 4242n }],
    ["another network's VNI", { ...honest, tun_id: 1003n }],
    ['the VNI on the other tunnel type', { ...honest, in_port: TUNNEL_PORTS.gre }],
    ['an unknown tunnel source', { ...honest, tun_src: '192.0.2.99' }],
    ["another host's endpoint (b3 lives on h3)", fromTunnel('192.0.2.1', 1001, tcp('b3', 'b'))],
    ["h2's own endpoint", fromTunnel('192.0.2.1', 1001, { ...tcp('a2', 'b'), eth_src: C('b').mac })],
    ["another host's endpoint's IP with h1's MAC", { ...honest, ip_src: C('b3').ipv4 }],
    ['an unknown MAC', { ...honest, eth_src: '02:66:66:66:66:66' }],
    ['an endpoint of h1 in another network (g1 is green)', fromTunnel('192.0.2.1', 1001, tcp('g1', 'b'))],
    [
      'ARP claiming another address',
      { ...fromTunnel('192.0.2.1', 1001, arpRequest('a', C('b').ipv4)), arp_spa: C('b3').ipv4 },
    ],
    ['a router advertisement', { ...honest, eth_type: 0x86dd, ip_proto: 58, icmpv6_type: 134, ipv6_src: 'fe80::1' }],
    ['an 802.1Q-tagged inner frame', { ...honest, vlan_vid: 0x1005 }],
  ];
  for (const [what, frame] of cases) {
    const walked = c.walk('h2', frame);
    assert.deepEqual([...walked.containers, ...walked.gateways], [], `${what}\n${walked.trace.join('\n')}`);
  }
});

test("a dead host's frames are dropped, and nothing is sent to it", () => {
  const dead = cluster();
  dead.markDead('h2', 'h3');
  const fromH3 = fromTunnel('192.0.2.3', 1001, tcp('b3', 'b'));
  assert.deepEqual(dead.walk('h2', fromH3).containers, [], 'h2 drops what h3 sends');
  assert.deepEqual(c.walk('h2', fromH3).containers, ['b'], 'control: while h3 is alive it is delivered');
  assert.deepEqual(dead.send('b', tcp('b', 'b3')).tunnelled, [], 'h2 sends nothing to h3');
  assert.deepEqual(dead.send('b', udpBroadcast('b')).tunnelled, ['h2->h1 vni 1001'], 'nor floods it');
});

test('gateways stay per host: none is reached across the tunnel, and none reaches across it', () => {
  const toGateway = fromTunnel('192.0.2.1', 1001, { ...tcp('a', 'b'), eth_dst: gatewayMac(7), ip_dst: '8.8.8.8' });
  assert.deepEqual(c.walk('h2', toGateway).gateways, [], "h1's container cannot route through h2");
  const routedIn = c.walk('h1', {
    ...tcp('a', 'b'),
    in_port: 101,
    eth_src: gatewayMac(1),
    ip_src: '198.51.100.7',
  });
  assert.deepEqual(routedIn.tunnelled, [], "h1's gateway does not reach b on h2");
  assert.deepEqual(
    c.send('a', { ...tcp('a', 'b'), eth_dst: gatewayMac(1), ip_dst: '8.8.8.8' }).gateways,
    ['h1/blue'],
    'control: a reaches its own gateway',
  );
});

test('an internal network spans hosts inside its subnet, and leaves through no host', () => {
  assert.deepEqual(c.send('i1', tcp('i1', 'i2')).containers, ['i2']);
  assert.deepEqual(c.send('i1', { ...tcp('i1', 'i2'), eth_dst: gatewayMac(4), ip_dst: '8.8.8.8' }).gateways, []);
  const viaH2 = fromTunnel('192.0.2.1', 1004, { ...tcp('i1', 'i2'), eth_dst: gatewayMac(8), ip_dst: '8.8.8.8' });
  assert.deepEqual(c.walk('h2', viaH2).gateways, []);
});

test('flows grow linearly: constant per remote endpoint and per host, not with their product', () => {
  const hex = (v: number): string => v.toString(16).padStart(2, '0');
  /** h0's flow count with `hosts` other hosts, each (h0 too) with `perHost` endpoints in blue and red. */
  const count = (hosts: number, perHost: number): number => {
    const hs = Array.from({ length: hosts + 1 }, (_, i) => ({
      name: `h${i}`,
      id: i + 1,
      tunnelIp: `192.0.2.${i + 1}`,
      tags: { blue: 1, red: 2 },
    }));
    const cs = hs.flatMap((h, i) =>
      Array.from({ length: perHost }, (_, k) => ({
        name: `c${i}-${k}`,
        host: h.name,
        network: k % 2 === 0 ? 'blue' : 'red',
        mac: `02:00:00:${hex(i)}:00:${hex(k)}`,
        ipv4: `10.${k % 2 === 0 ? 1 : 2}.0.${i * 8 + (k >> 1) + 2}`,
      })),
    );
    return new Cluster([NETWORKS[0], NETWORKS[1]], hs, cs).flowsOf('h0').length;
  };
  const perTenEndpoints = [count(10, 10), count(10, 12), count(10, 14)];
  const perTenHosts = [count(10, 10), count(20, 10), count(30, 10)];
  const step = (xs: number[]): number[] => xs.slice(1).map((x, i) => x - (xs[i] as number));
  const [e1, e2] = step(perTenEndpoints);
  const [h1, h2] = step(perTenHosts);
  assert.equal(e1, e2, 'each 2 more endpoints per host add the same number of flows');
  assert.equal(h1, h2, 'each 10 more hosts add the same number of flows');
  // 2 more per host: 20 remote IPv4 endpoints (at most 6 flows each) and 2 local ones (7 each).
  assert.ok(e1 !== undefined && e1 > 0 && e1 <= 20 * 6 + 2 * 7, `${e1} flows for 22 more endpoints`);
  // 10 more hosts: 100 remote endpoints and one flow per host and tunnel port.
  assert.ok(h1 !== undefined && h1 > 0 && h1 <= 100 * 6 + 10 * 2, `${h1} flows for 10 more hosts`);
});

test('the encapsulation overhead the controller lowers the MTU by', () => {
  assert.equal(tunnelOverhead('vxlan'), 14 + 20 + 8 + 8);
  assert.equal(tunnelOverhead('gre'), 14 + 20 + 4 + 4);
  assert.equal(tunnelOverhead('vxlan', 'ipv6'), 14 + 40 + 8 + 8);
});
