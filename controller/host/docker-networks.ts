// This host's Docker networks of the ovsnet driver, as the Docker sync sees and changes
// them through the engine's API: list them, create a cluster network's copy, remove one.
import { ALLOW_OPTION, formatNetworkRules } from '../cnm/network-rules';
import type { NetworkRecord } from '../cnm/records';
import type { SubnetSpec } from '../cnm/types';
import { ControllerError } from '../errors';
import { engineMessage, engineRequest } from './docker-engine';

/** The driver (and IPAM driver) name Docker knows ovsnet by. */
export const OVSNET_DRIVER = 'ovsnet';

export interface DockerNetwork {
  id: string;
  name: string;
  /** When Docker created it, in ms since the epoch (NaN when Docker did not say). */
  created: number;
}

export async function listOvsnetNetworks(socketPath: string): Promise<DockerNetwork[]> {
  const filters = encodeURIComponent(JSON.stringify({ driver: [OVSNET_DRIVER] }));
  const answer = await engineRequest(socketPath, 'GET', `/networks?filters=${filters}`);
  if (answer.status !== 200 || !Array.isArray(answer.body))
    throw new ControllerError('UNAVAILABLE', `Docker could not list its networks: ${engineMessage(answer)}`);
  return (answer.body as Array<{ Id?: unknown; Name?: unknown; Driver?: unknown; Created?: unknown }>)
    .filter((n) => n.Driver === OVSNET_DRIVER && typeof n.Id === 'string' && typeof n.Name === 'string')
    .map((n) => ({
      id: n.Id as string,
      name: n.Name as string,
      created: typeof n.Created === 'string' ? Date.parse(n.Created) : Number.NaN,
    }));
}

/** The engine's POST /networks/create body that makes a cluster network's copy here. */
export function dockerCreateRequest(network: NetworkRecord & { name: string }): Record<string, unknown> {
  const options: Record<string, string> = { 'ovsnet.name': network.key, 'ovsnet.icc': String(network.icc) };
  if (network.vni !== undefined) options['ovsnet.vni'] = String(network.vni);
  if (network.tunnel !== undefined) options['ovsnet.tunnel'] = network.tunnel;
  if (network.mtu !== undefined) options['ovsnet.mtu'] = String(network.mtu);
  // The copy carries the same rules, so this host's CreateNetwork agrees with the cluster's.
  if (network.allow !== undefined && network.allow.length > 0)
    options[ALLOW_OPTION] = formatNetworkRules(network.allow);
  return {
    Name: network.name,
    CheckDuplicate: true,
    Driver: OVSNET_DRIVER,
    IPAM: { Driver: OVSNET_DRIVER, Config: [...network.ipv4, ...network.ipv6].map(ipamConfig) },
    Options: options,
    Internal: network.internal,
    EnableIPv6: network.ipv6.length > 0,
  };
}

function ipamConfig(subnet: SubnetSpec): Record<string, unknown> {
  return {
    Subnet: subnet.pool,
    ...(subnet.gateway !== undefined ? { Gateway: subnet.gateway } : {}),
    ...(subnet.ipRange !== undefined ? { IPRange: subnet.ipRange } : {}),
    ...(subnet.auxAddresses !== undefined ? { AuxiliaryAddresses: subnet.auxAddresses } : {}),
  };
}

/** Creates the network on this host's engine; resolves with its Docker id. */
export async function createDockerNetwork(socketPath: string, body: Record<string, unknown>): Promise<string> {
  // Creating calls the plugin (pool, gateway, CreateNetwork) before Docker answers.
  const answer = await engineRequest(socketPath, 'POST', '/networks/create', body, 30_000);
  if (answer.status !== 201)
    throw new ControllerError(
      'UNAVAILABLE',
      `Docker refused to create network "${String(body['Name'])}": ${engineMessage(answer)}`,
    );
  const id = (answer.body as { Id?: unknown }).Id;
  return typeof id === 'string' ? id : '';
}

/** Removes a network from this host's engine; one already gone is no error. */
export async function removeDockerNetwork(socketPath: string, id: string): Promise<void> {
  const answer = await engineRequest(socketPath, 'DELETE', `/networks/${encodeURIComponent(id)}`);
  if (answer.status === 204 || answer.status === 200 || answer.status === 404) return;
  throw new ControllerError('CONFLICT', `Docker refused to remove network ${id}: ${engineMessage(answer)}`);
}
