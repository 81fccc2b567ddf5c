// The daemon's side of a cluster: the tiered store over etcd and the host's own store, this
// host's liveness record, the watch that tells the reconcilers about other hosts' changes,
// and the repair of this host's claims against the cluster. Loaded only with --etcd, so a
// single host never loads the etcd client.
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Registry } from '../cnm/registry';
import { LocalClaims } from '../cnm/local-claims';
import { CLUSTER_PREFIXES, RELEASE_PREFIXES, keys } from '../cnm/records';
import { EtcdKvStore } from '../store/etcd-store';
import type { KvStore } from '../store/kv';
import { ClusterMirror } from '../store/cluster-mirror';
import { TieredKvStore } from '../store/tiered-store';
import { engineSocketPath } from '../host/docker-engine';
import {
  DEFAULT_DOCKER_HOST,
  DEFAULT_HOST_TTL_SECONDS,
  resolveHostId,
  validateHostTtl,
  type ClusterConfig,
} from './config';
import { DockerSync } from './docker-sync';
import { claimHostNumber } from './host-number';
import { HostMembership } from './membership';
import { tunnelIpTowards } from './tunnel-ip';

/** The keys whose changes the Docker sync follows: networks and their aliases. */
const NETWORK_PREFIXES = [keys.networks(), keys.networkAliases()];

/** How often this host's claims are checked against the cluster besides at start. */
const CLAIM_REPAIR_PERIOD_MS = 30_000;

export interface ClusterRuntime {
  store: TieredKvStore;
  hostId: string;
  tunnelIp: string;
  /** This host's number in the cluster (host-number.ts). */
  hostNumber: number;
  /** Follows the cluster store: every change elsewhere reaches the registry's listeners. */
  follow(registry: Registry): Promise<void>;
  /** Repairs this host's claims now and then periodically. */
  repairClaims(): Promise<void>;
  /** Stops following and renewing (the store itself is closed with the tiered store). */
  stop(): Promise<void>;
}

export interface JoinOptions {
  local: KvStore;
  clock: Clock;
  logger: Logger;
  /** Facts for `ovsnet status`. */
  info: Map<string, string>;
}

export async function joinCluster(config: ClusterConfig, options: JoinOptions): Promise<ClusterRuntime> {
  const { clock, logger, info } = options;
  const hostId = resolveHostId(config.hostId);
  const ttlSeconds = validateHostTtl(config.hostTtlSeconds ?? DEFAULT_HOST_TTL_SECONDS);
  const dockerSocket =
    config.dockerSync === false ? undefined : engineSocketPath(config.dockerHost ?? DEFAULT_DOCKER_HOST);
  const etcd = EtcdKvStore.open(config.etcd);
  let mirror: ClusterMirror;
  let membership: HostMembership;
  let tunnelIp: string;
  let hostNumber: number;
  try {
    tunnelIp = config.tunnelIp ?? (await tunnelIpTowards(config.etcd.endpoints[0] as string));
    info.set('clusterStore', config.etcd.endpoints.join(','));
    info.set('hostId', hostId);
    info.set('tunnelIp', tunnelIp);
    hostNumber = await claimHostNumber(etcd, hostId);
    info.set('hostNumber', String(hostNumber));
    membership = await HostMembership.join({
      store: etcd,
      hostId,
      tunnelIp,
      number: hostNumber,
      ttlSeconds,
      clock,
      logger,
      onReachability: (reachable, reason) => {
        info.set('clusterStoreReachable', reachable ? 'yes' : `no (${reason ?? 'no answer'})`);
        if (reachable) logger.info({ etcd: config.etcd.endpoints }, 'cluster store: reachable');
        else logger.warn({ etcd: config.etcd.endpoints, reason }, 'cluster store: unreachable');
      },
    });
    mirror = await ClusterMirror.open(etcd, logger);
  } catch (error) {
    await etcd.close();
    throw error;
  }
  // The controller reads the cluster from the mirror (every change arrives by its watch) and
  // writes through it to etcd.
  const store = new TieredKvStore(options.local, mirror, {
    clusterPrefixes: CLUSTER_PREFIXES,
    releasePrefixes: RELEASE_PREFIXES,
  });
  const claims = new LocalClaims(store, hostId);
  let unfollow: (() => void) | undefined;
  let dockerSync: DockerSync | undefined;
  let repairTimer: unknown;
  let stopped = false;
  const repair = async (): Promise<void> => {
    const repairs = await claims.reconcile();
    if (repairs.removed.length > 0 || repairs.reclaimed.length > 0)
      logger.info(repairs, 'cluster store: this host’s claims repaired to match the cluster');
  };
  const repairLater = (): void => {
    if (stopped) return;
    repairTimer = clock.setTimeout(() => {
      repair()
        .catch((error: unknown) => logger.warn({ err: error }, 'cluster store: could not check this host’s claims'))
        .finally(repairLater);
    }, CLAIM_REPAIR_PERIOD_MS);
  };
  logger.info({ host: hostId, tunnelIp, etcd: config.etcd.endpoints }, 'joined the cluster');
  return {
    store,
    hostId,
    tunnelIp,
    hostNumber,
    follow: (registry) => {
      // Every change made elsewhere reaches the registry's listeners after the mirror holds
      // it; a compacted history comes back as a whole listing. Either way the reconcilers
      // re-read. This host's own writes were told when they committed: the watch confirming
      // them changes nothing, and a reconcile pass for it (two per join, on every host's
      // own joins) would be work for nothing.
      // Docker only cares about networks and aliases, so endpoint churn costs it nothing; it
      // hears this host's own network changes from the watch too (one made with `ovsnet
      // network create` gets its Docker network here as well).
      const sync =
        dockerSocket !== undefined
          ? new DockerSync({ registry, socketPath: dockerSocket, hostId, clock, logger })
          : undefined;
      unfollow = mirror.onChange((events, echo) => {
        if (!echo) registry.changed();
        if (events.length === 0 || events.some((e) => NETWORK_PREFIXES.some((p) => e.key.startsWith(p))))
          sync?.clusterChanged();
      });
      info.set('dockerSync', dockerSocket !== undefined ? `unix://${dockerSocket}` : 'off');
      dockerSync = sync;
      sync?.start();
      return Promise.resolve();
    },
    repairClaims: async () => {
      await repair();
      repairLater();
    },
    stop: () => {
      stopped = true;
      dockerSync?.stop();
      clock.clearTimeout(repairTimer);
      membership.stop();
      unfollow?.();
      return Promise.resolve();
    },
  };
}
