// What the daemon needs to join a cluster: the cluster store (etcd) and who this host is.
import { hostname } from 'node:os';
import { invalid } from '../errors';
import type { EtcdStoreOptions } from '../store/etcd-options';

export interface ClusterConfig {
  etcd: EtcdStoreOptions;
  /** This host's id among the hosts (default: the hostname). */
  hostId?: string;
  /** How long the host's liveness record outlives its last renewal, in seconds (default 15). */
  hostTtlSeconds?: number;
  /** The address other hosts reach this one at (default: the source of the route to etcd). */
  tunnelIp?: string;
  /** Put this interface on br-phy and move its addresses there (userspace tunnels need it). */
  underlayIface?: string;
  /**
   * This host's Docker engine (`unix://PATH`), kept in step with the cluster's networks
   * (docker-sync.ts); absent: the standard socket. `dockerSync: false` leaves Docker alone.
   */
  dockerHost?: string;
  dockerSync?: boolean;
}

/** The engine the Docker sync talks to when --docker-host is not given. */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export const DEFAULT_HOST_TTL_SECONDS = 15;

const HOST_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** The host id as given, else the hostname; INVALID_ARGUMENT when it cannot name a key. */
export function resolveHostId(given: string | undefined): string {
  const id = given ?? hostname();
  if (!HOST_ID.test(id))
    throw invalid(
      `host id "${id}" must be 1-63 letters, digits, '.', '_' or '-'${given === undefined ? ' (it is the hostname; give --host-id)' : ''}`,
    );
  return id;
}

export function validateHostTtl(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 2 || seconds > 3600)
    throw invalid(`the host TTL must be a whole number of seconds from 2 to 3600, not ${seconds}`);
  return seconds;
}
