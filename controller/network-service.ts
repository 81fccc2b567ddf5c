// The NetworkApi: CNM lifecycle on top of the registry (desired state), host links (veth
// pairs) and the dataplane (OVS ports and flows). Every call is idempotent; a failure
// part-way leaves nothing behind that a retry would trip over.
import { networkMtu } from './cnm/mtu';
import type { Logger } from './log';
import { ControllerError, notFound } from './errors';
import { isOutcomeUnknown, isStoreUnreachable } from './store/etcd-calls';
import type { Registry } from './cnm/registry';
import { ClusterNetworks } from './cnm/cluster-networks';
import type { EndpointRecord, NetworkRecord } from './cnm/records';
import { BATCHABLE_NETNS_PATH, vethNamesFor, type HostLinks } from './host/links';
import { listeningPorts } from './host/listening-ports';
import type { Dataplane } from './dataplane';
import { StaleLinks } from './stale-links';
import { PortPool } from './port-pool';
import { systemClock, type Clock } from './clock';
import { crashPoint } from './crash-points';
import { EndpointActivity } from './endpoint-activity';
import type {
  ContainerEnd,
  EndpointInfo,
  EndpointSpec,
  JoinResult,
  NetworkApi,
  NetworkSpec,
  PortBinding,
} from './cnm/types';

export interface NetworkServiceOptions {
  registry: Registry;
  links: HostLinks;
  dataplane: Dataplane;
  logger: Logger;
  /** Time for the port pool's schedule and Join's timings (the system clock when absent). */
  clock?: Clock;
  /** How long Join waits for OVS to realise the port and its flows. */
  realiseTimeoutMs?: number;
  /** Veth pairs kept ready on the bridge (see port-pool.ts); minIdle 0 or absent: none. */
  portPool?: { minIdle: number };
}

/** How often a lost store answer is asked after again (see settleLostAnswer). */
const SETTLE_FIRST_PAUSE_MS = 250;
const SETTLE_LONGEST_PAUSE_MS = 5_000;

export class NetworkService implements NetworkApi {
  private readonly registry: Registry;
  private readonly links: HostLinks;
  private readonly dataplane: Dataplane;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly realiseTimeoutMs: number;
  private readonly staleLinks: StaleLinks;
  /** In a cluster: networks created once for every host, known here by aliases too. */
  private readonly cluster: ClusterNetworks | undefined;
  readonly pool: PortPool | undefined;
  /** Docker's calls about each endpoint, for the leftover sweeps (endpoint-activity.ts). */
  readonly activity = new EndpointActivity();

  constructor(options: NetworkServiceOptions) {
    this.registry = options.registry;
    this.links = options.links;
    this.dataplane = options.dataplane;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.realiseTimeoutMs = options.realiseTimeoutMs ?? 30_000;
    this.staleLinks = new StaleLinks(this.registry, this.links, this.logger);
    this.cluster =
      this.registry.hostId !== undefined
        ? new ClusterNetworks(this.registry, this.registry.hostId, this.clock)
        : undefined;
    this.pool = options.portPool
      ? new PortPool({
          registry: this.registry,
          links: this.links,
          dataplane: this.dataplane,
          clock: this.clock,
          logger: this.logger,
          minIdle: options.portPool.minIdle,
          removeLinks: (names) => this.staleLinks.removeAll(names),
        })
      : undefined;
  }

