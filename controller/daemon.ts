// The ovsnet daemon's runtime: the state store, the OVSDB and OpenFlow connections to the
// integration bridge, the reconcilers, the northbound service and the control socket,
// started in dependency order and stopped in reverse.
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { OvsdbClient } from '../ovsdb/client';
import { Vswitch } from '../ovsdb/vswitch/vswitch';
import { systemClock, type Clock } from './clock';
import type { Logger } from './log';
import { FileKvStore } from './store/file-store';
import { Registry } from './cnm/registry';
import { HostLinks } from './host/links';
import { useSpawnWorker } from './host/exec';
import { HostGateways } from './host/gateways';
import { ensureUnderlayBridge } from './host/underlay';
import { SwitchClient } from './openflow/switch-client';
import { OvsdbPorts } from './reconcile/ovsdb-ports';
import { OpenFlowSync } from './reconcile/flow-sync';
import { DockerContainers } from './host/docker-containers';
import { DockerRenames } from './host/docker-renames';
import { dockerSocketPath, networkIdNamed } from './host/docker-api';
import { BridgeGuard, integrationBridge } from './ovs/bridge-guard';
import { checkStateFormat, recordStateFormat, STATE_FORMAT } from './store/state-format';
import { OvsDataplane } from './reconcile/ovs-dataplane';
import { NetworkService } from './network-service';
import { DEFAULT_PORT_POOL } from './port-pool';
import { startControlServer, type ControlServer } from './control/server';
import { controlMethods } from './control/methods';
import { IpamService } from './ipam/service';
import { CONTROL_SOCKET_KEY } from './attach/request';
import { startLeftoverReclaimer } from './leftovers';
import { ForgottenByDocker } from './docker-forgotten';
import { dockerListings } from './host/docker-listings';
import type { ClusterConfig } from './cluster/config';
import type { ClusterRuntime } from './cluster/join';
import { Recorder } from './observe/metrics/recorder';
import type { ObserveConfig } from './observe/observability';
import type { ObserveServer } from './observe/http/server';
import { observeDaemon } from './observe/daemon-observability';

async function labelBridge(vswitch: Vswitch, bridge: string, controlSocket: string): Promise<void> {
  const externalIds = vswitch.view.bridge(bridge)?.external_ids ?? {};
  if (externalIds[CONTROL_SOCKET_KEY] === controlSocket) return;
  await vswitch.ensureBridge({ name: bridge, externalIds: { ...externalIds, [CONTROL_SOCKET_KEY]: controlSocket } });
}

export interface DaemonConfig {
  ovsdb: string;
  /** Directory with `<bridge>.mgmt`. */
  ovsRundir: string;
  bridge: string;
  datapath: 'system' | 'netdev';
  stateDir: string;
  logger: Logger;
  /** Network namespace of the OVS datapath (tests run a whole host in one). */
  netns?: string;
  clock?: Clock;
  driftPeriodMs?: number;
  /** How long an address or endpoint Docker left unused is kept (default 60 s). */
  unusedGraceMs?: number;
  /** Veth pairs kept ready on the bridge once joins start (default 8; 0: none). */
  portPool?: number;
  /** Join a cluster through its store (etcd); absent: a single host on its own store. */
  cluster?: ClusterConfig;
  /**
   * The Docker engine's API socket, where containers' names and labels are learnt for allow
   * rules (host/docker-containers.ts); absent: DOCKER_HOST or the standard socket; null: none.
   */
  dockerSocket?: string | null;
  /** --metrics / --http listeners (none when absent). */
  observe?: ObserveConfig;
}

export interface Daemon {
  service: NetworkService;
  ipam: IpamService;
  registry: Registry;
  dataplane: OvsDataplane;
  controlSocket: string;
  /** Facts the front ends add for `ovsnet status` (e.g. the plugin socket they serve). */
  info: Map<string, string>;
  /** What the daemon records for /metrics; the Docker plugin reports its calls here. */
  recorder: Recorder;
  /** The --metrics / --http listeners, with the ports they got. */
  observers: ObserveServer[];
  stop(): Promise<void>;
}

/** The cluster side, loaded only with a cluster store so a single host never loads etcd. */
async function joinCluster(
  cluster: ClusterConfig,
  local: FileKvStore,
  config: DaemonConfig,
  info: Map<string, string>,
): Promise<ClusterRuntime> {
  const { joinCluster: join } = await import('./cluster/join');
  return join(cluster, { local, clock: config.clock ?? systemClock, logger: config.logger, info });
}

/** `--underlay-iface`: done before joining, since the way to etcd may be through that interface. */
async function prepareUnderlay(config: DaemonConfig, iface: string): Promise<void> {
  const client = await OvsdbClient.connect(config.ovsdb, { logger: config.logger });
  try {
    const vswitch = await Vswitch.open(client);
    await ensureUnderlayBridge(vswitch, {
      iface,
      datapath: config.datapath,
      logger: config.logger,
      ...(config.netns !== undefined ? { netns: config.netns } : {}),
    });
  } finally {
    client.close();
  }
}

