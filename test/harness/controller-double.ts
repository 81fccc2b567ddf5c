// TEST DOUBLE: an in-memory stand-in for the controller's NetworkApi and IpamApi, for the
// tests of the Docker plugin alone (the plugin's integration tests and the e2e tests that
// check what a real dockerd sends). It records every call (so tests can check what the
// plugin passed through) and behaves like the contract in the simplest way: idempotent
// creates, NOT_FOUND for unknown objects (so the plugin's tolerance of repeated deletes is
// exercised), CONFLICT for deleting a network with endpoints. Given a namespace, it also
// makes the veth pair Join names there, as a real dockerd moves that interface into the
// container.
import {
  ControllerError,
  type AddressRequest,
  type EndpointInfo,
  type EndpointSpec,
  type IpamApi,
  type JoinResult,
  type NetworkApi,
  type NetworkSpec,
  type PoolGrant,
  type PoolRequest,
  type PortBinding,
} from '../../controller/api';
import type { Netns } from './netns';

export interface RecordedCall {
  method: string;
  args: unknown[];
}

interface Pool {
  grant: PoolGrant;
  prefix: number;
  base: string;
  v6: boolean;
  next: number;
  allocated: Set<string>;
}

export class ControllerDouble implements NetworkApi, IpamApi {
  readonly calls: RecordedCall[] = [];
  readonly networks = new Map<string, NetworkSpec>();
  readonly endpoints = new Map<string, EndpointInfo>();
  readonly published = new Map<string, PortBinding[]>();
  readonly pools = new Map<string, Pool>();
  private readonly failures = new Map<string, unknown>();
  private readonly delays = new Map<string, Promise<void>>();
  private dynamicPools = 0;
  private macs = 0;

  /** vethsIn: where CreateEndpoint makes (and DeleteEndpoint removes) the endpoint's veth pair. */
  constructor(private readonly options: { vethsIn?: Netns } = {}) {}

  /** The next call of `method` throws `error` instead of doing its work. */
  failNext(method: string, error: unknown): void {
    this.failures.set(method, error);
  }
  /** The next call of `method` waits for `until` first (to hold a request in flight). */
  delayNext(method: string, until: Promise<void>): void {
    this.delays.set(method, until);
  }
  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  private async enter(method: string, ...args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    const delay = this.delays.get(method);
    if (delay) {
      this.delays.delete(method);
      await delay;
    }
    const failure = this.failures.get(method);
    if (failure !== undefined) {
      this.failures.delete(method);
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- tests make it throw non-Errors on purpose
      throw failure;
    }
  }

  private endpoint(networkId: string, endpointId: string): EndpointInfo {
    const info = this.endpoints.get(endpointId);
    if (!info || info.networkId !== networkId)
      throw new ControllerError('NOT_FOUND', `endpoint ${endpointId} does not exist in network ${networkId}`);
    return info;
  }

  // ---- NetworkApi

