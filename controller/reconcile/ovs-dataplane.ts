// The Dataplane on Open vSwitch: each reconcile pass reads the registry and, all at once,
// makes the flow table match (one atomic OpenFlow bundle), the bridge's ports (one OVSDB
// transaction) and the gateways' addresses and NAT on the host. Backends hide the protocol
// libraries.
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Registry } from '../cnm/registry';
import {
  POOL_OWNER_PREFIX,
  TUNNEL_PORT_NAMES,
  type EndpointRecord,
  type HostRecord,
  type NetworkRecord,
} from '../cnm/records';
import type { RemoteEndpoint } from '../cnm/hosts';
import type { AllowRule, TunnelType } from '../cnm/types';
import type { Dataplane } from '../dataplane';
import { ControllerError } from '../errors';
import { desiredPorts, planPorts, tunnelPorts, type PortIntent, type PortPlan } from './desired-ports';
import { ReconcileLoop } from './loop';
import { Holds } from '../holds';
import { PortAdmission, type PortAdmissionLimits } from './port-admission';
import { PortDrift, type PortRepairs } from './port-drift';

export interface InterfaceStatus {
  ofport?: number;
  error?: string;
}

/** OVSDB side: the bridge's ports that ovsnet owns. */
export interface BridgePortsBackend {
  ownedPorts(): PortIntent[];
  apply(plan: PortPlan): Promise<void>;
  interfaceStatus(name: string): InterfaceStatus;
  /** Resolves with the ofport once OVS realised the interface; rejects on its error. */
  waitRealised(name: string, timeoutMs: number): Promise<number>;
  /** Called when the replica changes (someone else edited OVSDB, or vswitchd realised a port). */
  onChange(listener: () => void): void;
  /** ovs-vswitchd has not yet applied the last committed configuration. */
  switchBusy(): boolean;
}

/** What a cluster host adds: its tunnel ports, the other live hosts and their endpoints. */
export interface OverlayState {
  /** Realised OpenFlow numbers of this bridge's tunnel ports, by type. */
  tunnels: Map<TunnelType, number>;
  /** The other hosts whose lease is current. */
  hosts: HostRecord[];
  /** Endpoints of other hosts (of live and of dead hosts; only live ones get flows). */
  remoteEndpoints: RemoteEndpoint[];
}

/** Everything the flow pipeline needs to know, with realised ofports. */
export interface DataplaneState {
  networks: NetworkRecord[];
  endpoints: Array<EndpointRecord & { realisedOfport: number }>;
  gateways: Map<string, number>;
  rules: AllowRule[];
  /** Present on a cluster host (`--etcd`) only. */
  overlay?: OverlayState;
}

/** OpenFlow side: make the table hold exactly the flows of this state. */
export interface FlowBackend {
  sync(state: DataplaneState): Promise<{ added: number; modified: number; removed: number }>;
}

/** Host side of gateways: addresses on internal ports, NAT and published ports. */
export interface GatewayBackend {
  sync(networks: NetworkRecord[], endpoints: EndpointRecord[]): Promise<void>;
}

export interface OvsDataplaneOptions {
  registry: Registry;
  ports: BridgePortsBackend;
  flows: FlowBackend;
  gateways: GatewayBackend;
  clock: Clock;
  logger: Logger;
  driftPeriodMs?: number;
  admissionLimits?: PortAdmissionLimits;
  /** Told of every reconcile pass (for /metrics). */
  onPass?: (ms: number, failed: boolean) => void;
  /** Told of the ports a pass put back after someone removed or changed them (for /metrics). */
  onPortsRepaired?: (repairs: PortRepairs) => void;
}

export class OvsDataplane implements Dataplane {
  private readonly loop: ReconcileLoop;
  private readonly admission: PortAdmission;
  private readonly portDrift = new PortDrift();
  /** Ports held off the bridge (see Dataplane.holdPort). */
  private readonly held = new Holds();

