// What the CNI plugin (drivers/cni/) asks the daemon over the control socket, and what it
// gets back: plain data, declared once for both sides (controller/control/contract.ts).
import type { TunnelType } from '../cnm/types';

/** One subnet the network configuration declares, with its gateway when it names one. */
export interface CniSubnet {
  subnet: string;
  gateway?: string;
}

/** The ovsnet network a CNI configuration names, with the settings to create it with. */
export interface CniNetworkRequest {
  /** The configuration's "name": an ovsnet network's name, cross-host key or id. */
  name: string;
  /** Declared subnets; none: the existing network's, or a dynamic pool for a new one. */
  subnets: CniSubnet[];
  icc?: boolean;
  internal?: boolean;
  mtu?: number;
  vni?: number;
  tunnel?: TunnelType;
  /** The configuration's "bridge": the daemon must own this bridge. */
  bridge?: string;
  /** Addresses come from an IPAM plugin the CNI plugin ran, not from ovsnet's IPAM. */
  delegatedIpam: boolean;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniIp {
  /** CIDR: the address with its subnet's prefix length. */
  address: string;
  gateway?: string;
}

/** Which container interface a request is about: the spec's (container id, ifname) pair. */
export interface CniAttachment {
  network: CniNetworkRequest;
  containerId: string;
  ifname: string;
}

export interface CniAddRequest extends CniAttachment {
  /** Path of the container's network namespace (CNI_NETNS). */
  netns: string;
  /** Delegated IPAM: the addresses and routes it assigned. */
  ips?: CniIp[];
  routes?: CniRoute[];
  /** ovsnet IPAM: particular addresses asked for (CNI_ARGS IP=, runtimeConfig "ips"). */
  requestedIps?: string[];
  /** A particular MAC (CNI_ARGS MAC=, runtimeConfig "mac"). */
  mac?: string;
  /** For people and allow rules (K8S_POD_NAME when the runtime sends it). */
  containerName?: string;
}

export interface CniDelRequest extends CniAttachment {
  /** Absent when the runtime no longer has the namespace (the spec allows that on DEL). */
  netns?: string;
}

export interface CniCheckRequest extends CniAttachment {
  netns: string;
}

/** The endpoint as the container sees it: what ADD made and CHECK verifies. */
export interface CniEndpointView {
  networkId: string;
  endpointId: string;
  /** The host end of the veth: the OVS port. */
  hostIfname: string;
  /** The container interface's MAC. */
  mac: string;
  mtu?: number;
  ips: CniIp[];
  routes: CniRoute[];
}

/** cni.exec: one plugin call as the runtime made it, forwarded by the plugin executable. */
export interface CniExecRequest {
  /** The plugin's whole environment (CNI_* and what a delegated plugin inherits). */
  env: Record<string, string>;
  /** The network configuration as read from the plugin's stdin. */
  stdin: string;
}

/** What the plugin executable writes and the status it exits with. */
export interface CniExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}
