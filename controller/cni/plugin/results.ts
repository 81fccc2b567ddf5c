// CNI results in the version the configuration asked for, and the results other plugins
// (a delegated IPAM plugin, the plugins before us in a chain) hand us.
import type { CniEndpointView, CniIp, CniRoute } from '../types';
import { CniCode, CniError } from './errors';
import { ipsCarryVersion, type CniVersion } from './versions';

type Json = Record<string, unknown>;

export interface AddContext {
  cniVersion: CniVersion;
  ifname: string;
  netns: string;
  dns?: Json;
  /** The chain's result so far, when ovsnet is not the first plugin. */
  prevResult?: Json;
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value.filter((v) => typeof v === 'object' && v !== null) as Json[]) : [];
}

/** The ADD result: the host end and the container interface, its addresses and routes. */
export function addResult(view: CniEndpointView, ctx: AddContext): Json {
  const before = ctx.prevResult ?? {};
  const interfaces = list(before['interfaces']);
  const sandboxIndex = interfaces.length + 1;
  const ips = view.ips.map((ip) => ({
    ...(ipsCarryVersion(ctx.cniVersion) ? { version: ip.address.includes(':') ? '6' : '4' } : {}),
    address: ip.address,
    ...(ip.gateway !== undefined ? { gateway: ip.gateway } : {}),
    interface: sandboxIndex,
  }));
  return {
    cniVersion: ctx.cniVersion,
    interfaces: [...interfaces, { name: view.hostIfname }, { name: ctx.ifname, mac: view.mac, sandbox: ctx.netns }],
    ips: [...list(before['ips']), ...ips],
    routes: [...list(before['routes']), ...view.routes.map((r) => ({ dst: r.dst, ...(r.gw ? { gw: r.gw } : {}) }))],
    dns: before['dns'] ?? ctx.dns ?? {},
  };
}

/** Addresses and routes of a result of any supported version (an IPAM plugin's, say). */
export function addressesOf(result: Json, from: string): { ips: CniIp[]; routes: CniRoute[] } {
  const ips = list(result['ips']).map((ip) => {
    if (typeof ip['address'] !== 'string')
      throw new CniError(CniCode.DECODING_FAILURE, `${from} returned an IP entry without "address"`);
    return { address: ip['address'], ...(typeof ip['gateway'] === 'string' ? { gateway: ip['gateway'] } : {}) };
  });
  const routes = list(result['routes']).map((r) => {
    if (typeof r['dst'] !== 'string')
      throw new CniError(CniCode.DECODING_FAILURE, `${from} returned a route without "dst"`);
    return { dst: r['dst'], ...(typeof r['gw'] === 'string' ? { gw: r['gw'] } : {}) };
  });
  return { ips, routes };
}

/**
 * CHECK's comparison of the chain's prevResult with what the daemon holds: the interface
 * ADD reported is the one in the namespace, with the same MAC and addresses.
 */
export function prevResultProblems(prev: Json, view: CniEndpointView, ifname: string, netns: string): string[] {
  const interfaces = list(prev['interfaces']);
  const index = interfaces.findIndex((i) => i['name'] === ifname && i['sandbox'] === netns);
  if (index < 0) return [`prevResult lists no interface ${ifname} in ${netns}`];
  const problems: string[] = [];
  const mac = (interfaces[index] as Json)['mac'];
  if (typeof mac === 'string' && mac.toLowerCase() !== view.mac.toLowerCase())
    problems.push(`prevResult gives ${ifname} MAC ${mac}, ovsnet gave it ${view.mac}`);
  const listed = list(prev['ips'])
    .filter((ip) => ip['interface'] === index)
    .map((ip) => ip['address']);
  for (const ip of view.ips)
    if (!listed.includes(ip.address)) problems.push(`prevResult lacks ${ifname}'s address ${ip.address}`);
  for (const address of listed)
    if (!view.ips.some((ip) => ip.address === address))
      problems.push(`prevResult gives ${ifname} address ${String(address)}, which ovsnet did not assign`);
  return problems;
}
