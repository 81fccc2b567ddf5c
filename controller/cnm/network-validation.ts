// Validation of a network request: every problem is reported with the field and value
// that caused it, before anything is stored.
import { conflict, invalid } from '../errors';
import { contains, overlaps, parseAddress, parseCidr } from './addresses';
import { validateNetworkRules } from './network-rules';
import type { NetworkRecord } from './records';
import type { NetworkSpec, SubnetSpec } from './types';

const ID = /^[0-9A-Za-z][0-9A-Za-z_.-]{0,127}$/;

export function validateNetworkSpec(spec: NetworkSpec): NetworkSpec {
  if (typeof spec !== 'object' || spec === null) throw invalid('network request must be an object');
  if (typeof spec.id !== 'string' || !ID.test(spec.id))
    throw invalid(`network id "${String(spec.id)}" must be 1-128 letters, digits, '.', '_' or '-'`);
  if (spec.name !== undefined && (typeof spec.name !== 'string' || !ID.test(spec.name)))
    throw invalid(`network name "${String(spec.name)}" is not valid`);
  if (spec.key !== undefined && (typeof spec.key !== 'string' || !ID.test(spec.key)))
    throw invalid(`network key "${String(spec.key)}" is not valid`);
  if (typeof spec.icc !== 'boolean') throw invalid('icc must be true or false');
  if (typeof spec.internal !== 'boolean') throw invalid('internal must be true or false');
  if (spec.mtu !== undefined && (!Number.isInteger(spec.mtu) || spec.mtu < 68 || spec.mtu > 65535))
    throw invalid(`mtu ${spec.mtu} must be an integer from 68 to 65535`);
  if (spec.vni !== undefined && (!Number.isInteger(spec.vni) || spec.vni < 1 || spec.vni > 0xffffff))
    throw invalid(`vni ${spec.vni} must be an integer from 1 to 16777215`);
  if (spec.tunnel !== undefined && spec.tunnel !== 'vxlan' && spec.tunnel !== 'gre')
    throw invalid(`tunnel "${String(spec.tunnel)}" must be vxlan or gre`);
  if (!Array.isArray(spec.ipv4) || !Array.isArray(spec.ipv6)) throw invalid('ipv4 and ipv6 must be lists of subnets');
  const ipv4 = spec.ipv4.map((s) => validateSubnet(s, 4));
  const ipv6 = spec.ipv6.map((s) => validateSubnet(s, 6));
  // No rules is the same network as an empty list of them.
  const allow = spec.allow !== undefined ? validateNetworkRules(spec.allow) : [];
  const out: NetworkSpec = { ...spec, ipv4, ipv6, allow: allow.length > 0 ? allow : undefined };
  for (const k of Object.keys(out) as Array<keyof NetworkSpec>) if (out[k] === undefined) delete out[k];
  return out;
}

function validateSubnet(subnet: SubnetSpec, family: 4 | 6): SubnetSpec {
  if (typeof subnet !== 'object' || subnet === null) throw invalid(`IPv${family} subnet must be an object with a pool`);
  const pool = parseCidr(subnet.pool, `IPv${family} subnet`);
  if (pool.family !== family) throw invalid(`subnet "${subnet.pool}" is not an IPv${family} subnet`);
  const out: SubnetSpec = { pool: `${pool.network}/${pool.prefix}` };
  if (subnet.gateway !== undefined && subnet.gateway !== '') {
    const gw = parseAddress(subnet.gateway.split('/')[0] as string, `gateway of ${subnet.pool}`);
    if (gw.family !== family || !contains(pool, gw.value))
      throw invalid(`gateway ${subnet.gateway} is outside subnet ${subnet.pool}`);
    out.gateway = gw.address;
  }
  if (subnet.ipRange !== undefined && subnet.ipRange !== '') {
    const range = parseCidr(subnet.ipRange, `ip-range of ${subnet.pool}`);
    if (range.family !== family || range.first < pool.first || range.last > pool.last)
      throw invalid(`ip-range ${subnet.ipRange} is outside subnet ${subnet.pool}`);
    out.ipRange = `${range.network}/${range.prefix}`;
  }
  if (subnet.auxAddresses !== undefined) {
    const aux: Record<string, string> = {};
    for (const [name, value] of Object.entries(subnet.auxAddresses)) {
      const a = parseAddress(String(value).split('/')[0] as string, `aux address "${name}"`);
      if (!contains(pool, a.value)) throw invalid(`aux address "${name}" ${value} is outside subnet ${subnet.pool}`);
      aux[name] = a.address;
    }
    out.auxAddresses = aux;
  }
  if (subnet.poolId !== undefined) out.poolId = subnet.poolId;
  return out;
}

/** Subnets of two networks never overlap: an address must name one network only. */
export function checkNoOverlap(spec: NetworkSpec, others: NetworkRecord[]): void {
  const mine = [...spec.ipv4, ...spec.ipv6].map((s) => parseCidr(s.pool));
  for (const other of others) {
    for (const subnet of [...other.ipv4, ...other.ipv6]) {
      const theirs = parseCidr(subnet.pool);
      const clash = mine.find((m) => overlaps(m, theirs));
      if (clash)
        throw conflict(`subnet ${clash.network}/${clash.prefix} overlaps ${subnet.pool} of network "${other.id}"`);
    }
  }
}