  async createNetwork(spec: NetworkSpec): Promise<NetworkSpec> {
    await this.enter('createNetwork', spec);
    const existing = this.networks.get(spec.id);
    if (existing) return existing;
    this.networks.set(spec.id, spec);
    return spec;
  }
  async deleteNetwork(networkId: string): Promise<void> {
    await this.enter('deleteNetwork', networkId);
    if (!this.networks.has(networkId)) throw new ControllerError('NOT_FOUND', `network ${networkId} does not exist`);
    const inUse = [...this.endpoints.values()].filter((e) => e.networkId === networkId).length;
    if (inUse > 0) throw new ControllerError('CONFLICT', `network ${networkId} still has ${inUse} endpoint(s)`);
    this.networks.delete(networkId);
  }
  async createEndpoint(spec: EndpointSpec): Promise<EndpointInfo> {
    await this.enter('createEndpoint', spec);
    if (!this.networks.has(spec.networkId))
      throw new ControllerError('NOT_FOUND', `network ${spec.networkId} does not exist`);
    const existing = this.endpoints.get(spec.endpointId);
    if (existing) return existing;
    const hostIfname = `ovs${spec.endpointId.slice(0, 8)}`;
    const info: EndpointInfo = {
      networkId: spec.networkId,
      endpointId: spec.endpointId,
      mac: spec.mac ?? `02:00:00:00:00:${(++this.macs).toString(16).padStart(2, '0')}`,
      hostIfname,
      containerIfname: `${hostIfname}_c`,
      ofport: 32768 + this.macs,
    };
    if (spec.ipv4) info.ipv4 = spec.ipv4;
    if (spec.ipv6) info.ipv6 = spec.ipv6;
    this.endpoints.set(spec.endpointId, info);
    await this.options.vethsIn?.ip('link', 'add', hostIfname, 'type', 'veth', 'peer', 'name', info.containerIfname);
    return info;
  }
  async deleteEndpoint(networkId: string, endpointId: string): Promise<void> {
    await this.enter('deleteEndpoint', networkId, endpointId);
    const { hostIfname } = this.endpoint(networkId, endpointId);
    this.endpoints.delete(endpointId);
    await this.options.vethsIn?.ip('link', 'del', hostIfname);
  }
  async join(networkId: string, endpointId: string, sandboxKey: string): Promise<JoinResult> {
    await this.enter('join', networkId, endpointId, sandboxKey);
    const info = this.endpoint(networkId, endpointId);
    info.sandboxKey = sandboxKey;
    const network = this.networks.get(networkId) as NetworkSpec;
    const result: JoinResult = { containerIfname: info.containerIfname };
    const gw4 = network.ipv4[0]?.gateway;
    const gw6 = network.ipv6[0]?.gateway;
    if (gw4 && !network.internal) result.gatewayIpv4 = gw4;
    if (gw6 && !network.internal) result.gatewayIpv6 = gw6;
    return result;
  }
  async leave(networkId: string, endpointId: string): Promise<void> {
    await this.enter('leave', networkId, endpointId);
    delete this.endpoint(networkId, endpointId).sandboxKey;
  }
  async endpointInfo(networkId: string, endpointId: string): Promise<EndpointInfo> {
    await this.enter('endpointInfo', networkId, endpointId);
    return this.endpoint(networkId, endpointId);
  }
  async publishPorts(networkId: string, endpointId: string, ports: PortBinding[]): Promise<void> {
    await this.enter('publishPorts', networkId, endpointId, ports);
    this.endpoint(networkId, endpointId);
    this.published.set(endpointId, ports);
  }
  async unpublishPorts(networkId: string, endpointId: string): Promise<void> {
    await this.enter('unpublishPorts', networkId, endpointId);
    this.endpoint(networkId, endpointId);
    this.published.delete(endpointId);
  }

  // ---- IpamApi

  defaultAddressSpaces(): { local: string; global: string } {
    this.calls.push({ method: 'defaultAddressSpaces', args: [] });
    return { local: 'OvsnetLocal', global: 'OvsnetGlobal' };
  }
  async requestPool(request: PoolRequest): Promise<PoolGrant> {
    await this.enter('requestPool', request);
    const cidr =
      request.pool ?? (request.v6 ? `fd00:${++this.dynamicPools}::/64` : `10.200.${++this.dynamicPools}.0/24`);
    const poolId = `${request.addressSpace}/${cidr}`;
    const existing = this.pools.get(poolId);
    if (existing) return existing.grant;
    const [base, prefix] = cidr.split('/') as [string, string];
    const grant: PoolGrant = { poolId, pool: cidr, data: {} };
    this.pools.set(poolId, { grant, base, prefix: Number(prefix), v6: request.v6, next: 2, allocated: new Set() });
    return grant;
  }
  async releasePool(poolId: string): Promise<void> {
    await this.enter('releasePool', poolId);
    if (!this.pools.delete(poolId)) throw new ControllerError('NOT_FOUND', `pool ${poolId} does not exist`);
  }
  async requestAddress(request: AddressRequest): Promise<string> {
    await this.enter('requestAddress', request);
    const pool = this.pools.get(request.poolId);
    if (!pool) throw new ControllerError('NOT_FOUND', `pool ${request.poolId} does not exist`);
    const host = (n: number): string =>
      pool.v6 ? `${pool.base}${n.toString(16)}` : pool.base.replace(/\.0$/, `.${n}`);
    const address = request.address ?? (request.kind === 'gateway' ? host(1) : host(pool.next++));
    if (pool.allocated.has(address))
      throw new ControllerError('ALREADY_EXISTS', `address ${address} is already in use`);
    pool.allocated.add(address);
    return `${address}/${pool.prefix}`;
  }
  async releaseAddress(poolId: string, address: string): Promise<void> {
    await this.enter('releaseAddress', poolId, address);
    const pool = this.pools.get(poolId);
    if (!pool || !pool.allocated.delete(address))
      throw new ControllerError('NOT_FOUND', `address ${address} is not allocated in ${poolId}`);
  }
}
