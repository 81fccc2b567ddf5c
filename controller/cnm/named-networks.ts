// Networks as `ovsnet network create|rm` make and remove them, without Docker. A network
// made by name has that name as its cross-host key, so it is the same network as a Docker
// network created with `-o ovsnet.name=NAME` on any host, and its id is derived from the
// name: hosts creating the same name at once converge on one record (the store's create is
// idempotent per id). Errors read like Docker's: a name already used with other settings
// says which settings differ, an overlapping subnet names the network that holds it, and a
// network that still has endpoints names the hosts they live on.
import { createHash } from 'node:crypto';
import { ControllerError, conflict } from '../errors';
import { formatAddress, overlaps, parseCidr } from './addresses';
import { validateNetworkSpec } from './network-validation';
import { formatNetworkRules } from './network-rules';
import type { EndpointRecord, NetworkRecord } from './records';
import type { NetworkSpec, SubnetSpec } from './types';

/** The id of the network `ovsnet network create NAME` makes: the same on every host. */
export function networkIdForName(name: string): string {
  return createHash('sha256').update(`ovsnet network\0${name}`).digest('hex');
}

/** Docker's default gateway: the subnet's first host address (none for /31, /32, /127, /128). */
export function defaultGateway(pool: string): string | undefined {
  const cidr = parseCidr(pool);
  if (cidr.prefix >= (cidr.family === 4 ? 31 : 127)) return undefined;
  return formatAddress(cidr.family, cidr.first + 1n);
}

/** Where the settings of `existing` differ from those asked for, in words; empty when the same. */
export function settingsDiffer(existing: NetworkSpec, asked: NetworkSpec): string[] {
  const subnets = (n: NetworkSpec): string => [...n.ipv4, ...n.ipv6].map(describeSubnet).sort().join(', ');
  const differences: string[] = [];
  const compare = (what: string, have: unknown, want: unknown): void => {
    if (have !== want) differences.push(`${what} ${String(have)} (asked ${String(want)})`);
  };
  compare('subnets', subnets(existing), subnets(asked));
  compare('icc', existing.icc, asked.icc);
  compare('internal', existing.internal, asked.internal);
  compare('mtu', existing.mtu ?? 'default', asked.mtu ?? 'default');
  // A VNI the cluster chose is not a difference unless one was asked for.
  if (asked.vni !== undefined) compare('vni', existing.vni ?? 'none', asked.vni);
  compare('tunnel', existing.tunnel ?? 'vxlan', asked.tunnel ?? 'vxlan');
  compare(
    'allow rules',
    formatNetworkRules(existing.allow ?? []) || 'none',
    formatNetworkRules(asked.allow ?? []) || 'none',
  );
  return differences;
}

function describeSubnet(s: SubnetSpec): string {
  return `${s.pool}${s.gateway !== undefined ? ` gateway ${s.gateway}` : ''}${s.ipRange !== undefined ? ` ip-range ${s.ipRange}` : ''}`;
}

/**
 * What creating `input` by its name means given the networks there are: the existing
 * network when it was made with the same settings, undefined when it is new (then the
 * store's create makes it), an error when the name or a subnet is taken.
 */
export function existingOrNew(input: NetworkSpec, networks: readonly NetworkRecord[]): NetworkRecord | undefined {
  const spec = validateNetworkSpec(input);
  const key = spec.key ?? spec.name;
  const same = key !== undefined ? networks.find((n) => n.key === key) : undefined;
  if (same) {
    const differences = settingsDiffer(same, spec);
    if (differences.length === 0) return same;
    throw new ControllerError(
      'ALREADY_EXISTS',
      `network "${key}" already exists with other settings: ${differences.join('; ')}`,
    );
  }
  const mine = [...spec.ipv4, ...spec.ipv6].map((s) => parseCidr(s.pool));
  // The same id is the store's to judge: the same request again, or other settings under it.
  for (const other of networks.filter((n) => n.id !== spec.id))
    for (const subnet of [...other.ipv4, ...other.ipv6]) {
      const clash = mine.find((m) => overlaps(m, parseCidr(subnet.pool)));
      if (clash)
        throw conflict(
          `subnet ${clash.network}/${clash.prefix} overlaps ${subnet.pool} of network "${other.name ?? other.key}"`,
        );
    }
  return undefined;
}

/** Why a network cannot be removed yet: where its endpoints live; undefined when it has none. */
export function endpointsInTheWay(network: NetworkRecord, endpoints: readonly EndpointRecord[]): string | undefined {
  if (endpoints.length === 0) return undefined;
  const byHost = new Map<string, number>();
  for (const e of endpoints) byHost.set(e.host ?? 'this host', (byHost.get(e.host ?? 'this host') ?? 0) + 1);
  const where = [...byHost]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([host, n]) => `${host === 'this host' ? host : `host ${host}`} (${n} endpoint${n === 1 ? '' : 's'})`)
    .join(', ');
  return `network "${network.name ?? network.key}" still has endpoints on ${where}; remove them first`;
}
