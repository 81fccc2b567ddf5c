// The cluster's hosts as this host sees them: `hosts/<id>` records, each present only while
// its host renews its lease (cluster/membership.ts writes this host's), and the endpoints
// that live on other hosts, with where to reach them. Those endpoints get no port, veth or
// local flow here; the tunnel pipeline is what will use them.
import type { KvStore } from '../store/kv';
import { keys, type EndpointRecord, type HostRecord } from './records';

/** An endpoint of another host, with that host's tunnel address while it is alive. */
export interface RemoteEndpoint extends EndpointRecord {
  host: string;
  /** Whether the host's lease is current; a host that is not has no known tunnel address. */
  alive: boolean;
  tunnelIp?: string;
  /** Its host's number in the cluster (the pipeline's host id), while the host is alive. */
  hostNumber?: number;
}

export class HostStore {
  constructor(
    private readonly store: KvStore,
    /** This host's id; undefined on a single host, which has no other hosts. */
    readonly hostId: string | undefined,
  ) {}

  /** The live hosts other than this one. */
  async others(): Promise<HostRecord[]> {
    if (this.hostId === undefined) return [];
    return (await this.list()).filter((h) => h.id !== this.hostId);
  }

  /** The live hosts, this one included. */
  async list(): Promise<HostRecord[]> {
    return (await this.store.list(keys.hosts())).map((e) => e.value as HostRecord);
  }

  /** Of `endpoints`, those of other hosts, each with its host's liveness and tunnel address. */
  async remote(endpoints: readonly EndpointRecord[]): Promise<RemoteEndpoint[]> {
    const hostId = this.hostId;
    if (hostId === undefined) return [];
    const others = endpoints.filter(
      (e): e is EndpointRecord & { host: string } => e.host !== undefined && e.host !== hostId,
    );
    if (others.length === 0) return [];
    const live = new Map((await this.list()).map((h) => [h.id, h]));
    return others.map((endpoint) => {
      const host = live.get(endpoint.host);
      return {
        ...endpoint,
        alive: host !== undefined,
        ...(host !== undefined ? { tunnelIp: host.tunnelIp } : {}),
        ...(host?.number !== undefined ? { hostNumber: host.number } : {}),
      };
    });
  }
}
