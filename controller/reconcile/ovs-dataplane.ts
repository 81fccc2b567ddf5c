// The Dataplane on Open vSwitch: each reconcile pass reads the registry, makes the bridge's
// ports match (one OVSDB transaction), configures gateway addresses on the host, then makes
// the flow table match (one atomic OpenFlow bundle). Backends hide the protocol libraries.
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
    for (;;) {
      const endpoint = await this.options.registry.requireEndpoint(networkId, endpointId);
      const status = this.options.ports.interfaceStatus(endpoint.hostIfname);
      if (status.error) {
        throw new ControllerError('UNAVAILABLE', `Open vSwitch could not attach ${endpoint.hostIfname}: ${status.error}`);
      }
      const remaining = deadline - this.options.clock.now();
      if (remaining <= 0) throw new ControllerError('UNAVAILABLE', `port ${endpoint.hostIfname} was not realised within ${timeoutMs} ms`);
      // A pass that started after the port got its ofport has installed its flows.
      const realised = status.ofport !== undefined && status.ofport > 0;
      await this.loop.waitSynced(remaining);
      if (realised) return;
    }
  }

  private async pass(): Promise<void> {
    const { registry, ports, flows, gateways, logger } = this.options;
    const started = this.options.clock.now();
    const networks = await registry.listNetworks();
    const endpoints = await registry.listEndpoints();
    const plan = planPorts(desiredPorts(networks, endpoints), ports.ownedPorts());
    if (plan.add.length > 0 || plan.remove.length > 0) {
      logger.debug({ add: plan.add.map((p) => p.name), remove: plan.remove }, 'port changes');
      await ports.apply(plan);
    }
    const gatewaysStart = this.options.clock.now();
    await gateways.sync(networks, endpoints);
    const gatewayPorts = new Map<string, number>();
    for (const network of networks) {
      const ofport = ports.interfaceStatus(network.gatewayIfname).ofport;
      if (ofport !== undefined && ofport > 0) gatewayPorts.set(network.id, ofport);
    }
    const realised: DataplaneState['endpoints'] = [];
    for (const endpoint of endpoints) {
      const ofport = endpoint.plugged ? ports.interfaceStatus(endpoint.hostIfname).ofport : undefined;
      if (ofport !== undefined && ofport > 0) realised.push({ ...endpoint, realisedOfport: ofport });
    }
    const flowsStart = this.options.clock.now();
    const changes = await flows.sync({ networks, endpoints: realised, gateways: gatewayPorts, rules: await registry.listRules() });
    const end = this.options.clock.now();
    logger.debug({ ...changes, ports: plan.add.length + plan.remove.length, ms: { total: end - started, ports: gatewaysStart - started, gateways: flowsStart - gatewaysStart, flows: end - flowsStart } }, 'pass');
  }
}
