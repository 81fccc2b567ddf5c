// Host network plumbing for container ports: veth pairs, MTU, MAC, moving a link into a
// sandbox namespace, addresses and routes. All through iproute2/ethtool argv, never a shell.
// `netns` selects the namespace the controller's OVS lives in (tests run the whole host in
// one); undefined means the namespace of this process.
import { run, runOk, CommandError } from './exec';
import { IpBatcher } from './ip-batch';
import { writeKernelSettings, type KernelSetting } from './sysctl';

export interface VethOptions {
  mtu?: number;
  /** MAC of the container-side end. */
  peerMac?: string;
  /**
   * Make the container-side end directly in this namespace (a path, as sandbox keys are):
   * no move afterwards, which costs a process and the kernel's move between namespaces.
   */
  peerNetns?: string;
}

/** What `ip` says of a link that is not there: deleting it is then done already. */
const LINK_GONE = /Cannot find device|does not exist/;

/** Namespace paths `ip` is given on a batch line: absolute, and nothing a batch line would split. */
export const BATCHABLE_NETNS_PATH = /^\/[0-9A-Za-z_./:@+-]+$/;

export interface SandboxAddressing {
  /** Final name inside the sandbox, e.g. eth1. */
  ifname: string;
  /** The endpoint's MAC, set there before the link comes up (when it was made without it). */
  mac?: string;
  /** Addresses in CIDR form. */
  addresses: string[];
  gatewayIpv4?: string;
  gatewayIpv6?: string;
}

/**
 * The kernel settings that keep the host's own stack from serving containers through the
 * switch's end of their veth.
 *
 * The userspace datapath reads a port's frames through a packet socket, which leaves the
 * kernel processing them as well, as if that end were one of the host's interfaces. Left
 * alone, it answers a container's ARP for any of the host's addresses with the end's own
 * MAC and then delivers (or, with forwarding on, routes) what the container sends there:
 * past every flow, so an `--internal` network's container reached the host's other
 * addresses. With no ARP answers (arp_ignore 8) and no IPv6 (which would give the end a
 * link-local address and ND answers), the end's random MAC never reaches the container;
 * frames sent to the broadcast MAC with a unicast address inside are dropped too
 * (drop_unicast_in_l2_multicast), and frames to any other MAC are not for the host.
 *
 * IPv6 off also saves ovs-vswitchd work: every output to a port that has an address is
 * checked as a possible tunnel endpoint (a walk of the namespace's address list and a
 * wider megaflow), each link-local address and its route make it reread the routing
 * table, and the list it walks grows with every port.
 */
const sealedSwitchEnd = (name: string): KernelSetting[] => [
  { key: `net/ipv4/conf/${name}/arp_ignore`, value: '8' },
  { key: `net/ipv4/conf/${name}/drop_unicast_in_l2_multicast`, value: '1' },
  { key: `net/ipv6/conf/${name}/disable_ipv6`, value: '1', ipv6: true },
];

/**
 * Seals the switch's ends of veths (in `netns`, else this process's namespace) before
 * their peers bring the carrier up, as said above. A port the kernel would not let us seal
 * is an error: the caller gives it up rather than plug it in open.
 */
