// The emulated physical network: a Linux bridge in a namespace of its own (where etcd also
// lives), and one veth per host from that bridge to the host's namespace.
import { HOST_UNDERLAY_IFACE, UNDERLAY_PREFIX_LENGTH, type HostPlan, type LabPlan } from './plan';
import { inNetns, runOk } from './run';

async function createNetns(name: string): Promise<void> {
  await runOk(['ip', 'netns', 'add', name]);
  await runOk(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

export async function createUnderlay(plan: LabPlan): Promise<void> {
  const { netns, bridge, ip } = plan.underlay;
  await createNetns(netns);
  await runOk(['ip', '-n', netns, '-batch', '-'], {
    input: [
      `link add ${bridge} type bridge`,
      `addr add ${ip}/${UNDERLAY_PREFIX_LENGTH} dev ${bridge}`,
      `link set ${bridge} up`,
    ].join('\n'),
  });
}

/**
 * The host's namespace and its cable to the underlay bridge. Both veth ends compute
 * checksums in software: the host end is read by the userspace datapath through a raw
 * socket, which does not complete checksums left to offload (TCP would arrive corrupt).
 */
export async function createHostNamespace(plan: LabPlan, host: HostPlan): Promise<void> {
  const underlay = plan.underlay.netns;
  await createNetns(host.netns);
  await runOk([
    'ip',
    '-n',
    underlay,
    'link',
    'add',
    host.underlayPeer,
    'type',
    'veth',
    'peer',
    'name',
    HOST_UNDERLAY_IFACE,
    'netns',
    host.netns,
  ]);
  await runOk(inNetns(underlay, ['ethtool', '-K', host.underlayPeer, 'tx', 'off']));
  await runOk(inNetns(host.netns, ['ethtool', '-K', HOST_UNDERLAY_IFACE, 'tx', 'off']));
  await runOk(['ip', '-n', underlay, 'link', 'set', host.underlayPeer, 'master', plan.underlay.bridge, 'up']);
  await runOk(['ip', '-n', host.netns, 'link', 'set', HOST_UNDERLAY_IFACE, 'up']);
}
