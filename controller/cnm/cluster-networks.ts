// Creating and deleting networks in a cluster, where every host's dockerd has its own copy
// of a network under an id of its own. A CreateNetwork that stands for an existing cluster
// network (network-match.ts) becomes an alias of it, and this host claims its own gateway
// port; any other becomes a new cluster network. A DeleteNetwork on any host removes the
// cluster network (with its aliases) once no host has endpoints in it, and otherwise fails
// naming the hosts that still do.
import type { Clock } from '../clock';
import { ControllerError, conflict } from '../errors';
import { validateNetworkSpec } from './network-validation';
import { matchNetwork, settingsDiffer, describeNetwork } from './network-match';
import type { NetworkRecord } from './records';
import type { Registry } from './registry';
import type { NetworkSpec } from './types';

export class ClusterNetworks {
  constructor(
    private readonly registry: Registry,
    private readonly hostId: string,
    private readonly clock: Clock,
  ) {}

  async create(input: NetworkSpec): Promise<NetworkRecord> {
    const spec = validateNetworkSpec(input);
    const { networks, aliases } = this.registry;
    const own = await networks.get(spec.id);
    if (own) {
      if (settingsDiffer(spec, own).length === 0) return own;
      throw new ControllerError('ALREADY_EXISTS', `network "${spec.id}" already exists with different settings`);
    }
    const alias = await aliases.get(spec.id);
    const aliased = alias && (await networks.get(alias.network));
    if (aliased) return aliased;
    // Two hosts creating the same network at once: the one that lost the race for the key
    // finds the winner's network on its second look.
    for (let attempt = 0; ; attempt++) {
      const match = matchNetwork(spec, await networks.list());
      if (match.kind === 'same') {
        await aliases.add(spec.id, match.network, this.hostId, this.clock.now());
        await this.registry.gatewayPorts.ensure([match.network]);
        return match.network;
      }
      try {
        return await networks.create(spec);
      } catch (error) {
        if (attempt > 0 || !(error instanceof ControllerError) || error.code !== 'ALREADY_EXISTS') throw error;
      }
    }
  }

  /** Removes the network `id` names (its own id or an alias) everywhere; absent is no error. */
  async delete(id: string): Promise<void> {
    const networkId = await this.registry.aliases.resolve(id);
    const network = await this.registry.networks.get(networkId);
    if (!network) return;
    const endpoints = await this.registry.endpoints.list(networkId);
    if (endpoints.length > 0) {
      const perHost = new Map<string, number>();
      for (const e of endpoints) perHost.set(e.host ?? this.hostId, (perHost.get(e.host ?? this.hostId) ?? 0) + 1);
      const hosts = [...perHost].map(([host, n]) => `${host} (${n} endpoint${n === 1 ? '' : 's'})`).join(', ');
      throw conflict(
        `${describeNetwork(network)} is still in use on host ${hosts}; remove those containers first, then the network is removed from every host`,
        { hosts: [...perHost.keys()] },
      );
    }
    await this.registry.networks.delete(networkId);
  }
}
