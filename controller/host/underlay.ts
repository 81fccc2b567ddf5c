// The underlay on an OVS bridge (`--underlay-iface IFACE`). With the userspace datapath a
// tunnel port sends from an address that lives on an OVS bridge: the kernel's copy of the
// address on the physical interface is bypassed, since OVS reads that interface with a raw
// socket. So the interface becomes the one port of a bridge of its own (`br-phy`, a plain
// learning switch) and its addresses and routes move to the bridge's internal port. Done
// once at start and idempotent: a restarted daemon finds everything in place and changes
// nothing; an interface already on br-phy keeps it.
import { ControllerError } from '../errors';
import type { Logger } from '../log';
import type { Vswitch } from '../../ovsdb/vswitch/vswitch';
import { run, runOk } from './exec';

export const UNDERLAY_BRIDGE = 'br-phy';

export interface UnderlayOptions {
  iface: string;
  datapath: 'system' | 'netdev';
  /** Network namespace of the host's OVS (tests run a whole host in one). */
  netns?: string;
  logger: Logger;
}

interface IpAddressInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope: string;
}

interface IpRoute {
  dst: string;
  gateway?: string;
  protocol?: string;
  metric?: number;
}

/** What the move did: the addresses and routes now on br-phy. */
export interface UnderlayReport {
  moved: string[];
  routes: string[];
}

export async function ensureUnderlayBridge(vswitch: Vswitch, options: UnderlayOptions): Promise<UnderlayReport> {
  const { iface, netns } = options;
  const ip = (args: string[]): Promise<string> => runOk('ip', [...(netns ? ['-n', netns] : []), ...args]);
  const shown = await run('ip', [...(netns ? ['-n', netns] : []), '-j', 'link', 'show', 'dev', iface], {
    allowFailure: true,
  });
  if (shown.code !== 0)
    throw new ControllerError('INVALID_ARGUMENT', `--underlay-iface ${iface}: no such network interface`);
  const onUnderlay = vswitch.view.ports(UNDERLAY_BRIDGE).some((p) => p.name === iface);
  if (!onUnderlay && vswitch.view.port(iface) !== undefined)
    throw new ControllerError(
      'CONFLICT',
      `--underlay-iface ${iface} is already a port of another bridge; remove it there or name another interface`,
    );
  if (!vswitch.view.bridge(UNDERLAY_BRIDGE))
    await vswitch.ensureBridge({ name: UNDERLAY_BRIDGE, datapathType: options.datapath, failMode: 'standalone' });
  if (!onUnderlay) await vswitch.addPorts([{ bridge: UNDERLAY_BRIDGE, name: iface }]);
  await waitForLink(ip, UNDERLAY_BRIDGE);

  const addresses = (
    JSON.parse(await ip(['-j', 'addr', 'show', 'dev', iface])) as Array<{ addr_info: IpAddressInfo[] }>
  )
    .flatMap((l) => l.addr_info)
    .filter((a) => a.scope === 'global');
  // Routes through the interface that the kernel did not make for an address itself.
  const routes = (JSON.parse(await ip(['-j', 'route', 'show', 'dev', iface])) as IpRoute[]).filter(
    (r) => r.protocol !== 'kernel',
  );
  const moved: string[] = [];
  for (const a of addresses) {
    const cidr = `${a.local}/${a.prefixlen}`;
    await ip(['addr', 'replace', cidr, 'dev', UNDERLAY_BRIDGE]);
    await ip(['addr', 'del', cidr, 'dev', iface]);
    moved.push(cidr);
  }
  await ip(['link', 'set', UNDERLAY_BRIDGE, 'up']);
  await ip(['link', 'set', iface, 'up']);
  const rerouted: string[] = [];
  for (const r of routes) {
    const via = r.gateway !== undefined ? ['via', r.gateway] : [];
    const metric = r.metric !== undefined ? ['metric', String(r.metric)] : [];
    await ip(['route', 'replace', r.dst, ...via, 'dev', UNDERLAY_BRIDGE, ...metric]);
    rerouted.push(`${r.dst}${r.gateway !== undefined ? ` via ${r.gateway}` : ''}`);
  }
  if (moved.length > 0 || rerouted.length > 0)
    options.logger.info(
      { iface, bridge: UNDERLAY_BRIDGE, addresses: moved, routes: rerouted },
      'underlay: addresses and routes moved onto the OVS bridge the tunnels send from',
    );
  return { moved, routes: rerouted };
}

/** ovs-vswitchd creates a bridge's internal port a moment after the transaction. */
async function waitForLink(ip: (args: string[]) => Promise<string>, name: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await ip(['link', 'show', 'dev', name]);
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new ControllerError('UNAVAILABLE', `Open vSwitch did not create ${name}'s internal port`, {
          reason: (error as Error).message,
        });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
