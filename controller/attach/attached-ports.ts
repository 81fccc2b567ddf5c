// Finding the ports a manual attach created (by ovsnet or by ovs-docker) from the
// Interface external_ids both tools write.
import type { VswitchView } from '../../ovsdb/vswitch/view';
import type { PortInfo } from '../../ovsdb/vswitch/types';
import { CONTAINER_ID_KEY, CONTAINER_IFACE_KEY } from './request';
import { matchesTarget, type AttachTarget } from './target';

export interface AttachedPort {
  port: string;
  bridge?: string;
  containerIface: string;
  externalIds: Record<string, string>;
}

/** Ports attached to the target; `bridge` narrows to one bridge, `ifname` to one interface. */
export function attachedPorts(
  vswitch: VswitchView,
  target: AttachTarget,
  filter: { bridge?: string; ifname?: string } = {},
): AttachedPort[] {
  const out: AttachedPort[] = [];
  for (const port of vswitch.ports(filter.bridge)) {
    const found = attachment(port);
    if (!found || !matchesTarget(target, found.externalIds[CONTAINER_ID_KEY])) continue;
    if (filter.ifname !== undefined && found.containerIface !== filter.ifname) continue;
    out.push(found);
  }
  return out;
}

function attachment(port: PortInfo): AttachedPort | undefined {
  const iface = port.interfaces[0];
  const containerIface = iface?.externalIds[CONTAINER_IFACE_KEY];
  if (!iface || containerIface === undefined) return undefined;
  return {
    port: port.name,
    ...(port.bridge !== undefined ? { bridge: port.bridge } : {}),
    containerIface,
    externalIds: iface.externalIds,
  };
}
