// What `ovsnet attach` (and the ovs-docker entry point) asks for, validated before anything
// on the host is touched so that bad input never leaves half-created state.
import { invalid } from '../errors';
import { parseAddress, parseCidr, parseMac } from '../cnm/addresses';

/** The external_ids keys ovs-docker writes on the Interface row; both tools find ports by them. */
export const CONTAINER_ID_KEY = 'container_id';
export const CONTAINER_IFACE_KEY = 'container_iface';
/** The external_ids key on a bridge the ovsnet daemon owns: its control socket. */
export const CONTROL_SOCKET_KEY = 'ovsnet-control';
/** Our own addition, so that "address in use" can be checked on plain bridges too. */
export const ADDRESS_KEY = 'ovsnet_address';

export interface AddPortRequest {
  bridge: string;
  /** Interface name inside the container, e.g. eth1. */
  ifname: string;
  /** The container as the user named it (stored verbatim as container_id, like ovs-docker). */
  container: string;
  /** Address with prefix; a bare address gets /32 (/128), as `ip addr add` does. */
  address?: string;
  gateway?: string;
  mac?: string;
  mtu?: number;
  vlan?: number;
  /** A network namespace (path or pid) instead of a Docker container. */
  netns?: string;
  /** ovsnet network for ports on the daemon's bridge; default: the one whose subnet holds address. */
  network?: string;
}

/** Bridges and interfaces are both kernel link names: at most 15 bytes (IFNAMSIZ - 1). */
const LINK_NAME = /^[a-zA-Z0-9_.-]{1,15}$/;

export function checkBridgeName(name: string): string {
  if (!LINK_NAME.test(name))
    throw invalid(`"${name}" is not a valid bridge name (1-15 letters, digits, '_', '.', '-')`);
  return name;
}

export function checkIfname(name: string): string {
  if (!LINK_NAME.test(name) || name === '.' || name === '..')
    throw invalid(`"${name}" is not a valid interface name (1-15 letters, digits, '_', '.', '-')`);
  return name;
}

export function checkContainerRef(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/.test(name)) throw invalid(`"${name}" is not a valid container name or id`);
  return name;
}

/** Normalises and checks every field; throws INVALID_ARGUMENT naming the bad one. */
export function validateAddPort(request: AddPortRequest): AddPortRequest {
  const out: AddPortRequest = {
    bridge: checkBridgeName(request.bridge),
    ifname: checkIfname(request.ifname),
    container: checkContainerRef(request.container),
  };
  let family: 4 | 6 | undefined;
  if (request.address !== undefined) {
    const withPrefix = request.address.includes('/')
      ? request.address
      : `${request.address}/${request.address.includes(':') ? 128 : 32}`;
    const cidr = parseCidr(withPrefix, '--ipaddress', true);
    const host = parseAddress(withPrefix.split('/')[0] as string, '--ipaddress');
    family = host.family;
    out.address = `${host.address}/${cidr.prefix}`;
  }
  if (request.gateway !== undefined) {
    const gateway = parseAddress(request.gateway, '--gateway');
    if (family !== undefined && gateway.family !== family)
      throw invalid(`--gateway ${request.gateway} is not of the same family as --ipaddress ${request.address ?? ''}`);
    out.gateway = gateway.address;
  }
  if (request.mac !== undefined) {
    out.mac = parseMac(request.mac, '--macaddress');
  }
  if (request.mtu !== undefined) {
    if (!Number.isInteger(request.mtu) || request.mtu < 68 || request.mtu > 65535)
      throw invalid(`--mtu must be an integer from 68 to 65535, not "${String(request.mtu)}"`);
    out.mtu = request.mtu;
  }
  if (request.vlan !== undefined) out.vlan = checkVlan(request.vlan);
  if (request.netns !== undefined) out.netns = checkNetnsRef(request.netns);
  if (request.network !== undefined) {
    if (request.network === '') throw invalid('--network must not be empty');
    out.network = request.network;
  }
  return out;
}

export function checkVlan(vlan: number): number {
  // 0 and 4095 are reserved by 802.1Q; OVS accepts 0-4095 but a tag of 0 means "priority only".
  if (!Number.isInteger(vlan) || vlan < 1 || vlan > 4094)
    throw invalid(`VLAN must be an integer from 1 to 4094, not "${String(vlan)}"`);
  return vlan;
}

export function checkNetnsRef(ref: string): string {
  if (/^[1-9][0-9]*$/.test(ref) || ref.startsWith('/')) return ref;
  throw invalid(`--netns must be a process id or an absolute path such as /var/run/netns/NAME, not "${ref}"`);
}
