// `ovsnet network ls|create|rm`: the cluster's networks without Docker. `ls` shows each
// network with its endpoints per host; `create` makes a network by name (see
// network-spec.ts); `rm` takes a name, key or id and fails while endpoints remain, naming
// the hosts they live on.
import { networksReferredTo, type EndpointRecord, type NetworkRecord } from '../../controller/api';
import { askDaemon } from './ask-daemon';
import { UsageError, type ParsedArgs } from './args';
import { networkSpecFrom } from './network-spec';
import { short, table } from './table';

type Output = (value: unknown, human: () => string) => void;

/** A network as `ovsnet network ls` lists it: the record and its endpoints by host. */
export type ListedNetwork = NetworkRecord & { endpointsPerHost: Record<string, number> };

/** Endpoints of a single host have no host id: they are counted under "local". */
export function withEndpointsPerHost(
  networks: readonly NetworkRecord[],
  endpoints: readonly EndpointRecord[],
): ListedNetwork[] {
  return networks.map((n) => {
    const perHost: Record<string, number> = {};
    for (const e of endpoints)
      if (e.networkId === n.id) perHost[e.host ?? 'local'] = (perHost[e.host ?? 'local'] ?? 0) + 1;
    return { ...n, endpointsPerHost: perHost };
  });
}

const subnets = (n: NetworkRecord): string => [...n.ipv4, ...n.ipv6].map((s) => s.pool).join(',');
const perHost = (n: ListedNetwork): string =>
  Object.entries(n.endpointsPerHost)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([host, count]) => `${host}:${count}`)
    .join(',') || '0';

export async function networkCommand(control: string, args: ParsedArgs, out: Output): Promise<number> {
  const [sub, ref, extra] = args.positionals;
  if (sub === 'ls' || sub === undefined) {
    const [networks, endpoints] = await Promise.all([
      askDaemon(control, 'network.ls', {}),
      askDaemon(control, 'endpoint.ls', {}),
    ]);
    const listed = withEndpointsPerHost(networks, endpoints);
    out(listed, () =>
      table(listed, [
        ['ID', (n) => short(n.id)],
        ['KEY', (n) => n.key],
        ['TAG', (n) => n.tag],
        ['SUBNETS', subnets],
        ['VNI', (n) => n.vni],
        ['TUNNEL', (n) => n.tunnel ?? 'vxlan'],
        ['ICC', (n) => n.icc],
        ['INTERNAL', (n) => n.internal],
        ['ENDPOINTS', perHost],
      ]),
    );
    return 0;
  }
  if (sub === 'create') {
    const created = await askDaemon(control, 'network.create', networkSpecFrom(args));
    out(created, () => created.id);
    return 0;
  }
  if (sub === 'rm') {
    if (ref === undefined || extra !== undefined) throw new UsageError('usage: ovsnet network rm NETWORK');
    const found = networksReferredTo(await askDaemon(control, 'network.ls', {}), ref);
    const exact = found.filter((n) => n.id === ref || n.name === ref || n.key === ref);
    const chosen = exact.length === 1 ? exact : found;
    if (chosen.length !== 1)
      throw new UsageError(chosen.length === 0 ? `no network "${ref}"` : `"${ref}" matches ${chosen.length} networks`);
    const network = chosen[0] as NetworkRecord;
    await askDaemon(control, 'network.delete', { id: network.id });
    out({ removed: network.id }, () => network.name ?? network.key);
    return 0;
  }
  throw new UsageError(`unknown network command "${sub}" (ls, create, rm, inspect)`);
}
