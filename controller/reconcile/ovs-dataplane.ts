// The Dataplane on Open vSwitch: each reconcile pass reads the registry, makes the flow
// table match (one atomic OpenFlow bundle), then the bridge's ports (one OVSDB
// transaction), then configures gateway addresses on the host. Backends hide the protocol
// libraries.
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Registry } from '../cnm/registry';
import type { EndpointRecord, NetworkRecord } from '../cnm/records';
import type { AllowRule } from '../cnm/types';
import type { Dataplane } from '../dataplane';
import { ControllerError } from '../errors';
import { desiredPorts, planPorts, type PortIntent, type PortPlan } from './desired-ports';
import { ReconcileLoop } from './loop';

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
}

/** Everything the flow pipeline needs to know, with realised ofports. */
export interface DataplaneState {
  networks: NetworkRecord[];
  endpoints: Array<EndpointRecord & { realisedOfport: number }>;
  gateways: Map<string, number>;
  rules: AllowRule[];
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
}

export class OvsDataplane implements Dataplane {
  private readonly loop: ReconcileLoop;

  constructor(private readonly options: OvsDataplaneOptions) {
    this.loop = new ReconcileLoop({
      pass: () => this.pass(),
      clock: options.clock,
      logger: options.logger,
      periodMs: options.driftPeriodMs ?? 2000,
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

  async waitEndpointReady(networkId: string, endpointId: string, timeoutMs: number): Promise<void> {
    const deadline = this.options.clock.now() + timeoutMs;
    const remaining = (): number => Math.max(1, deadline - this.options.clock.now());
    // One pass after the plug adds the port and already installs its flows, written for the
    // OpenFlow port number ovsnet requested; OVS then realises the port under that number.
    await this.loop.waitSynced(remaining());
    const endpoint = await this.options.registry.requireEndpoint(networkId, endpointId);
    let ofport: number;
    try {
      ofport = await this.options.ports.waitRealised(endpoint.hostIfname, remaining());
    } catch (error) {
      throw new ControllerError('UNAVAILABLE', `Open vSwitch could not attach ${endpoint.hostIfname}: ${(error as Error).message}`);
    }
    // Only if OVS chose another number do the flows need a pass of their own.
    if (ofport !== endpoint.ofport) await this.loop.waitSynced(remaining());
  }

  private async pass(): Promise<void> {
    const { registry, ports, flows, gateways, logger } = this.options;
    const started = this.options.clock.now();
    const networks = await registry.listNetworks();
    const endpoints = await registry.listEndpoints();
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
    // Flows go first: a new port's flows are then in place when ovs-vswitchd realises it,
    // and the bundle is not queued behind the reconfiguration the port change starts
    // (seconds on a bridge of thousands of ports).
    const changes = await flows.sync({ networks, endpoints: realised, gateways: gatewayPorts, rules: await registry.listRules() });
    const portsStart = this.options.clock.now();
    const plan = planPorts(desiredPorts(networks, endpoints), ports.ownedPorts());
    if (plan.add.length > 0 || plan.remove.length > 0) {
      logger.debug({ add: plan.add.map((p) => p.name), remove: plan.remove }, 'port changes');
      await ports.apply(plan);
    }
    const gatewaysStart = this.options.clock.now();
    await gateways.sync(networks, endpoints);
    const end = this.options.clock.now();
    logger.debug({ ...changes, ports: plan.add.length + plan.remove.length, ms: { total: end - started, flows: portsStart - started, ports: gatewaysStart - portsStart, gateways: end - gatewaysStart } }, 'pass');
  }
}
