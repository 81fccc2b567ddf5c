// A network's MTU as its containers see it. Across hosts (a cluster host, a network with a
// VNI) every frame may cross a tunnel, whose headers come out of the underlay's MTU: unless
// the network sets one, its MTU is the underlay's minus the encapsulation (VXLAN 50, GRE 42
// bytes over IPv4), so a full-size frame still fits in one underlay packet.
import { tunnelOverhead } from '../../flows/pipeline/tunnel';
import type { NetworkRecord } from './records';

/** The underlay's MTU ovsnet assumes: Ethernet's. A network on another underlay sets `ovsnet.mtu`. */
export const UNDERLAY_MTU = 1500;

export function networkMtu(network: NetworkRecord, clustered: boolean): number | undefined {
  if (network.mtu !== undefined) return network.mtu;
  if (!clustered || network.vni === undefined) return undefined;
  return UNDERLAY_MTU - tunnelOverhead(network.tunnel ?? 'vxlan');
}
