// Keeps this host's dockerd in step with the cluster's networks (docs/design.md §1): learns
// the Docker names of networks created here, creates on this dockerd every named cluster
// network it lacks, and removes Docker networks whose cluster network is gone
// (docker-sync-plan.ts decides). Runs on its own, never inside a plugin call (Docker may be
// waiting on the plugin): a pass follows every change of a network or alias in the cluster
// store (its watch, cluster/join.ts) and every network event of the engine; passes
// coalesce, and a failed one is retried with backoff. Nothing polls.
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Registry } from '../cnm/registry';
import { isControllerError } from '../errors';
import { followEvents, type EventStream } from '../host/docker-engine';
import {
  createDockerNetwork,
  dockerCreateRequest,
  listOvsnetNetworks,
  removeDockerNetwork,
} from '../host/docker-networks';
import { planDockerSync, type SyncAction } from './docker-sync-plan';

/** A Docker network that stands for nothing yet may still be being created this long. */
const CREATION_GRACE_MS = 30_000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;

export interface DockerSyncOptions {
  registry: Registry;
  /** The engine's API socket (--docker-host). */
  socketPath: string;
  /** This host's id in the cluster. */
  hostId: string;
  clock: Clock;
  logger: Logger;
}

export class DockerSync {
  private readonly logger: Logger;
  private running = false;
  private dirty = false;
  private stopped = false;
  private failures = 0;
  private timer: unknown;
  private events: EventStream | undefined;
  private eventTimer: unknown;
  private eventFailures = 0;
  /** The state of the last pass that reached Docker: an unchanged one needs no Docker call. */
  private lastSeen = '';
  private dockerChanged = true;
  private readonly known = new Set<string>();
  /** Problems already reported, so a repeated pass does not repeat them. */
  private readonly reported = new Set<string>();

  constructor(private readonly options: DockerSyncOptions) {
    this.logger = options.logger.child({ component: 'docker-sync' });
  }

  start(): void {
    this.followEngine();
    this.kick();
    this.logger.info({ docker: this.options.socketPath }, 'Docker sync: following the cluster and this host’s engine');
  }

  stop(): void {
    this.stopped = true;
    this.events?.close();
    this.options.clock.clearTimeout(this.timer);
    this.options.clock.clearTimeout(this.eventTimer);
  }

  /** A network or alias changed in the cluster store (this host's own writes included). */
  clusterChanged(): void {
    this.kick();
  }

  private kick(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (!this.running) void this.runPasses();
  }

  private followEngine(): void {
    if (this.stopped) return;
    this.events = followEvents(
      this.options.socketPath,
      { type: ['network'] },
      {
        onOpen: () => {
          if (this.eventFailures > 0)
            this.logger.info({ docker: this.options.socketPath }, 'Docker sync: the engine answers again');
          this.eventFailures = 0;
          this.engineChanged();
        },
        onEvent: () => this.engineChanged(),
        onEnd: (error) => {
          if (this.stopped) return;
          this.eventFailures++;
          const delay = backoff(this.eventFailures);
          if (this.eventFailures === 1)
            this.logger.warn(
              { err: error, docker: this.options.socketPath, retryInMs: delay },
              'Docker sync: lost the engine’s event stream; following it again when it answers (is dockerd running at --docker-host?)',
            );
          this.eventTimer = this.options.clock.setTimeout(() => this.followEngine(), delay);
        },
      },
    );
  }

  private engineChanged(): void {
    this.dockerChanged = true;
    this.kick();
  }