  constructor(private readonly options: OvsDataplaneOptions) {
    this.admission = new PortAdmission(options.clock, options.admissionLimits);
    this.loop = new ReconcileLoop({
      pass: () => this.pass(),
      clock: options.clock,
      logger: options.logger,
      periodMs: options.driftPeriodMs ?? 2000,
      ...(options.onPass ? { onPass: options.onPass } : {}),
    });
    options.ports.onChange(() => this.loop.kick());
    options.registry.onChange(() => this.loop.kick());
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  kick(): void {
    this.loop.kick();
  }

  waitSynced(timeoutMs: number): Promise<void> {
    return this.loop.waitSynced(timeoutMs);
  }

  holdPort(name: string): () => void {
    const release = this.held.take(name);
    return () => {
      release();
      this.loop.kick();
    };
  }

  async waitEndpointReady(networkId: string, endpointId: string, timeoutMs: number): Promise<void> {
    const deadline = this.options.clock.now() + timeoutMs;
    const remaining = (): number => Math.max(1, deadline - this.options.clock.now());
    // One pass after the plug adds the port and already installs its flows, written for the
    // OpenFlow port number ovsnet requested; OVS then realises the port under that number.
    const started = this.options.clock.now();
    await this.loop.waitSynced(remaining());
    const synced = this.options.clock.now();
    const endpoint = await this.options.registry.endpoints.require(networkId, endpointId);
    let ofport: number;
    try {
      ofport = await this.options.ports.waitRealised(endpoint.hostIfname, remaining());
      this.options.logger.debug(
        { endpoint: endpointId, ms: { pass: synced - started, realised: this.options.clock.now() - synced } },
        'endpoint ready',
      );
    } catch (error) {
      throw new ControllerError(
        'UNAVAILABLE',
        `Open vSwitch could not attach ${endpoint.hostIfname}: ${(error as Error).message}`,
      );
    }
    // Only if OVS chose another number do the flows need a pass of their own.
    if (ofport !== endpoint.ofport) await this.loop.waitSynced(remaining());
  }

  /** Waits until the named ports are on the bridge and realised; returns those that failed. */
  async waitPortsRealised(names: string[], timeoutMs: number): Promise<string[]> {
    await this.loop.waitSynced(timeoutMs);
    // One at a time: each wait listens to every replica change, and a batch is hundreds.
    const failed: string[] = [];
    for (const name of names) await this.options.ports.waitRealised(name, timeoutMs).catch(() => failed.push(name));
    return failed;
  }

  private async overlayState(): Promise<OverlayState> {
    const { registry, ports } = this.options;
    const tunnels = new Map<TunnelType, number>();
    for (const type of Object.keys(TUNNEL_PORT_NAMES) as TunnelType[]) {
      const ofport = ports.interfaceStatus(TUNNEL_PORT_NAMES[type]).ofport;
      if (ofport !== undefined && ofport > 0) tunnels.set(type, ofport);
    }
    return { tunnels, hosts: await registry.hosts.others(), remoteEndpoints: await registry.remoteEndpoints() };
  }

  private async pass(): Promise<{ retryInMs: number } | void> {
    const { registry, ports, flows, gateways, logger } = this.options;
    const started = this.options.clock.now();
    const networks = await registry.networks.list();
    // Endpoints of other hosts get nothing here (no port, veth or local flow).
    const endpoints = await registry.endpoints.listOnHost();
    const gatewayPorts = new Map<string, number>();
    for (const network of networks) {
      const ofport = ports.interfaceStatus(network.gatewayIfname).ofport;
      if (ofport !== undefined && ofport > 0) gatewayPorts.set(network.id, ofport);
    }
    const realised: DataplaneState['endpoints'] = [];
    for (const endpoint of endpoints) {
      if (!endpoint.plugged) continue;
      const status = ports.interfaceStatus(endpoint.hostIfname);
      if (status.error !== undefined || status.ofport === -1) continue;
      // Until OVS reports the port, its flows use the number ovsnet asked for: they match
      // nothing before the port exists, and the port works the moment it does.
      const ofport = status.ofport !== undefined && status.ofport > 0 ? status.ofport : endpoint.ofport;
      realised.push({ ...endpoint, realisedOfport: ofport });
    }
    // A network first seen here (made on another host) gets this host's gateway number now.
    const gatewayNumbers = await registry.gatewayPorts.ensure(networks);
    const clustered = registry.hosts.hostId !== undefined;
    const desired = [
      ...desiredPorts(
        networks,
        this.held.size > 0 ? endpoints.filter((e) => !this.held.has(e.hostIfname)) : endpoints,
        await registry.poolSlots.list(),
        gatewayNumbers,
        clustered,
      ),
      ...(clustered ? tunnelPorts() : []),
    ];
    const actual = ports.ownedPorts();
    const plan = planPorts(desired, actual);
    const overlay = clustered ? await this.overlayState() : undefined;
    // Endpoints about to join bring ports of their own only without the port pool: pool
    // slots need not wait for them. So do held ports (their veths are being made).
    const onlySlots = plan.add.every((p) => p.owner.startsWith(POOL_OWNER_PREFIX));
    const unjoined = onlySlots
      ? []
      : [
          ...endpoints.filter((e) => !e.plugged).map((e) => `${e.networkId}/${e.endpointId}`),
          ...[...this.held.names()].map((name) => `held ${name}`),
        ];
    const decision = this.admission.decide({ additions: plan.add.length, unjoined, switchBusy: ports.switchBusy() });
    // A held port that drifted stays as it is until it can be added back.
    const readded = new Set(plan.add.map((p) => p.name));
    const applied: PortPlan = decision.admit
      ? plan
      : { add: [], remove: plan.remove.filter((name) => !readded.has(name)) };
    const portWork = applied.add.length > 0 || applied.remove.length > 0;
    if (portWork) logger.debug({ add: applied.add.map((p) => p.name), remove: applied.remove }, 'port changes');
    // Flows and ports go out together: ovs-vswitchd handles OpenFlow between its
    // reconfigurations, so a bundle sent first and waited for would add the seconds of a
    // busy switch's main-loop turns in front of the port change instead of beside it.
    // A port realised before its flows drops its first frames (no flow matches them),
    // which is harmless: a join answers only once both are in place.
    const rules = await registry.allowRules.list();
    const since = (): number => this.options.clock.now() - started;
    let portsMs = 0;
    let flowsMs = 0;
    let gatewaysMs = 0;
    // The host side (gateway addresses, NAT) goes beside them too: it depends on neither,
    // and a gateway port not realised yet is simply done by a later pass.
    const [flowOutcome, portOutcome, gatewayOutcome] = await Promise.allSettled([
      flows
        .sync({ networks, endpoints: realised, gateways: gatewayPorts, rules, ...(overlay ? { overlay } : {}) })
        .finally(() => (flowsMs = since())),
      portWork ? ports.apply(applied).then(() => (portsMs = since())) : Promise.resolve(),
      gateways.sync(networks, endpoints).finally(() => (gatewaysMs = since())),
    ]);
    if (portOutcome.status === 'fulfilled') {
      const repairs = this.portDrift.applied(desired, actual, applied);
      if (repairs.added + repairs.modified > 0) {
        logger.info({ ...repairs }, 'ports removed or changed behind ovsnet’s back were put back');
        this.options.onPortsRepaired?.(repairs);
      }
    }
    if (flowOutcome.status === 'rejected') throw flowOutcome.reason;
    if (portOutcome.status === 'rejected') throw portOutcome.reason;
    if (gatewayOutcome.status === 'rejected') throw gatewayOutcome.reason;
    const changes = flowOutcome.value;
    logger.debug(
      {
        ...changes,
        ports: applied.add.length + applied.remove.length,
        held: decision.admit ? 0 : plan.add.length,
        ms: { total: since(), flows: flowsMs, ports: portsMs, gateways: gatewaysMs },
      },
      'pass',
    );
    return decision.admit ? undefined : { retryInMs: decision.retryInMs };
  }
}
