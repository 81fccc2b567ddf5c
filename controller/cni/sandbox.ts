// The container side of a CNI endpoint: the veth end the join handed out is moved into the
// runtime's network namespace and configured there (name, MAC, addresses, routes) in one
// `ip -batch` run, and read back for CHECK. All through iproute2 argv, never a shell.
import { existsSync } from 'node:fs';
import { run, runOk } from '../host/exec';
import type { HostLinks } from '../host/links';
import type { ContainerEnd } from '../cnm/types';
import type { CniRoute } from './types';

export interface SandboxInterface {
  ifname: string;
  mac: string;
  mtu?: number;
  /** CIDRs. */
  addresses: string[];
  routes: CniRoute[];
}

/** What CHECK finds in the namespace. */
export interface SandboxState {
  mac: string;
  up: boolean;
  mtu: number;
  /** CIDRs, as `ip` prints them. */
  addresses: string[];
  routes: CniRoute[];
}

const inSandbox = (netns: string, args: string[], input?: string): Promise<string> =>
  runOk('nsenter', [`--net=${netns}`, 'ip', ...args], input !== undefined ? { input } : {});

function configureLines(link: string, want: SandboxInterface): string[] {
  const dev = want.ifname;
  return [
    ...(link !== dev ? [`link set dev ${link} name ${dev}`] : []),
    `link set dev ${dev} address ${want.mac}`,
    ...(want.mtu !== undefined ? [`link set dev ${dev} mtu ${want.mtu}`] : []),
    ...want.addresses.map((a) => `addr replace ${a} dev ${dev}${a.includes(':') ? ' nodad' : ''}`),
    `link set dev ${dev} up`,
    ...want.routes.map(
      (r) => `${r.dst.includes(':') ? '-6 ' : ''}route replace ${r.dst}${r.gw ? ` via ${r.gw}` : ''} dev ${dev}`,
    ),
  ];
}

/**
 * Moves the host link `link` into `netns` as `want.ifname` and configures it; a link the
 * join made in the namespace already (`containerEnd.inSandbox`) is only configured. When the
 * link is no longer on the host (a repeated ADD after the move), the interface already in
 * the namespace is configured again instead.
 */
export async function plugIntoSandbox(
  links: HostLinks,
  link: string,
  netns: string,
  want: SandboxInterface,
  containerEnd: ContainerEnd = { inSandbox: false },
): Promise<void> {
  // Made there by the join, it is still under its host name: configured (and renamed) below.
  let current = link;
  if (!containerEnd.inSandbox) {
    if (await links.exists(link))
      await runOk('ip', [...(links.netns ? ['-n', links.netns] : []), 'link', 'set', 'dev', link, 'netns', netns]);
    else current = want.ifname;
  }
  // `ip -batch` takes no per-line family option, so IPv6 routes get a run of their own.
  const lines = configureLines(current, want);
  await inSandbox(netns, ['-batch', '-'], `${lines.filter((l) => !l.startsWith('-6 ')).join('\n')}\n`);
  const v6 = lines.filter((l) => l.startsWith('-6 ')).map((l) => l.slice(3));
  if (v6.length > 0) await inSandbox(netns, ['-6', '-batch', '-'], `${v6.join('\n')}\n`);
}

/** Removes the interface from the namespace; a namespace or interface already gone is fine. */
export async function removeFromSandbox(netns: string, ifname: string): Promise<void> {
  if (!existsSync(netns)) return;
  await run('nsenter', [`--net=${netns}`, 'ip', 'link', 'del', 'dev', ifname], { allowFailure: true });
}

interface IpAddrJson {
  address?: string;
  mtu?: number;
  flags?: string[];
  addr_info?: Array<{ family: string; local: string; prefixlen: number; scope?: string }>;
}
interface IpRouteJson {
  dst: string;
  gateway?: string;
}

/** The interface as the namespace holds it; undefined when it is not there. */
export async function readSandbox(netns: string, ifname: string, ipv6: boolean): Promise<SandboxState | undefined> {
  if (!existsSync(netns)) return undefined;
  const shown = await run('nsenter', [`--net=${netns}`, 'ip', '-j', '-batch', '-'], {
    input: `addr show dev ${ifname}\nroute show dev ${ifname}\n`,
    allowFailure: true,
  });
  if (shown.code !== 0) return undefined;
  const [addrText = '[]', routeText = '[]'] = shown.stdout.split('\n').filter((l) => l.trim() !== '');
  const link = (JSON.parse(addrText) as IpAddrJson[])[0];
  if (!link) return undefined;
  const routes = JSON.parse(routeText) as IpRouteJson[];
  if (ipv6)
    routes.push(...(JSON.parse(await inSandbox(netns, ['-j', '-6', 'route', 'show', 'dev', ifname])) as IpRouteJson[]));
  return {
    mac: link.address ?? '',
    up: link.flags?.includes('UP') ?? false,
    mtu: link.mtu ?? 0,
    addresses: (link.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`),
    routes: routes.map((r) => ({ dst: r.dst, ...(r.gateway !== undefined ? { gw: r.gateway } : {}) })),
  };
}