  private async runPasses(): Promise<void> {
    this.running = true;
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        await this.pass();
        if (this.failures > 0) this.logger.info({ failures: this.failures }, 'Docker sync: in step again');
        this.failures = 0;
      } catch (error) {
        this.failures++;
        const delay = backoff(this.failures);
        // Said once per outage: a host whose engine stays away would otherwise say it forever.
        this.logger[this.failures === 1 ? 'warn' : 'debug'](
          { err: error, failures: this.failures, retryInMs: delay },
          'Docker sync: a pass failed; retrying with backoff (is dockerd running at --docker-host, and etcd reachable? --no-docker-sync turns the sync off)',
        );
        this.dockerChanged = true;
        this.schedule(delay);
        break;
      }
    }
    this.running = false;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.options.clock.clearTimeout(this.timer);
    this.timer = this.options.clock.setTimeout(() => this.kick(), delayMs);
  }

  private async pass(): Promise<void> {
    const { registry, socketPath, clock } = this.options;
    const [networks, aliases] = await Promise.all([registry.networks.list(), registry.aliases.list()]);
    const seen = JSON.stringify([networks.map((n) => [n.id, n.name]), aliases.map((a) => [a.dockerId, a.network])]);
    // Endpoints come and go far more often than networks: only a change of networks or
    // aliases, or an engine event, can call for Docker.
    if (seen === this.lastSeen && !this.dockerChanged) return;
    this.dockerChanged = false;
    const docker = await listOvsnetNetworks(socketPath);
    const plan = planDockerSync({
      hostId: this.options.hostId,
      networks,
      aliases,
      docker,
      known: this.known,
      now: clock.now(),
      graceMs: CREATION_GRACE_MS,
    });
    for (const id of plan.standing) this.known.add(id);
    // Every action is tried; any that failed makes the pass fail, so it is retried.
    let failed: Error | undefined;
    for (const action of plan.actions)
      await this.apply(action).catch(
        (error: unknown) => (failed ??= error instanceof Error ? error : new Error(String(error))),
      );
    if (failed !== undefined) throw failed;
    if (plan.recheckInMs !== undefined) {
      this.dockerChanged = true;
      this.schedule(plan.recheckInMs + 100);
    }
    this.lastSeen = seen;
  }

  private async apply(action: SyncAction): Promise<void> {
    const { registry, socketPath } = this.options;
    switch (action.kind) {
      case 'learn':
        try {
          const outcome = await registry.names.learn(action.network.id, action.name);
          if (outcome === 'named')
            this.logger.info(
              { network: action.network.id, networkName: action.name },
              'Docker sync: learned the network’s name',
            );
        } catch (error) {
          if (!isControllerError(error, 'CONFLICT')) throw error;
          this.reportOnce(`taken:${action.network.id}:${action.name}`, { err: error, network: action.network.id });
        }
        return;
      case 'name-taken':
        this.reportOnce(`taken:${action.network.id}:${action.name}`, {
          network: action.network.id,
          networkName: action.name,
          holder: action.holder.id,
          hint: `the Docker network "${action.name}" on this host and cluster network "${action.holder.key}" (${action.holder.id}) share a name; rename or remove one of them`,
        });
        return;
      case 'name-clash':
        this.reportOnce(`clash:${action.network.id}:${action.docker.id}`, {
          network: action.network.id,
          networkName: action.network.name,
          dockerNetwork: action.docker.id,
          holder: action.holder.id,
          hint: `this host's Docker network "${action.network.name}" is another cluster network (${action.holder.key}); remove it here to get the cluster's "${action.network.name}"`,
        });
        return;
      case 'create': {
        const started = this.options.clock.now();
        const id = await createDockerNetwork(socketPath, dockerCreateRequest(action.network));
        this.known.add(id);
        this.logger.info(
          {
            network: action.network.id,
            networkName: action.network.name,
            dockerId: id,
            ms: this.options.clock.now() - started,
          },
          'Docker sync: created the cluster network on this host’s engine',
        );
        return;
      }
      case 'forget-alias':
        await registry.aliases.remove(action.alias.dockerId);
        this.logger.info(
          { alias: action.alias.dockerId, network: action.alias.network },
          'Docker sync: forgot the alias of a Docker network gone from this host',
        );
        return;
      case 'remove':
        try {
          await removeDockerNetwork(socketPath, action.docker.id);
          this.known.delete(action.docker.id);
          this.logger.info(
            { dockerNetwork: action.docker.id, networkName: action.docker.name },
            'Docker sync: removed a Docker network whose cluster network is gone',
          );
        } catch (error) {
          if (!isControllerError(error, 'CONFLICT')) throw error;
          this.reportOnce(`remove:${action.docker.id}`, {
            err: error,
            dockerNetwork: action.docker.id,
            hint: `the cluster network behind Docker network "${action.docker.name}" is gone; disconnect its containers here, then docker network rm ${action.docker.name}`,
          });
        }
        return;
    }
  }

  private reportOnce(what: string, details: Record<string, unknown>): void {
    if (this.reported.has(what)) return;
    this.reported.add(what);
    this.logger.error(details, 'Docker sync: cannot make this host’s Docker network match the cluster');
  }
}

function backoff(failures: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
}