export async function sealSwitchEnds(names: readonly string[], netns?: string): Promise<void> {
  try {
    await writeKernelSettings(names.flatMap(sealedSwitchEnd), netns);
  } catch (error) {
    throw new Error(`cannot seal ${names.join(', ')} from the host's own stack: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export class HostLinks {
  private readonly batcher: IpBatcher;

  constructor(readonly netns?: string) {
    this.batcher = new IpBatcher(netns);
  }

  private ip(args: string[]): Promise<string> {
    return runOk('ip', this.netns ? ['-n', this.netns, ...args] : args);
  }

  private inNetns(cmd: string, args: string[]): Promise<string> {
    return this.netns ? runOk('ip', ['netns', 'exec', this.netns, cmd, ...args]) : runOk(cmd, args);
  }

  /** sealSwitchEnds in this instance's namespace. */
  seal(names: readonly string[]): Promise<void> {
    return sealSwitchEnds(names, this.netns);
  }

  async exists(name: string): Promise<boolean> {
    const result = await run('ip', [...(this.netns ? ['-n', this.netns] : []), 'link', 'show', 'dev', name], {
      allowFailure: true,
    });
    return result.code === 0;
  }

  /**
   * Creates `host` <-> `peer`, both up except the peer (the sandbox brings it up), with
   * checksum offload off on the peer: the userspace datapath reads the container's frames
   * from a raw socket on `host` and never completes a checksum the peer left to offload.
   * (Frames OVS writes into `host` already carry whole checksums, so `host` keeps it.)
   * `host` is made promiscuous at once: ovs-vswitchd turns that on when the port is added,
   * and each link change in its namespace makes it reconfigure every bridge. `host` is
   * sealed from the host's own stack (sealSwitchEnds) before the peer can come up.
   * Idempotent when the pair already exists.
   */
  async createVeth(host: string, peer: string, options: VethOptions = {}): Promise<void> {
    const mtu = options.mtu !== undefined ? ['mtu', String(options.mtu)] : [];
    const mac = options.peerMac !== undefined ? ['address', options.peerMac] : [];
    const where = options.peerNetns;
    if (where !== undefined && !BATCHABLE_NETNS_PATH.test(where))
      throw new Error(`unusable namespace path for a veth end: ${where}`);
    const add = [
      ...['link', 'add', host, ...mtu, 'up', 'promisc', 'on', 'type', 'veth', 'peer', 'name', peer, ...mtu, ...mac],
      ...(where !== undefined ? ['netns', where] : []),
    ];
    // Try the common case first: every process started costs the daemon a fork, and at
    // thousands of joins that adds up; only a clash makes it look at what is there.
    const first = await this.batcher.run(add);
    if (first.code !== 0) {
      if (!/File exists/.test(first.stderr)) throw new CommandError(['ip', ...add], first.code, first.stderr);
      // A retried join finds its pair whole here; one whose end is in a namespace is made again.
      if (where === undefined && (await this.exists(host)) && (await this.exists(peer))) {
        // Its first attempt may have stopped between making the pair and this.
        await this.seal([host]);
        return;
      }
      await this.deleteLink(host);
      if (where === undefined) await this.deleteLink(peer);
      await this.ip(add);
    }
    try {
      await this.seal([host]);
      if (where === undefined) await this.inNetns('ethtool', ['-K', peer, 'tx', 'off']);
      else await runOk('nsenter', [`--net=${where}`, 'ethtool', '-K', peer, 'tx', 'off']);
    } catch (error) {
      await this.deleteLink(host);
      throw error;
    }
  }

  /**
   * Creates many pairs at once, as createVeth does (host end up and sealed, checksum
   * offload off on the peer), with one `ip` and one `ethtool` round instead of processes
   * per pair.
   * Returns the host names of pairs that could not be made; none of those is left behind.
   */
  async createVethPairs(pairs: Array<{ host: string; peer: string }>): Promise<Set<string>> {
    const failed = new Set<string>();
    if (pairs.length === 0) return failed;
    for (const p of pairs)
      if (!/^[0-9A-Za-z_.-]{1,15}$/.test(p.host) || !/^[0-9A-Za-z_.-]{1,15}$/.test(p.peer))
        throw new Error(`unusable interface names ${p.host}/${p.peer}`);
    // Submitted together, the lines share the batcher's `ip -force -batch` runs.
    const made = await Promise.all(
      pairs.map((p) => this.batcher.run(['link', 'add', p.host, 'up', 'type', 'veth', 'peer', 'name', p.peer])),
    );
    pairs.forEach((p, i) => {
      if (made[i]?.code !== 0) failed.add(p.host);
    });
    const ok = pairs.filter((p) => !failed.has(p.host));
    if (ok.length === 0) return failed;
    const sealed = await this.seal(ok.map((p) => p.host)).then(
      () => true,
      () => false,
    );
    // xargs runs one ethtool per name from its input: no shell, and one process to start here.
    const offload = ['xargs', '-I', '{}', 'ethtool', '-K', '{}', 'tx', 'off'];
    const result = sealed
      ? await run(
          this.netns ? 'ip' : 'xargs',
          this.netns ? ['netns', 'exec', this.netns, ...offload] : offload.slice(1),
          { input: `${ok.map((p) => p.peer).join('\n')}\n`, allowFailure: true },
        )
      : undefined;
    if (result?.code !== 0) {
      // Which one failed is not worth parsing out: a pair left open to the host's stack, or
      // whose peer might still offload checksums, is no port to hand out, so all of this
      // round are given up.
      for (const p of ok) failed.add(p.host);
      await Promise.all(ok.map((p) => this.batcher.run(['link', 'del', 'dev', p.host])));
    }
    return failed;
  }

  /**
   * Sets a link's MTU through the batcher, so that joins arriving together share one `ip`.
   * With `missingIsFine`, a link that is no longer here (moved into its sandbox) is no error.
   */
  async setMtu(name: string, mtu: number, options: { missingIsFine?: boolean } = {}): Promise<void> {
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new Error(`unusable MTU ${mtu}`);
    const args = ['link', 'set', 'dev', name, 'mtu', String(mtu)];
    const result = await this.batcher.run(args);
    if (result.code === 0) return;
    if (options.missingIsFine === true && LINK_GONE.test(result.stderr)) return;
    throw new CommandError(['ip', ...args], result.code, result.stderr);
  }

  /** Names of every link in the namespace (one `ip` call). */
  async linkNames(): Promise<Set<string>> {
    const text = await this.ip(['-o', 'link', 'show']);
    return new Set(
      text
        .split('\n')
        .map((l) => /^\d+: ([^:@\s]+)/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined),
    );
  }

  /**
   * Deletes many links (and their veth peers) through the batcher: one `ip` for all, where
   * one each cost a process per link. A link already gone is fine. Returns why each link that
   * could not be deleted was not, by name.
   */
  async deleteLinks(names: readonly string[]): Promise<Map<string, CommandError>> {
    const results = await Promise.all(names.map((name) => this.batcher.run(['link', 'del', 'dev', name])));
    const failed = new Map<string, CommandError>();
    results.forEach((result, i) => {
      const name = names[i] as string;
      if (result.code !== 0 && !LINK_GONE.test(result.stderr))
        failed.set(name, new CommandError(['ip', 'link', 'del', 'dev', name], result.code, result.stderr));
    });
    return failed;
  }

  /** Deletes a link (and its veth peer); a link that is already gone is fine. */
  async deleteLink(name: string): Promise<void> {
    try {
      await this.ip(['link', 'del', 'dev', name]);
    } catch (error) {
      if (error instanceof CommandError && LINK_GONE.test(error.stderr)) return;
      throw error;
    }
  }

  /**
   * Moves `link` into the sandbox namespace (a path such as /var/run/docker/netns/<id> or
   * /proc/<pid>/ns/net), renames it, addresses it, brings it up and sets default routes.
   * `alreadyThere`: the link was made in the sandbox (VethOptions.peerNetns); no move.
   */
  async moveIntoSandbox(
    link: string,
    sandboxPath: string,
    addressing: SandboxAddressing,
    options: { alreadyThere?: boolean } = {},
  ): Promise<void> {
    if (options.alreadyThere !== true) await this.ip(['link', 'set', 'dev', link, 'netns', sandboxPath]);
    // One `ip -batch` in the sandbox instead of a process per step: each process is a fork
    // of the daemon, and a busy host makes every one of them slow. The batch stops at the
    // first line that fails, as the steps one by one did.
    const lines = [
      `link set dev ${link} name ${addressing.ifname}`,
      ...(addressing.mac !== undefined ? [`link set dev ${addressing.ifname} address ${addressing.mac}`] : []),
      ...addressing.addresses.map(
        (address) => `addr add ${address} dev ${addressing.ifname}${address.includes(':') ? ' nodad' : ''}`,
      ),
      `link set dev ${addressing.ifname} up`,
      ...(addressing.gatewayIpv4
        ? [`route replace default via ${addressing.gatewayIpv4} dev ${addressing.ifname}`]
        : []),
      ...(addressing.gatewayIpv6
        ? [`route replace default via ${addressing.gatewayIpv6} dev ${addressing.ifname}`]
        : []),
    ];
    await runOk('nsenter', [`--net=${sandboxPath}`, 'ip', '-batch', '-'], { input: `${lines.join('\n')}\n` });
  }

  /** Deletes a link inside a sandbox namespace; gone is fine. */
  async deleteInSandbox(sandboxPath: string, ifname: string): Promise<void> {
    const result = await run('nsenter', [`--net=${sandboxPath}`, 'ip', 'link', 'del', 'dev', ifname], {
      allowFailure: true,
    });
    if (result.code !== 0 && !/Cannot find device/.test(result.stderr)) {
      throw new CommandError(
        ['nsenter', `--net=${sandboxPath}`, 'ip', 'link', 'del', ifname],
        result.code,
        result.stderr,
      );
    }
  }
}

/** Interface names are at most 15 bytes; derive stable ones from an endpoint id. */
export function vethNamesFor(endpointId: string): { host: string; peer: string } {
  const tag = endpointId
    .replace(/[^0-9a-zA-Z]/g, '')
    .slice(0, 11)
    .toLowerCase();
  if (tag.length < 4) throw new Error(`endpoint id "${endpointId}" is too short to name an interface`);
  return { host: `ovs${tag}`, peer: `ovc${tag}` };
}
