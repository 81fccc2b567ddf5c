// Removes what Docker dropped while ovsnet could not hear it. With the daemon down (or
// frozen past Docker's timeouts), `docker rm -f` and `docker network rm` still succeed:
// libnetwork logs the driver's error and forgets the endpoint or the network, and the
// Leave, DeleteEndpoint, DeleteNetwork and IPAM releases it could not deliver are never
// sent again. Ports, flows, addresses and NAT rules would stay for ever.
//
// Judged against the engine's own listings (one request each; nothing is judged when
// Docker does not answer), and only what is surely Docker's:
// - an endpoint made by Docker's CreateEndpoint (`fromDocker`), or whose container Docker
//   once reported (`container`, learnt after Join by host/docker-containers.ts), that no
//   container lists any more; CNI and `ovsnet attach` endpoints are neither;
// - on a single host, a network created through Docker's CreateNetwork (its id is Docker's,
//   64 hex digits, and not a name's hash as `ovsnet network create` makes; CNI networks are
//   `cni-<name>`) that Docker no longer lists. In a cluster a network belongs to every
//   host's Docker (cluster/docker-sync).
// Either must stay missing for the grace period, as seen by this process, so a network or
// endpoint Docker is creating right now is never touched. Docker lists a container's
// endpoint only once the container runs, well after CreateEndpoint and (across an ovsnet
// restart, with retries) seconds after Join: so only joined endpoints are judged here (an
// unjoined one is unjoined-endpoints.ts's), the wait restarts with every call Docker makes
// about the endpoint, and Docker is asked once more right before anything is deleted. A
// forgotten network also gives back the IPAM pools of its subnets, which Docker's
// ReleasePool would have.
import type { Clock } from './clock';
import type { Logger } from './log';
import type { Registry } from './cnm/registry';
import type { EndpointRecord, NetworkRecord } from './cnm/records';
import type { ConditionalEndpointDelete } from './cnm/unjoined-endpoints';
import { endpointKey, type EndpointActivity } from './endpoint-activity';
import { networkIdForName } from './cnm/named-networks';
import { FirstSeen } from './first-seen';
import type { IpamService } from './ipam/service';
import { isControllerError } from './errors';
import type { DockerListings } from './host/docker-listings';

export interface ForgottenByDockerOptions {
  registry: Registry;
  ipam: IpamService;
  docker: DockerListings;
  deleteEndpoint: ConditionalEndpointDelete;
  /** Docker's calls about each endpoint: a call restarts the endpoint's wait. */
  activity?: EndpointActivity;
  deleteNetwork: (networkId: string) => Promise<void>;
  clock: Clock;
  logger: Logger;
}

export class ForgottenByDocker {
  private readonly endpointsMissing = new FirstSeen();
  private readonly networksMissing = new FirstSeen();

  constructor(private readonly options: ForgottenByDockerOptions) {}

  /** Deletes what Docker has not listed for `graceMs`; returns the ids removed. */
  async sweep(graceMs: number): Promise<{ endpoints: string[]; networks: string[] }> {
    const { registry, docker, clock, activity } = this.options;
    const now = clock.now();
    const listed = await docker.endpointIds();
    const forgotten = (await registry.endpoints.listOnHost()).filter((e) => isJudged(e) && !listed.has(e.endpointId));
    const endpointSince = this.endpointsMissing.observe(
      forgotten.map((e) => endpointKey(e.networkId, e.endpointId)),
      now,
    );
    const due = forgotten.filter((e) => {
      const firstSeen = endpointSince.get(endpointKey(e.networkId, e.endpointId)) ?? now;
      return now - (activity?.waitingSince(e.networkId, e.endpointId, firstSeen) ?? firstSeen) >= graceMs;
    });
    // A container that finished starting since the first listing shows its endpoint now.
    const stillListed = due.length > 0 ? await docker.endpointIds() : new Set<string>();
    const endpoints: string[] = [];
    for (const endpoint of due) {
      if (stillListed.has(endpoint.endpointId)) continue;
      const id = endpointKey(endpoint.networkId, endpoint.endpointId);
      const sandboxKey = endpoint.sandboxKey;
      // Deleted only in the state judged: a Leave and Join meanwhile (a restart) keeps it.
      const deleted = await this.options.deleteEndpoint(
        endpoint.networkId,
        endpoint.endpointId,
        (r) => isJudged(r) && r.sandboxKey === sandboxKey,
      );
      this.endpointsMissing.forget(id);
      if (deleted) endpoints.push(id);
    }
    return { endpoints, networks: registry.hostId === undefined ? await this.sweepNetworks(graceMs, now) : [] };
  }

  private async sweepNetworks(graceMs: number, now: number): Promise<string[]> {
    const listed = await this.options.docker.networkIds();
    const forgotten = (await this.options.registry.networks.list()).filter(
      (n) => madeThroughDocker(n) && !listed.has(n.id),
    );
    const since = this.networksMissing.observe(
      forgotten.map((n) => n.id),
      now,
    );
    const removed: string[] = [];
    for (const network of forgotten) {
      if (now - (since.get(network.id) ?? now) < graceMs) continue;
      try {
        await this.options.deleteNetwork(network.id);
      } catch (error) {
        // Endpoints still in it: they go first (when forgotten too), the network next time.
        if (isControllerError(error) && error.code === 'CONFLICT') continue;
        throw error;
      }
      this.networksMissing.forget(network.id);
      await this.releasePools(network);
      removed.push(network.id);
    }
    return removed;
  }

  private async releasePools(network: NetworkRecord): Promise<void> {
    const subnets = new Set([...network.ipv4, ...network.ipv6].map((s) => s.pool));
    for (const pool of await this.options.ipam.list())
      if (subnets.has(pool.pool)) await this.options.ipam.releasePool(pool.poolId);
  }
}

/** Made by Docker (or its container learnt), joined, and not attached by hand. */
function isJudged(e: EndpointRecord): boolean {
  return (e.fromDocker === true || e.container !== undefined) && e.attachment === undefined && e.plugged === true;
}

/** Docker's network ids are 64 hex digits; `ovsnet network create` hashes the name into one too. */
function madeThroughDocker(network: NetworkRecord): boolean {
  if (!/^[0-9a-f]{64}$/.test(network.id)) return false;
  return network.name === undefined || network.id !== networkIdForName(network.name);
}
