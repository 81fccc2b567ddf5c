// Which cluster network a CreateNetwork on another host stands for. Docker never tells a
// driver the network's name, only its `-o` options and subnets, so a request is the same
// network as an existing one when it names the same key (`-o ovsnet.name`) or, without a
// key, has exactly the same subnets; either way every setting must agree. A key that
// matches with other settings, or a subnet that overlaps another network's, is refused
// with an error naming the network that is in the way (its key, subnets and creator).
// Pure: the caller reads the networks and writes the alias.
import { ControllerError, conflict } from '../errors';
import { overlaps, parseCidr } from './addresses';
import { formatNetworkRules } from './network-rules';
import type { NetworkRecord } from './records';
import type { NetworkSpec, SubnetSpec } from './types';

export type NetworkMatch = { kind: 'same'; network: NetworkRecord } | { kind: 'new' };

/** The tunnel type a network without one gets. */
const DEFAULT_TUNNEL = 'vxlan';

export function matchNetwork(spec: NetworkSpec, networks: readonly NetworkRecord[]): NetworkMatch {
  // A name given to ovsnet directly (the control socket) is a key as much as -o ovsnet.name.
  const key = spec.key ?? spec.name;
  if (key !== undefined) {
    const named = networks.find((n) => n.key === key || n.name === key);
    if (named) return same(spec, named, `the name "${key}"`);
  }
  const pools = poolsOf(spec);
  if (pools !== '') {
    const twin = networks.find((n) => poolsOf(n) === pools);
    if (twin && key === undefined) return same(spec, twin, `subnets ${pools}`);
    if (twin) throw conflict(`subnets ${pools} are those of ${describeNetwork(twin)}, not of a network named "${key}"`);
  }
  const mine = [...spec.ipv4, ...spec.ipv6].map((s) => parseCidr(s.pool));
  for (const other of networks) {
    for (const subnet of [...other.ipv4, ...other.ipv6]) {
      const clash = mine.find((m) => overlaps(m, parseCidr(subnet.pool)));
      if (clash)
        throw conflict(
          `subnet ${clash.network}/${clash.prefix} overlaps subnet ${subnet.pool} of ${describeNetwork(other)}`,
        );
    }
  }
  return { kind: 'new' };
}

function same(spec: NetworkSpec, network: NetworkRecord, by: string): NetworkMatch {
  const differences = settingsDiffer(spec, network);
  if (differences.length === 0) return { kind: 'same', network };
  throw new ControllerError(
    'ALREADY_EXISTS',
    `${by} already belongs to ${describeNetwork(network)}, whose settings differ: ${differences.join('; ')}`,
  );
}

/** How a network is named in errors: its key, subnets and the host that created it. */
export function describeNetwork(network: NetworkRecord): string {
  const pools = poolsOf(network) || 'no subnet';
  const creator = network.host !== undefined ? `, created on host ${network.host}` : '';
  return `network "${network.name ?? network.key}" (${pools}${creator})`;
}

/** What differs between a request and an existing network, one phrase each; empty: nothing. */
export function settingsDiffer(spec: NetworkSpec, network: NetworkRecord): string[] {
  const out: string[] = [];
  const subnets = (s: NetworkSpec): string => [...s.ipv4, ...s.ipv6].map(describeSubnet).sort().join(', ');
  if (subnets(spec) !== subnets(network))
    out.push(`subnets ${subnets(spec) || 'none'} here, ${subnets(network) || 'none'} there`);
  if (spec.icc !== network.icc) out.push(`icc ${spec.icc} here, ${network.icc} there`);
  if (spec.internal !== network.internal) out.push(`internal ${spec.internal} here, ${network.internal} there`);
  if (spec.mtu !== network.mtu) out.push(`mtu ${spec.mtu ?? 'unset'} here, ${network.mtu ?? 'unset'} there`);
  // A VNI left out is the cluster's to choose; one given must be the network's.
  if (spec.vni !== undefined && spec.vni !== network.vni)
    out.push(`vni ${spec.vni} here, ${network.vni ?? 'unset'} there`);
  const tunnel = (s: NetworkSpec): string => s.tunnel ?? DEFAULT_TUNNEL;
  if (tunnel(spec) !== tunnel(network)) out.push(`tunnel ${tunnel(spec)} here, ${tunnel(network)} there`);
  const allow = (s: NetworkSpec): string => formatNetworkRules(s.allow ?? []) || 'none';
  if (allow(spec) !== allow(network)) out.push(`allow rules ${allow(spec)} here, ${allow(network)} there`);
  return out;
}

function describeSubnet(subnet: SubnetSpec): string {
  const gateway = subnet.gateway !== undefined ? ` gateway ${subnet.gateway}` : '';
  const range = subnet.ipRange !== undefined ? ` range ${subnet.ipRange}` : '';
  return `${subnet.pool}${gateway}${range}`;
}

function poolsOf(network: NetworkSpec): string {
  return [...network.ipv4, ...network.ipv6]
    .map((s) => s.pool)
    .sort()
    .join(', ');
}
