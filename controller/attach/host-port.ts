// The host half of a manual attach: a veth pair whose container end is created directly
// inside the sandbox under its final name (one netlink request, so there is never a
// half-moved link to clean up), then addressed there in one `ip -batch` run.
import { randomBytes } from 'node:crypto';
import { run, runOk, CommandError } from '../host/exec';
import { ControllerError } from '../errors';
import { HostLinks, sealSwitchEnds } from '../host/links';

export interface SandboxLink {
  nsPath: string;
  ifname: string;
  mtu?: number;
  mac?: string;
  address?: string;
  gateway?: string;
}

/** ovs-docker's naming: 13 random hex digits, `_l` on the host, so both tools' ports look alike. */
export function newHostIfname(): string {
  return `${randomBytes(7).toString('hex').slice(0, 13)}_l`;
}

export async function createSandboxVeth(host: string, link: SandboxLink, checksumOffloadOff: boolean): Promise<void> {
  const mtu = link.mtu !== undefined ? ['mtu', String(link.mtu)] : [];
  const mac = link.mac !== undefined ? ['address', link.mac] : [];
  const created = await run(
    'ip',
    [
      'link',
      'add',
      host,
      ...mtu,
      'up',
      'type',
      'veth',
      'peer',
      'name',
      link.ifname,
      ...mtu,
      ...mac,
      'netns',
      link.nsPath,
    ],
    { allowFailure: true },
  );
  if (created.code !== 0) {
    if (/File exists/.test(created.stderr)) {
      throw new ControllerError(
        'ALREADY_EXISTS',
        `an interface named ${link.ifname} already exists in the container (or ${host} on the host)`,
      );
    }
    throw new CommandError(
      ['ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', link.ifname],
      created.code,
      created.stderr,
    );
  }
  try {
    await sealSwitchEnds([host]);
    if (checksumOffloadOff) {
      // The userspace datapath never completes checksums the container's end left to
      // offload (see HostLinks.createVeth); the host end only carries whole ones.
      await runOk('nsenter', [`--net=${link.nsPath}`, 'ethtool', '-K', link.ifname, 'tx', 'off']);
    }
    const batch = [
      ...(link.address !== undefined
        ? [`addr add ${link.address} dev ${link.ifname}${link.address.includes(':') ? ' nodad' : ''}`]
        : []),
      `link set ${link.ifname} up`,
      ...(link.gateway !== undefined ? [`route replace default via ${link.gateway} dev ${link.ifname}`] : []),
    ];
    await runOk('nsenter', [`--net=${link.nsPath}`, 'ip', '-batch', '-'], { input: `${batch.join('\n')}\n` });
  } catch (error) {
    await deleteHostLink(host);
    throw error;
  }
}

/** Deleting the host end removes the container end with it; gone already is fine. */
export function deleteHostLink(host: string): Promise<void> {
  return new HostLinks().deleteLink(host);
}