/** Where to learn containers' names and labels; undefined: nowhere (told so, or DOCKER_HOST is not local). */
function dockerSocketFor(config: DaemonConfig, logger: Logger): string | undefined {
  if (config.dockerSocket === null) return undefined;
  if (config.dockerSocket !== undefined) return config.dockerSocket;
  try {
    return dockerSocketPath();
  } catch (error) {
    logger.warn({ err: error }, 'allow rules by container name or label will not see Docker containers');
    return undefined;
  }
}

export async function startDaemon(config: DaemonConfig): Promise<Daemon> {
  const { logger } = config;
  // Before anything is created or opened: a newer format is refused with nothing changed.
  const storeDir = join(config.stateDir, 'store');
  const format = checkStateFormat(storeDir);
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  if (config.cluster?.underlayIface !== undefined) await prepareUnderlay(config, config.cluster.underlayIface);
  const local = FileKvStore.open(storeDir);
  const recorder = new Recorder();
  local.onFsync = (seconds) => recorder.fsync(seconds);
  const info = new Map<string, string>();
  let cluster: ClusterRuntime | undefined;
  try {
    cluster = config.cluster ? await joinCluster(config.cluster, local, config, info) : undefined;
  } catch (error) {
    await local.close();
    throw error;
  }
  const store = cluster?.store ?? local;
  useSpawnWorker(true);
  const stops: Array<() => Promise<void> | void> = [() => useSpawnWorker(false), () => store.close()];
  if (cluster) stops.push(() => cluster.stop());
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const registry = new Registry(store, cluster ? { hostId: cluster.hostId } : {});
    const ipam = new IpamService(store, config.clock ?? systemClock, { shareGateways: cluster !== undefined });
    const client = await OvsdbClient.connect(config.ovsdb, { logger });
    // Work that waits on ovs-vswitchd ends when the client closes; it must end before the store does.
    const afterClientClosed: Array<() => Promise<void>> = [];
    stops.push(async () => {
      client.close();
      for (const settle of afterClientClosed) await settle();
    });
    const vswitch = await Vswitch.open(client);
    // Created, or adopted and corrected, with these settings; drift is repaired at once
    // (bridge-guard.ts: OVS flushes flows when fail_mode or the controller change).
    const bridgeGuard = new BridgeGuard(vswitch, integrationBridge(config.bridge, config.datapath), logger);
    await bridgeGuard.adopt();
    stops.push(() => bridgeGuard.stop());
    const switchTarget = `unix:${join(config.ovsRundir, `${config.bridge}.mgmt`)}`;
    const switchClient = new SwitchClient(switchTarget, { logger });
    stops.push(() => switchClient.close());
    // Every drift pass reads the table back: verification is due at half the drift period.
    const flows = new OpenFlowSync(switchClient, {
      clock: config.clock ?? systemClock,
      checkPeriodMs: (config.driftPeriodMs ?? 2000) / 2,
      onDriftRepaired: (r) => {
        recorder.driftRepaired('flow_added', r.added);
        recorder.driftRepaired('flow_modified', r.modified);
        recorder.driftRepaired('flow_removed', r.removed);
      },
    });
    const dataplane = new OvsDataplane({
      registry,
      ports: new OvsdbPorts(vswitch, config.bridge),
      flows,
      gateways: new HostGateways(config.netns, config.clock ?? systemClock),
      clock: config.clock ?? systemClock,
      logger,
      ...(config.driftPeriodMs !== undefined ? { driftPeriodMs: config.driftPeriodMs } : {}),
      onPass: (ms, failed) => recorder.pass(ms / 1000, failed),
      onPortsRepaired: (r) => {
        recorder.driftRepaired('port_added', r.added);
        recorder.driftRepaired('port_modified', r.modified);
      },
    });
    stops.push(() => dataplane.stop());
    switchClient.on('ready', () => dataplane.kick());
    bridgeGuard.watch(() => {
      recorder.driftRepaired('bridge', 1);
      flows.forget(); // the repair flushed the table: read it back
      dataplane.kick();
    });
    switchClient.start();
    const links = new HostLinks(config.netns);
    const portPool = config.portPool ?? DEFAULT_PORT_POOL;
    const service = new NetworkService({
      registry,
      links,
      dataplane,
      logger,
      clock: config.clock ?? systemClock,
      portPool: { minIdle: portPool },
    });
    const controlSocket = resolve(config.stateDir, 'ovsnet.ctl');
    const dockerSocket = dockerSocketFor(config, logger);
    const control: ControlServer = await startControlServer(
      controlSocket,
      controlMethods({
        service,
        registry,
        ipam,
        flows,
        switchClient,
        links,
        config,
        info,
        ovsdbConnected: () => client.state === 'connected',
        ...(dockerSocket !== undefined
          ? { dockerNetworkNames: (name: string) => networkIdNamed(name, dockerSocket) }
          : {}),
      }),
      logger,
      { onCall: (method, seconds, failed) => recorder.call('control', method, seconds, failed) },
    );
    stops.push(() => control.close());
    const observed = await observeDaemon(
      config.observe ?? {},
      recorder,
      { registry, flows, switchClient, switchTarget, ovsdb: client, local, stateDir: config.stateDir, info },
      logger,
    );
    stops.push(observed.close);
    const observers = observed.servers;
    // `ovsnet attach` reads this to hand ports on this bridge to us rather than wire them itself.
    await labelBridge(vswitch, config.bridge, controlSocket);
    const migrated = await registry.gatewayPorts.migrate();
    if (migrated.length > 0) logger.info({ networks: migrated }, 'gateway port numbers moved to this host’s own keys');
    if (format.format !== STATE_FORMAT || !format.recorded) {
      recordStateFormat(storeDir);
      if (format.format < STATE_FORMAT)
        logger.info({ from: format.format, to: STATE_FORMAT }, 'state migrated to the current format');
    }
    // What a transaction cut short, or other hosts, changed while this daemon was away; then
    // every change another host makes reaches the reconcilers (docs/design.md §3).
    await cluster?.repairClaims();
    await cluster?.follow(registry);
    await sealExistingHostEnds(registry, links, logger);
    dataplane.start();
    await service.pool?.start();
    stops.push(() => service.pool?.stop());
    afterClientClosed.push(async () => service.pool?.settled());
    await dataplane.waitSynced(30_000);
    const reclaimer = startLeftoverReclaimer({
      ipam,
      registry,
      deleteEndpoint: (networkId, endpointId, onlyIf) => service.deleteEndpointIf(networkId, endpointId, onlyIf),
      activity: service.activity,
      clock: config.clock ?? systemClock,
      logger,
      graceMs: config.unusedGraceMs ?? 60_000,
      ...(dockerSocket !== undefined
        ? {
            forgotten: new ForgottenByDocker({
              registry,
              ipam,
              docker: dockerListings(dockerSocket),
              deleteEndpoint: (networkId, endpointId, onlyIf) =>
                service.deleteEndpointIf(networkId, endpointId, onlyIf),
              activity: service.activity,
              deleteNetwork: (networkId) => service.deleteNetwork(networkId),
              clock: config.clock ?? systemClock,
              logger,
            }),
          }
        : {}),
    });
    stops.push(() => reclaimer.stop());
    if (dockerSocket !== undefined) {
      const containers = new DockerContainers({
        registry,
        clock: config.clock ?? systemClock,
        logger,
        socketPath: dockerSocket,
      });
      containers.start();
      stops.push(() => containers.stop());
      const renames = new DockerRenames({
        socketPath: dockerSocket,
        clock: config.clock ?? systemClock,
        logger,
        onRename: (id) => containers.relearn(id),
      });
      renames.start();
      stops.push(() => renames.stop());
    }
    // Veths of endpoints deleted before a restart, and any whose removal failed.
    service.sweepStaleLinks();
    const staleSweeps = setInterval(() => service.sweepStaleLinks(), 30_000);
    staleSweeps.unref();
    stops.push(() => clearInterval(staleSweeps));
    const poolUpkeep = setInterval(
      () =>
        void service.pool
          ?.maintain()
          .catch((error: unknown) => logger.warn({ err: error }, 'port pool: upkeep failed; will retry')),
      30_000,
    );
    poolUpkeep.unref();
    stops.push(() => clearInterval(poolUpkeep));
    logger.info({ bridge: config.bridge, ovsdb: config.ovsdb, control: controlSocket }, 'ovsnet daemon is ready');
    return { service, ipam, registry, dataplane, controlSocket, info, recorder, observers, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Seals the host ends already there (sealSwitchEnds): this host's containers' and the
 * pool's, as an earlier ovsnet that did not seal them may have left them. Sealing is a
 * few writes each, and one that fails (the link went meanwhile) only gets logged: the
 * port was in use before this start, and nothing new is handed out unsealed.
 */
async function sealExistingHostEnds(registry: Registry, links: HostLinks, logger: Logger): Promise<void> {
  const present = await links.linkNames();
  const names = [
    ...(await registry.endpoints.listOnHost()).map((e) => e.hostIfname),
    ...(await registry.poolSlots.list()).map((s) => s.hostIfname),
  ].filter((name) => present.has(name));
  if (names.length === 0) return;
  try {
    await links.seal(names);
  } catch (error) {
    logger.error({ err: error }, 'could not seal host ends found at start from the host stack');
  }
}
