// The desired state of the container network model, one store per kind of object, all
// over one KvStore and writing through one compare-and-swap helper (cas.ts), so that every
// call is atomic, idempotent and safe to retry, and nothing is half-created. Reconcilers
// watch `onChange` and make OVS match. The key layout is records.ts's `keys`; which store
// holds what is docs/design.md §3.
//
// Cluster-wide by nature: networks, endpoints (addresses, MACs), allow rules and hosts.
// Host-local by nature: pool slots, published host ports, stale links, OpenFlow port
// numbers and veth names. With a cluster store the KvStore is a tiered one
// (store/tiered-store.ts) and `hostId` names this host.
import type { KvStore } from '../store/kv';
import { AllowRuleStore } from './allow-rules';
import { CasCommitter } from './cas';
import { EndpointStore } from './endpoints';
import { GatewayPortStore } from './gateway-ports';
import { HostPortStore } from './host-port-store';
import { HostRemoval } from './host-removal';
import { HostStore, type RemoteEndpoint } from './hosts';
import { NetworkAliasStore } from './network-aliases';
import { NetworkNames } from './network-names';
import { NetworkStore } from './networks';
import { PoolSlotStore } from './pool-slots';
import { StaleLinkStore } from './stale-link-records';

export class Registry {
  readonly networks: NetworkStore;
  readonly endpoints: EndpointStore;
  readonly allowRules: AllowRuleStore;
  readonly poolSlots: PoolSlotStore;
  readonly hostPorts: HostPortStore;
  readonly staleLinks: StaleLinkStore;
  readonly hosts: HostStore;
  readonly gatewayPorts: GatewayPortStore;
  readonly aliases: NetworkAliasStore;
  readonly names: NetworkNames;
  /** This host's id in the cluster; undefined on a single host. */
  readonly hostId: string | undefined;
  readonly hostRemoval: HostRemoval;
  private readonly cas: CasCommitter;

  constructor(store: KvStore, options: { hostId?: string } = {}) {
    this.cas = new CasCommitter(store);
    this.hostId = options.hostId;
    this.hosts = new HostStore(store, options.hostId);
    this.gatewayPorts = new GatewayPortStore(this.cas);
    // A network's contents are looked up when it is deleted, after all stores exist.
    this.networks = new NetworkStore(
      this.cas,
      {
        endpointsIn: (networkId) => this.endpoints.list(networkId),
        keysDeletedWith: async (networkId) => [
          ...(await this.allowRules.keysOf(networkId)),
          ...(await this.aliases.keysOf(networkId)),
        ],
      },
      {
        ...(options.hostId !== undefined ? { hostId: options.hostId } : {}),
        allocateVnis: options.hostId !== undefined,
      },
    );
    this.aliases = new NetworkAliasStore(this.cas, this.networks);
    this.names = new NetworkNames(this.cas);
    this.endpoints = new EndpointStore(this.cas, this.networks, options.hostId);
    this.allowRules = new AllowRuleStore(this.cas, this.networks);
    this.poolSlots = new PoolSlotStore(this.cas, this.endpoints);
    this.hostPorts = new HostPortStore(this.cas, this.endpoints);
    this.staleLinks = new StaleLinkStore(store);
    this.hostRemoval = new HostRemoval(this.cas, this.networks, this.endpoints, options.hostId);
  }

  /** Calls `listener` after every committed change of any store; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    return this.cas.onChange(listener);
  }

  /** Someone else changed the store (another host, seen through the cluster store's watch). */
  changed(): void {
    this.cas.changed();
  }

  /**
   * Resolves once reads show every write the stores had applied when called (the cluster
   * store's copy caught up with etcd); fails while etcd cannot be reached.
   */
  current(): Promise<void> {
    return this.cas.store.current();
  }

  /** Endpoints of other hosts, with their hosts' liveness and tunnel addresses. */
  async remoteEndpoints(): Promise<RemoteEndpoint[]> {
    return this.hosts.remote(await this.endpoints.list());
  }
}