  /** Finishes removing veths of endpoints deleted before a crash or restart. */
  sweepStaleLinks(): void {
    void (async () => {
      // A request that stored its endpoint joined and never answered (createJoined) left it
      // unfinished: it goes, with its veth, so the request's retry starts clean.
      for (const endpoint of await this.staleLinks.unfinished()) {
        this.logger.warn(
          { endpoint: endpoint.endpointId, network: endpoint.networkId, link: endpoint.hostIfname },
          'removing an endpoint whose attach never answered',
        );
        await this.deleteEndpoint(endpoint.networkId, endpoint.endpointId);
      }
    })()
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not remove the endpoints of unfinished requests; will retry'),
      )
      .finally(() => this.staleLinks.sweep());
  }

  /**
   * The id a request's network is stored under: in a cluster, another host's Docker id of a
   * network (an alias) stands for the network itself (cnm/network-aliases.ts).
   */
  private async networkIdOf(id: string): Promise<string> {
    return this.cluster ? this.registry.aliases.resolve(id) : id;
  }

  async createNetwork(spec: NetworkSpec): Promise<NetworkSpec> {
    const record = this.cluster ? await this.cluster.create(spec) : await this.registry.networks.create(spec);
    this.dataplane.kick();
    if (record.id === spec.id)
      this.logger.info({ network: record.id, key: record.key, tag: record.tag }, 'network created');
    else this.logger.info({ network: record.id, key: record.key, alias: spec.id }, 'network joined under an alias');
    return publicNetwork(record);
  }

  async deleteNetwork(networkId: string): Promise<void> {
    if (this.cluster) await this.cluster.delete(networkId);
    else await this.registry.networks.delete(networkId);
    crashPoint('delete-network:after-record');
    this.dataplane.kick();
  }

  async createEndpoint(spec: EndpointSpec): Promise<EndpointInfo> {
    const networkId = await this.networkIdOf(spec.networkId);
    this.activity.touch(networkId, spec.endpointId, this.clock.now());
    const record = await this.registry.endpoints.create({ ...spec, networkId });
    crashPoint('create-endpoint:after-record');
    return publicEndpoint(record);
  }

  async deleteEndpoint(id: string, endpointId: string): Promise<void> {
    await this.deleteEndpointIf(id, endpointId);
  }

  /**
   * Deletes the endpoint; with `onlyIf`, only while its record still satisfies it (the
   * leftover sweeps: an endpoint Docker joins meanwhile stays). True when it was deleted.
   */
  async deleteEndpointIf(
    id: string,
    endpointId: string,
    onlyIf?: (record: EndpointRecord) => boolean,
  ): Promise<boolean> {
    const networkId = await this.networkIdOf(id);
    const record = await this.registry.endpoints.delete(networkId, endpointId, onlyIf);
    if (!record) return false;
    this.activity.forget(networkId, endpointId);
    crashPoint('delete-endpoint:after-record');
    this.dataplane.kick();
    // The veth goes after the answer (see stale-links.ts); the registry remembers it.
    this.staleLinks
      .remove(record.hostIfname)
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error, link: record.hostIfname },
          'could not remove the veth of a deleted endpoint; will retry',
        ),
      );
    return true;
  }

  /**
   * `meanwhile`, when given, runs while the switch realises the port and its flows, with the
   * answer the join will give: callers that move the container end into its sandbox
   * themselves (hand attach, CNI) do that in parallel rather than after. A veth made for
   * such a join has its container end made in the sandbox (`containerEnd.inSandbox`), so
   * there is nothing left to move. Nothing the
   * container sends gets anywhere before its flows exist: the pipeline drops frames from a
   * port it does not know. The join fails if either fails, after both have settled.
   */
  async join(
    id: string,
    endpointId: string,
    sandboxKey: string,
    meanwhile?: (joined: JoinResult, containerEnd: ContainerEnd) => Promise<void>,
  ): Promise<JoinResult> {
    if (typeof sandboxKey !== 'string' || sandboxKey === '')
      throw new ControllerError('INVALID_ARGUMENT', 'SandboxKey is missing');
    const networkId = await this.networkIdOf(id);
    this.activity.touch(networkId, endpointId, this.clock.now());
    const network = await this.registry.networks.require(networkId);
    const mtu = networkMtu(network, this.registry.hosts.hostId !== undefined);
    let endpoint = await this.registry.endpoints.require(networkId, endpointId);
    const started = this.clock.now();
    let linked = started;
    let containerEnd: ContainerEnd = { inSandbox: false };
    if (endpoint.pooled) {
      // A retried join: the pooled pair is already this endpoint's. Its container end may be
      // in the sandbox by now; if it is still here, it gets the network's MTU (again).
      if (mtu !== undefined) await this.links.setMtu(endpoint.containerIfname, mtu, { missingIsFine: true });
    } else if (this.pool?.enabled && !endpoint.plugged && endpoint.attachment === undefined) {
      // Ports attached by hand carry ovs-docker's labels from their creation on, so they get
      // a veth of their own. A pooled pair has the default MTU: on a network with another
      // one (an overlay's), its container end is set to it before Docker moves it, which
      // costs one batched `ip` line rather than a pair made and plugged for this join.
      endpoint = await this.pool.claim(networkId, endpointId, sandboxKey, this.realiseTimeoutMs);
      crashPoint('join:after-claim');
      if (mtu !== undefined) await this.links.setMtu(endpoint.containerIfname, mtu);
      linked = this.clock.now();
    } else {
      // An endpoint created again under a deleted one's id reuses its veth name.
      await this.staleLinks.remove(endpoint.hostIfname);
      // A caller that moves the container end itself gets it made in the sandbox already.
      const inSandbox = meanwhile !== undefined && BATCHABLE_NETNS_PATH.test(sandboxKey);
      await this.links.createVeth(endpoint.hostIfname, endpoint.containerIfname, {
        ...(mtu !== undefined ? { mtu } : {}),
        peerMac: endpoint.mac,
        ...(inSandbox ? { peerNetns: sandboxKey } : {}),
      });
      containerEnd = { inSandbox };
      crashPoint('join:after-veth');
      linked = this.clock.now();
    }
    await this.registry.endpoints.update(networkId, endpointId, (r) => ({ ...r, plugged: true, sandboxKey }));
    crashPoint('join:after-record');
    this.dataplane.kick();
    return this.realise(network, endpoint, containerEnd, { started, linked, recorded: this.clock.now() }, meanwhile);
  }

  /**
   * CreateEndpoint and Join at once, for a caller that makes the endpoint and places its
   * container end itself in one request (`ovsnet attach`). The veth (container end made in
   * the sandbox) and the endpoint, stored already joined, are made at the same time: one
   * store transaction where the two calls make two, so in a cluster every host hears of the
   * endpoint once, as soon as it is stored, and the request waits for one cluster-store
   * write instead of two, beside the veth rather than after it. The port stays off the
   * bridge until its veth exists (Dataplane.holdPort). From before the veth is made until
   * the answer, the veth is recorded as stale (stale-links.ts): after a crash or a lost
   * answer, the next sweep removes the unfinished endpoint and its veth, so a retry starts
   * clean. `meanwhile` is given the stored endpoint too; the container end has the
   * endpoint's MAC only if the spec named one, so `meanwhile` sets it. An endpoint that exists
   * already (a retried request), one that would get a pooled pair (a CNI ADD with the port
   * pool on), or a sandbox path `ip` cannot be handed, takes the two calls.
   * A failure leaves nothing this request made behind.
   */
  async createJoined(
    spec: EndpointSpec,
    sandboxKey: string,
    meanwhile: (joined: JoinResult, containerEnd: ContainerEnd, endpoint: EndpointInfo) => Promise<void>,
  ): Promise<{ endpoint: EndpointInfo; joined: JoinResult }> {
    const networkId = await this.networkIdOf(spec.networkId);
    const known = await this.registry.endpoints.get(networkId, spec.endpointId);
    // An endpoint the join would give a pooled pair (one not attached by hand, with the
    // pool on) takes one: on a big bridge a port added for the request costs a
    // reconfiguration of seconds that the pool made beforehand.
    const pooled = this.pool?.enabled === true && spec.attachment === undefined;
    if (known !== undefined || pooled || !BATCHABLE_NETNS_PATH.test(sandboxKey)) {
      const endpoint = await this.createEndpoint(spec);
      try {
        const joined = await this.join(networkId, spec.endpointId, sandboxKey, (j, end) => meanwhile(j, end, endpoint));
        return { endpoint, joined };
      } catch (error) {
        // Only what this request made goes; an endpoint it found stays for its owner.
        if (known === undefined) await this.abandon(networkId, spec.endpointId);
        throw error;
      }
    }
    this.activity.touch(networkId, spec.endpointId, this.clock.now());
    const network = await this.registry.networks.require(networkId);
    const names = vethNamesFor(spec.endpointId);
    const started = this.clock.now();
    const making = await this.staleLinks.beginMaking(names.host, { networkId, endpointId: spec.endpointId });
    try {
      const { stored, linked } = await this.makeAndStore({ ...spec, networkId }, network, sandboxKey, names, making);
      const endpoint = publicEndpoint(stored);
      try {
        const joined = await this.realise(
          network,
          stored,
          { inSandbox: true },
          { started, linked, recorded: this.clock.now() },
          (j, end) => meanwhile(j, end, endpoint),
        );
        await this.staleLinks.forget(names.host);
        return { endpoint, joined };
      } catch (error) {
        making();
        await this.abandon(networkId, spec.endpointId);
        throw error;
      }
    } finally {
      making();
    }
  }

  /**
   * Deletes `endpoint` if a request stored it joined and never answered (see createJoined),
   * as the next sweep would; says whether it did. Refuses while a request making its veth
   * (or settling a lost answer for it) has not finished.
   */
  async abandonUnfinished(endpoint: EndpointRecord): Promise<boolean> {
    this.staleLinks.refuseIfMaking(endpoint.hostIfname);
    if (!(await this.staleLinks.isUnfinished(endpoint))) return false;
    await this.deleteEndpoint(endpoint.networkId, endpoint.endpointId);
    return true;
  }

  /** Deletes an endpoint a failed request stored; a failure to is left to the sweeps. */
  private async abandon(networkId: string, endpointId: string): Promise<void> {
    await this.deleteEndpoint(networkId, endpointId).catch((error: unknown) =>
      this.logger.warn(
        { err: error, endpoint: endpointId },
        'could not remove the endpoint of a failed request; will retry',
      ),
    );
  }

  /**
   * The veth and the endpoint stored joined, made side by side (see createJoined). Whatever
   * fails, what this made goes again: the veth when the store said no, the endpoint when the
   * veth failed. When the store's answer was lost, the endpoint may be stored all the same:
   * the veth's record stands, and the next sweep settles it.
   */
  private async makeAndStore(
    spec: EndpointSpec,
    network: NetworkRecord,
    sandboxKey: string,
    names: { host: string; peer: string },
    making: () => void,
  ): Promise<{ stored: EndpointRecord; linked: number }> {
    const mtu = networkMtu(network, this.registry.hosts.hostId !== undefined);
    const release = this.dataplane.holdPort(names.host);
    let linked = this.clock.now();
    const [veth, store] = await Promise.allSettled([
      this.links
        .createVeth(names.host, names.peer, {
          ...(mtu !== undefined ? { mtu } : {}),
          ...(spec.mac !== undefined ? { peerMac: spec.mac } : {}),
          peerNetns: sandboxKey,
        })
        .then(() => {
          linked = this.clock.now();
        }),
      this.storeJoined(spec, sandboxKey),
    ]);
    release();
    if (veth.status === 'fulfilled' && store.status === 'fulfilled') {
      crashPoint('create-joined:after-record');
      return { stored: store.value, linked };
    }
    const answerLost = store.status === 'rejected' && isOutcomeUnknown(store.reason);
    // Its hold is taken before this request's ends, so no sweep gets in between.
    if (answerLost) this.settleLostAnswer(names.host);
    making();
    if (store.status === 'fulfilled') await this.abandon(network.id, spec.endpointId);
    else if (!answerLost)
      await this.staleLinks
        .remove(names.host)
        .catch((error: unknown) =>
          this.logger.warn(
            { err: error, link: names.host },
            'could not remove the veth of a failed request; will retry',
          ),
        );
    throw store.status === 'rejected' ? store.reason : (veth as PromiseRejectedResult).reason;
  }

  /**
   * The store's answer to a createJoined was lost: the endpoint may be stored later, when etcd
   * gets to the write. The veth and its record are kept, out of the sweeps' reach, until etcd
   * answers again and this host's copy has caught up; then a sweep settles it: the endpoint,
   * if it was stored, is unfinished and goes with the veth; if not, the veth goes.
   */
  private settleLostAnswer(name: string): void {
    const settled = (async () => {
      for (let pause = SETTLE_FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, SETTLE_LONGEST_PAUSE_MS)) {
        try {
          return await this.registry.current();
        } catch (error) {
          if (!isStoreUnreachable(error)) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, pause).unref());
      }
    })();
    this.staleLinks.keepUntil(name, settled);
    settled.then(
      () => this.sweepStaleLinks(),
      (error: unknown) =>
        this.logger.warn(
          { err: error, link: name },
          'could not settle an attach whose answer was lost; the sweeps will',
        ),
    );
  }

  /** The endpoint stored joined; one stored already under that id (a request racing this one) must be that very one. */
  private async storeJoined(spec: EndpointSpec, sandboxKey: string): Promise<EndpointRecord> {
    const record = await this.registry.endpoints.create(spec, { sandboxKey });
    if (record.plugged !== true || record.sandboxKey !== sandboxKey)
      throw new ControllerError('ALREADY_EXISTS', `endpoint "${spec.endpointId}" is being made by another request`);
    return record;
  }

  /**
   * A join's last part, once its endpoint is stored as plugged: the switch's (port and flows)
   * and the caller's `meanwhile` together; answers when both are done.
   */
  private async realise(
    network: NetworkRecord,
    endpoint: EndpointRecord,
    containerEnd: ContainerEnd,
    times: { started: number; linked: number; recorded: number },
    meanwhile?: (joined: JoinResult, containerEnd: ContainerEnd) => Promise<void>,
  ): Promise<JoinResult> {
    const { networkId, endpointId } = endpoint;
    const mtu = networkMtu(network, this.registry.hosts.hostId !== undefined);
    const gatewayIpv4 = network.ipv4.find((s) => s.gateway !== undefined)?.gateway;
    const gatewayIpv6 = network.ipv6.find((s) => s.gateway !== undefined)?.gateway;
    const joined: JoinResult = {
      containerIfname: endpoint.containerIfname,
      // An internal network has no way out, so it offers no default route either.
      ...(!network.internal && gatewayIpv4 !== undefined ? { gatewayIpv4 } : {}),
      ...(!network.internal && gatewayIpv6 !== undefined ? { gatewayIpv6 } : {}),
      ...(mtu !== undefined ? { mtu } : {}),
    };
    // Each part's own time, for the debug line below: the switch's apart from the caller's.
    const finished = { switch: 0, meanwhile: 0 };
    const timed = async (part: keyof typeof finished, work: Promise<void> | undefined): Promise<void> => {
      try {
        await work;
      } finally {
        finished[part] = this.clock.now() - times.recorded;
      }
    };
    const outcomes = await Promise.allSettled([
      timed('switch', this.dataplane.waitEndpointReady(networkId, endpointId, this.realiseTimeoutMs)),
      ...(meanwhile ? [timed('meanwhile', meanwhile(joined, containerEnd))] : []),
    ]);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    crashPoint('join:after-ready');
    this.logger.debug(
      {
        endpoint: endpointId,
        pooled: endpoint.pooled === true,
        ms: {
          veth: times.linked - times.started,
          record: times.recorded - times.linked,
          switch: finished.switch,
          ...(meanwhile ? { meanwhile: finished.meanwhile } : {}),
        },
      },
      'joined',
    );
    // Docker lists the endpoint only once the container it starts is running: the wait of
    // the leftover sweeps starts from this answer.
    this.activity.touch(networkId, endpointId, this.clock.now());
    return joined;
  }

  async leave(id: string, endpointId: string): Promise<void> {
    const networkId = await this.networkIdOf(id);
    const endpoint = await this.registry.endpoints.get(networkId, endpointId);
    if (!endpoint || endpoint.sandboxKey === undefined) return; // Leave before Join, or twice
    await this.registry.endpoints.update(networkId, endpointId, (r) => {
      const { sandboxKey: _gone, ...rest } = r;
      void _gone;
      return rest;
    });
    crashPoint('leave:after-record');
  }

  async endpointInfo(id: string, endpointId: string): Promise<EndpointInfo> {
    const networkId = await this.networkIdOf(id);
    const endpoint = await this.registry.endpoints.get(networkId, endpointId);
    if (!endpoint) throw notFound(`endpoint "${endpointId}" does not exist in network "${networkId}"`);
    return publicEndpoint(endpoint);
  }

  async publishPorts(id: string, endpointId: string, ports: PortBinding[]): Promise<void> {
    const networkId = await this.networkIdOf(id);
    const chooses = ports.some((p) => p.hostPort === 0 || (p.hostPortEnd ?? p.hostPort) > p.hostPort);
    const published = await this.registry.hostPorts.publish(
      networkId,
      endpointId,
      ports,
      chooses ? await listeningPorts() : undefined,
    );
    this.logger.info({ endpoint: endpointId, ports: published }, 'ports published');
    this.dataplane.kick();
  }

  async unpublishPorts(id: string, endpointId: string): Promise<void> {
    const networkId = await this.networkIdOf(id);
    const endpoint = await this.registry.endpoints.get(networkId, endpointId);
    if (!endpoint?.ports) return;
    await this.registry.hostPorts.publish(networkId, endpointId, []);
    this.dataplane.kick();
  }
}

function publicNetwork(record: NetworkRecord): NetworkSpec {
  const { tag, gatewayOfport, gatewayIfname, host, ...spec } = record;
  void [tag, gatewayOfport, gatewayIfname, host];
  return spec;
}

function publicEndpoint(record: EndpointRecord): EndpointInfo {
  return {
    networkId: record.networkId,
    endpointId: record.endpointId,
    ...(record.ipv4 !== undefined ? { ipv4: record.ipv4 } : {}),
    ...(record.ipv6 !== undefined ? { ipv6: record.ipv6 } : {}),
    mac: record.mac,
    hostIfname: record.hostIfname,
    containerIfname: record.containerIfname,
    ofport: record.ofport,
    ...(record.sandboxKey !== undefined ? { sandboxKey: record.sandboxKey } : {}),
    ...(record.ports !== undefined ? { ports: record.ports as PortBinding[] } : {}),
  };
}
