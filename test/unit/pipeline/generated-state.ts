// A large, varied pipeline state for tests that must hold for every flow: a dozen networks
// (ICC on and off, internal, IPv4 and dual-stack, one without a gateway), hundreds of
// endpoints and allow rules, several rules sharing a conjunction clause. Its ids are
// chosen to collide under the cookie layout ovsnet used before object kinds: one 32-bit
// field held an endpoint's or gateway's ofport, a network's tag (tag << 8 in policy and
// output) and a rule's id, so network 1, rule 256 and gateway port 256 had one cookie.
import type { PipelineEndpoint, PipelineNetwork, PipelineRule, PipelineState } from '../../../flows/pipeline/model';

export const TAGS = [1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 256, 300];
const ENDPOINTS_PER_NETWORK = 40;
/** Gateway ports sit where rule ids and tag << 8 values are too. */
const gatewayPort = (index: number): number => 256 + index;

const hex = (n: number, width = 2): string => n.toString(16).padStart(width, '0');

function network(tag: number, index: number): PipelineNetwork {
  const dualStack = index % 2 === 0;
  return {
    tag,
    icc: index % 3 !== 0,
    internal: index % 4 === 2,
    subnets: [`10.${index}.0.0/16`, ...(dualStack ? [`fd00:${hex(index, 1)}::/64`] : [])],
    ...(index === TAGS.length - 1
      ? {}
      : { gateway: { ofport: gatewayPort(index), mac: `02:0e:00:00:00:${hex(index)}` } }),
    gatewayAddresses: [`10.${index}.0.1`, ...(dualStack ? [`fd00:${hex(index, 1)}::1`] : [])],
  };
}

function endpoints(networks: PipelineNetwork[]): PipelineEndpoint[] {
  const reserved = new Set(networks.flatMap((n) => (n.gateway ? [n.gateway.ofport] : [])));
  const out: PipelineEndpoint[] = [];
  let ofport = 1;
  networks.forEach((net, index) => {
    for (let i = 0; i < ENDPOINTS_PER_NETWORK; i++) {
      while (reserved.has(ofport)) ofport++;
      const v6 = net.subnets.find((s) => s.includes(':'));
      out.push({
        ofport,
        networkTag: net.tag,
        mac: `02:00:00:${hex(index)}:${hex(ofport >> 8)}:${hex(ofport & 0xff)}`,
        ipv4: `10.${index}.${i >> 8}.${(i & 0xff) + 2}`,
        ...(v6 && i % 3 !== 0 ? { ipv6: `${v6.split('::')[0]}::${hex(i + 2, 1)}` } : {}),
      });
      ofport++;
    }
  });
  return out;
}

/** Rules on the ICC-off networks; consecutive rules share a sender, so clauses merge; a third are stateful. */
function rules(networks: PipelineNetwork[], eps: PipelineEndpoint[]): PipelineRule[] {
  const ids = [
    ...Array.from({ length: 120 }, (_, i) => i + 1),
    ...TAGS.map((tag) => tag << 8),
    ...networks.flatMap((n) => (n.gateway ? [n.gateway.ofport] : [])),
  ];
  const unique = [...new Set(ids)];
  const isolated = networks.filter((n) => !n.icc);
  const protos: Array<Pick<PipelineRule, 'proto' | 'port'>> = [
    {},
    { proto: 'tcp', port: 80 },
    { proto: 'udp', port: 53 },
    { proto: 'icmp' },
    { proto: 'tcp' },
  ];
  return unique.map((id, i) => {
    const net = isolated[i % isolated.length] as PipelineNetwork;
    const members = eps.filter((e) => e.networkTag === net.tag).map((e) => e.ofport);
    const pick = (k: number): number => members[k % members.length] as number;
    const sender = Math.floor(i / 2);
    return {
      id,
      networkTag: net.tag,
      from: [pick(sender), pick(sender + 7)],
      to: [pick(i + 3), pick(i + 11), pick(i + 19)],
      ...protos[i % protos.length],
      ...(i % 3 === 1 ? { stateful: true } : {}),
    };
  });
}

export function generatedState(): PipelineState {
  const networks = TAGS.map(network);
  const eps = endpoints(networks);
  return { networks, endpoints: eps, rules: rules(networks, eps) };
}

/** Host ids collide with network tags, remote endpoint ids with ofports and rule ids. */
export const HOST_IDS = [1, 2, 3, 256, 300];
/** A host that is down: its endpoints and flows must not appear. */
export const DEAD_HOST = 3;
const REMOTE_PER_HOST = 4;

/**
 * The generated state as one host of a cluster: VXLAN and GRE tunnel ports, most networks
 * spanning hosts (one without a VNI stays local), five other hosts (one dead, one with an
 * IPv6 underlay) with a few endpoints in each spanning network, and allow rules naming
 * remote endpoints too.
 */
export function generatedOverlayState(): PipelineState {
  const state = generatedState();
  state.tunnels = [
    { type: 'vxlan', ofport: 65000 },
    { type: 'gre', ofport: 65001 },
  ];
  state.networks.forEach((net, index) => {
    if (index === 4) return; // this one is local to the host
    net.vni = 5000 + index;
    if (index % 3 === 1) net.tunnel = 'gre';
  });
  // The last host's underlay is IPv6.
  state.remoteHosts = HOST_IDS.map((id, i) => ({
    id,
    tunnelIp: i === HOST_IDS.length - 1 ? `2001:db8::${i + 10}` : `192.0.2.${i + 10}`,
    alive: id !== DEAD_HOST,
  }));
  state.remoteEndpoints = [];
  let id = 1;
  state.networks.forEach((net, index) => {
    if (net.vni === undefined) return;
    const v6 = net.subnets.find((s) => s.includes(':'));
    HOST_IDS.forEach((host, h) => {
      for (let k = 0; k < REMOTE_PER_HOST; k++, id++) {
        state.remoteEndpoints?.push({
          id,
          host,
          networkTag: net.tag,
          mac: `02:01:${hex(h)}:${hex(index)}:00:${hex(k)}`,
          ipv4: `10.${index}.${h + 1}.${k + 2}`,
          ...(v6 && k % 2 === 0 ? { ipv6: `${v6.split('::')[0]}::1:${hex(h, 1)}:${hex(k + 2, 1)}` } : {}),
        });
      }
    });
  });
  const remoteIn = (tag: number): number[] =>
    (state.remoteEndpoints ?? []).filter((e) => e.networkTag === tag).map((e) => e.id);
  state.rules.forEach((rule, i) => {
    const remote = remoteIn(rule.networkTag);
    if (remote.length === 0 || i % 3 === 2) return;
    const pick = (k: number): number => remote[k % remote.length] as number;
    if (i % 3 === 0) rule.fromRemote = [pick(i), pick(i + 5)];
    rule.toRemote = [pick(i + 1)];
    if (i % 7 === 0) rule.from = [];
  });
  return state;
}
