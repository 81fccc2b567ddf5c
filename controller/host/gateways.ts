// Gives each network's gateway (an OVS internal port) its addresses on the host, like
// docker0 holds the bridge network's gateway IP. Internal ports appear only once
// ovs-vswitchd realised them, so a missing link is simply retried on the next pass.
import { run, runOk } from './exec';
import type { EndpointRecord, NetworkRecord } from '../cnm/records';
import { HostNat } from './nat';
import type { GatewayBackend } from '../reconcile/ovs-dataplane';
import { systemClock, type Clock } from '../clock';
import { writeKernelSettings } from './sysctl';

interface IpAddrJson {
  ifindex?: number;
  ifname: string;
  operstate?: string;
  flags?: string[];
  mtu?: number;
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

export class HostGateways implements GatewayBackend {
  private readonly nat: HostNat;
  /**
   * Gateway links already prepared (see prepare()), by name and index: a port that
   * ovs-vswitchd made again (after its restart) is a new link with the kernel's defaults.
   */
  private readonly prepared = new Set<string>();
  /** When each network's gateway was last found as it should be, and for which settings. */
  private readonly checked = new Map<string, { fingerprint: string; at: number }>();
  /** Networks whose gateway is being checked again in the background. */
  private readonly rechecking = new Set<string>();

  /** recheckMs: how long a gateway found right is trusted (a hand edit is repaired after it). */
  constructor(
    private readonly netns?: string,
    private readonly clock: Clock = systemClock,
    private readonly recheckMs = 1000,
  ) {
    this.nat = new HostNat(netns);
  }

  private ipArgs(args: string[]): string[] {
    return this.netns ? ['-n', this.netns, ...args] : args;
  }

  async sync(networks: NetworkRecord[], endpoints: EndpointRecord[]): Promise<void> {
    const now = this.clock.now();
    for (const network of networks) {
      // Reading a gateway's addresses costs a process: at most once per recheck period
      // while the network is unchanged.
      const fingerprint = JSON.stringify([network.gatewayIfname, network.ipv4, network.ipv6, network.mtu]);
      const seen = this.checked.get(network.id);
      if (seen && seen.fingerprint === fingerprint) {
        if (now - seen.at >= this.recheckMs) this.recheckInBackground(network, fingerprint, now);
        continue;
      }
      if (await this.syncOne(network)) this.checked.set(network.id, { fingerprint, at: now });
    }
    for (const id of this.checked.keys()) if (!networks.some((n) => n.id === id)) this.checked.delete(id);
    await this.nat.sync(networks, endpoints);
  }

  /**
   * A gateway found right before, with unchanged settings, is checked again (to repair a
   * hand edit) beside the pass rather than in it: a join waits for the pass, and on a busy
   * host the process this starts can take longer than the rest of the pass. If the check
   * fails, the next pass does it in the foreground again.
   */
  private recheckInBackground(network: NetworkRecord, fingerprint: string, now: number): void {
    if (this.rechecking.has(network.id)) return;
    this.rechecking.add(network.id);
    this.syncOne(network)
      .then(
        (ok) => {
          if (ok) this.checked.set(network.id, { fingerprint, at: now });
          else this.checked.delete(network.id);
        },
        () => this.checked.delete(network.id),
      )
      .finally(() => this.rechecking.delete(network.id));
  }

  /** True once the gateway link exists and holds what the network says. */
  private async syncOne(network: NetworkRecord): Promise<boolean> {
    const shown = await run('ip', this.ipArgs(['-j', 'addr', 'show', 'dev', network.gatewayIfname]), {
      allowFailure: true,
    });
    if (shown.code !== 0) return false; // not realised yet
    const link = (JSON.parse(shown.stdout) as IpAddrJson[])[0];
    if (!link) return false;
    const linkId = `${network.gatewayIfname}#${link.ifindex ?? 0}`;
    if (!this.prepared.has(linkId)) {
      await this.prepare(network.gatewayIfname);
      this.prepared.add(linkId);
    }
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
    if (!(link.flags ?? []).includes('UP'))
      await runOk('ip', this.ipArgs(['link', 'set', 'dev', network.gatewayIfname, 'up']));
    return true;
  }

  /**
   * Before the gateway holds an address: checksum offload off, since the userspace datapath
   * reads the tap with raw sockets and never completes an offloaded checksum (TCP and UDP
   * from the host to containers would be dropped). And the host's stack drops a unicast
   * packet that came in a broadcast or multicast frame: the gateway port gets every frame
   * a container floods, and it would otherwise deliver one addressed to any of the host's
   * addresses (the stack takes any of them on any interface), which let an `--internal`
   * network's container reach the host past the flows that keep it in its subnet.
   */
  private async prepare(ifname: string): Promise<void> {
    await writeKernelSettings(
      [
        { key: `net/ipv4/conf/${ifname}/drop_unicast_in_l2_multicast`, value: '1' },
        { key: `net/ipv6/conf/${ifname}/drop_unicast_in_l2_multicast`, value: '1', ipv6: true },
      ],
      this.netns,
    );
    const ethtool = ['-K', ifname, 'tx', 'off'];
    await runOk(
      this.netns ? 'ip' : 'ethtool',
      this.netns ? ['netns', 'exec', this.netns, 'ethtool', ...ethtool] : ethtool,
    );
  }
}
