// Gives each network's gateway (an OVS internal port) its addresses on the host, like
// docker0 holds the bridge network's gateway IP. Internal ports appear only once
// ovs-vswitchd realised them, so a missing link is simply retried on the next pass.
import { run, runOk } from './exec';
import type { EndpointRecord, NetworkRecord } from '../cnm/records';
import { HostNat } from './nat';
import type { GatewayBackend } from '../reconcile/ovs-dataplane';

interface IpAddrJson {
  ifname: string;
  operstate?: string;
  flags?: string[];
  mtu?: number;
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

export class HostGateways implements GatewayBackend {
  private readonly nat: HostNat;
  /** Gateway ports whose checksum offload is already off (per process: cheap to redo). */
  private readonly offloadOff = new Set<string>();

  constructor(private readonly netns?: string) {
    this.nat = new HostNat(netns);
  }

  private ipArgs(args: string[]): string[] {
    return this.netns ? ['-n', this.netns, ...args] : args;
  }

  async sync(networks: NetworkRecord[], endpoints: EndpointRecord[]): Promise<void> {
    for (const network of networks) await this.syncOne(network);
    await this.nat.sync(networks, endpoints);
  }

  private async syncOne(network: NetworkRecord): Promise<void> {
    const shown = await run('ip', this.ipArgs(['-j', 'addr', 'show', 'dev', network.gatewayIfname]), { allowFailure: true });
    if (shown.code !== 0) return; // not realised yet
    const link = (JSON.parse(shown.stdout) as IpAddrJson[])[0];
    if (!link) return;
    const have = new Set((link.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
    for (const subnet of [...network.ipv4, ...network.ipv6]) {
      if (subnet.gateway === undefined) continue;
      const prefix = subnet.pool.split('/')[1];
      const address = `${subnet.gateway}/${prefix}`;
      if (have.has(address)) continue;
      const extra = subnet.gateway.includes(':') ? ['nodad'] : [];
      await runOk('ip', this.ipArgs(['addr', 'replace', address, 'dev', network.gatewayIfname, ...extra]));
    }
    if (network.mtu !== undefined && link.mtu !== network.mtu) {
      await runOk('ip', this.ipArgs(['link', 'set', 'dev', network.gatewayIfname, 'mtu', String(network.mtu)]));
    }
    if (!this.offloadOff.has(network.gatewayIfname)) {
      // The userspace datapath reads the tap with raw sockets and never completes an
      // offloaded checksum: TCP and UDP from the host to containers would be dropped.
      const ethtool = ['-K', network.gatewayIfname, 'tx', 'off'];
      await runOk(this.netns ? 'ip' : 'ethtool', this.netns ? ['netns', 'exec', this.netns, 'ethtool', ...ethtool] : ethtool);
      this.offloadOff.add(network.gatewayIfname);
    }
    if (!(link.flags ?? []).includes('UP')) await runOk('ip', this.ipArgs(['link', 'set', 'dev', network.gatewayIfname, 'up']));
  }
}
