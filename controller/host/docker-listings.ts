// What the Docker engine still has, as docker-forgotten.ts asks it: one request for the
// endpoints of every container, one for its ovsnet networks. Short timeouts: the answer is
// only ever used when it comes, and a daemon stopping waits for a request in flight.
import { listContainers } from './docker-api';
import { listOvsnetNetworks } from './docker-networks';

const LIST_TIMEOUT_MS = 3_000;

export interface DockerListings {
  /** The endpoint ids of every container's network attachments. */
  endpointIds(): Promise<Set<string>>;
  /** The ids of Docker's ovsnet networks. */
  networkIds(): Promise<Set<string>>;
}

export function dockerListings(socketPath: string): DockerListings {
  return {
    endpointIds: async () => new Set((await listContainers(socketPath, LIST_TIMEOUT_MS)).flatMap((c) => c.endpointIds)),
    networkIds: async () => new Set((await listOvsnetNetworks(socketPath)).map((n) => n.id)),
  };
}
