// What ovsnet holds on a host, read from the real components rather than from ovsnet's
// own bookkeeping alone: bridge ports, veths, flows by cookie, NAT rules for published
// ports, addresses on gateway ports, and what the store says (networks, endpoints, IPAM
// addresses). Idle port-pool slots are left out: the pool keeps them on purpose. Fault
// tests and the soak compare a footprint with the one taken before, so anything a crash or
// a removal left behind shows up by name.
import { join } from 'node:path';
import { callControl } from '../../controller/control/client';
import { parseCookie } from '../../flows/pipeline/cookies';
import type { OvsInstance } from './ovs';
import { linkNames } from './netns';

export interface Footprint {
  networks: string[];
  endpoints: string[];
  /** `<pool> <address>` for every address IPAM holds, and `<pool>` for every pool. */
  addresses: string[];
  /** Bridge ports other than the bridge itself and idle pool slots. */
  ports: string[];
  /** Links named like ovsnet's veths and gateways, other than idle pool slots. */
  veths: string[];
  /** `<kind>:<id>` of every object some ovsnet flow exists for (table-wide and shared ones aside). */
  flowObjects: string[];
  /** ovsnet's NAT rules (published ports and masquerading). */
  natRules: string[];
  /** Addresses on ovsnet's gateway links. */
  gatewayAddresses: string[];
}

/** The daemon's control socket in its state directory. */
export function controlSocket(stateDir: string): string {
  return join(stateDir, 'ovsnet.ctl');
}

const sorted = (items: Iterable<string>): string[] => [...new Set(items)].sort();

export async function takeFootprint(ovs: OvsInstance, stateDir: string): Promise<Footprint> {
  const control = controlSocket(stateDir);
  // The pool first: a slot taken after this listing shows as an endpoint's, never as a leak.
  const slots = await callControl(control, 'pool.ls', {});
  const pooled = new Set(slots.flatMap((s) => [s.hostIfname, s.containerIfname]));
  const [networks, endpoints, pools] = await Promise.all([
    callControl(control, 'network.ls', {}),
    callControl(control, 'endpoint.ls', {}),
    callControl(control, 'ipam.ls', {}),
  ]);
  const ports = (await ovs.vsctl('list-ports', 'br-int')).split('\n').filter((p) => p !== '' && !pooled.has(p));
  const links = linkNames(await ovs.netns.ip('-o', 'link', 'show')).filter(
    (n) => /^ov[scpq][0-9a-f]+$/.test(n) && !pooled.has(n),
  );
  const flowObjects = (await ovs.ofctl('-O', 'OpenFlow13', 'dump-flows', 'br-int'))
    .split('\n')
    .map((l) => /cookie=(0x[0-9a-f]+)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined)
    .map((c) => parseCookie(BigInt(c))?.object)
    .filter((o) => o !== undefined && o.kind !== 'table_wide' && o.kind !== 'shared')
    .map((o) => `${o?.kind}:${o?.id}`);
  const natRules = (await ovs.netns.exec('iptables-save', ['-t', 'nat']))
    .split('\n')
    .filter((l) => l.startsWith('-A OVSNET-'));
  const gatewayAddresses = (await ovs.netns.ip('-o', 'addr', 'show'))
    .split('\n')
    .map((l) => /^\d+: (ovsgw\S*)\s+inet6? (\S+)/.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
  return {
    networks: sorted(networks.map((n) => n.id)),
    endpoints: sorted(endpoints.map((e) => `${e.networkId}/${e.endpointId}`)),
    addresses: sorted(pools.flatMap((p) => [p.poolId, ...p.addresses.map((a) => `${p.poolId} ${a.address}`)])),
    ports: sorted(ports),
    veths: sorted(links),
    flowObjects: sorted(flowObjects),
    natRules: sorted(natRules),
    gatewayAddresses: sorted(gatewayAddresses),
  };
}
