// Every method of the control socket, declared once: its name, what it takes and what it
// answers. The daemon's handlers (methods.ts, served by server.ts) are typed against this
// map and so are the callers (client.ts's callControl, used by the `ovsnet` CLI and
// `ovsnet attach`). A renamed method, a renamed record field, a missing parameter or a
// handler answering another shape therefore fails `npm run build` on whichever side lags
// behind; that check is type-level on purpose, and test/unit/control/contract-typecheck.ts
// holds compile-time cases (`@ts-expect-error`) that keep it from being loosened.
import type { ManagedAddRequest } from '../attach/managed';
import type { AttachTarget } from '../attach/target';
import type { HostListing } from '../cnm/host-listing';
import type { EndpointRecord, NetworkRecord, PoolSlotRecord } from '../cnm/records';
import type { AllowRule, EndpointInfo, EndpointSpec, JoinResult, NetworkSpec } from '../cnm/types';
import type { PoolListing } from '../ipam/service';
import type { AllowRequest, RuleStatus } from '../cnm/rule-status';
import type {
  CniAddRequest,
  CniCheckRequest,
  CniDelRequest,
  CniEndpointView,
  CniExecRequest,
  CniExecResult,
} from '../cni/types';
import type { TraceReport, TraceRequest } from '../observe/trace/types';
import type { EndpointCounters } from '../observe/endpoint-stats';

/** A method that takes no parameters: callers send `{}`. */
export type NoParams = Record<string, never>;

/** What `ovsnet status` shows. */
export interface DaemonStatus {
  bridge: string;
  ovsdb: string;
  datapath: string;
  ovsdbConnected: boolean;
  openflow: 'connected' | 'disconnected';
  networks: number;
  endpoints: number;
  /** Pooled veth pairs that exist and can be handed out (see port-pool.ts). */
  pooledPorts: number;
  /** Flows installed by the last reconcile pass. */
  flows: number;
  /** Facts the front ends add (e.g. the plugin socket they serve), by name. */
  [fact: string]: string | number | boolean;
}

/** `ovsnet network inspect`: a network with what belongs to it. */
export interface NetworkDetail {
  network: NetworkRecord;
  endpoints: EndpointRecord[];
  rules: AllowRule[];
}

/** The method map: name -> { params, result }. `void` results arrive as null. */
export type ControlMethods = {
  status: { params: NoParams; result: DaemonStatus };
  /** With a name or key: the network of that key when made with the same settings. */
  'network.create': { params: NetworkSpec; result: NetworkSpec };
  /** CONFLICT naming the hosts while endpoints remain; an absent network is no error. */
  'network.delete': { params: { id: string }; result: void };
  'network.ls': { params: NoParams; result: NetworkRecord[] };
  'network.inspect': { params: { id: string }; result: NetworkDetail };
  'endpoint.ls': { params: NoParams; result: EndpointRecord[] };
  'endpoint.create': { params: EndpointSpec; result: EndpointInfo };
  'endpoint.join': { params: { networkId: string; endpointId: string; sandboxKey: string }; result: JoinResult };
  'endpoint.leave': { params: { networkId: string; endpointId: string }; result: void };
  'endpoint.delete': { params: { networkId: string; endpointId: string }; result: void };
  'ipam.ls': { params: NoParams; result: PoolListing[] };
  'pool.ls': { params: NoParams; result: PoolSlotRecord[] };
  /** `ovsnet attach add-port` on the daemon's bridge: the port becomes an endpoint. */
  'attach.add': { params: ManagedAddRequest; result: { port: string; networkId: string; endpointId: string } };
  /** `ovsnet attach del-port(s)`: `ifname` absent removes every port of the target. */
  'attach.remove': { params: { target: AttachTarget; ifname?: string }; result: { removed: string[] } };
  /** `networkId` may be the network's name or key; CONFLICT when a side matches nothing, unless `allowEmpty`. */
  'policy.allow': { params: AllowRequest; result: RuleStatus };
  /** Stored rules and those from containers' labels, each with the endpoints it matches now. */
  'policy.ls': { params: NoParams; result: RuleStatus[] };
  'policy.rm': { params: { id: string }; result: void };
  /** Live hosts and hosts whose lease expired that still own endpoints. */
  'host.ls': { params: NoParams; result: HostListing[] };
  /** Removes a dead host's endpoints (live hosts are refused); answers their ids. */
  'host.rm': { params: { id: string }; result: { removed: string[] } };
  /** The switch's flows as text with their reasons; `network` keeps one network's. */
  flows: { params: { network?: string }; result: string[] };
  /** The CNI plugin (drivers/cni): ADD, DEL and CHECK of one container interface. */
  'cni.add': { params: CniAddRequest; result: CniEndpointView };
  'cni.del': { params: CniDelRequest; result: void };
  'cni.check': { params: CniCheckRequest; result: CniEndpointView };
  /** A whole plugin call (environment and stdin) run in the daemon: what the plugin prints. */
  'cni.exec': { params: CniExecRequest; result: CniExecResult };
  /** `ovsnet trace`: the frame A would send to B through the switch, with a verdict. */
  trace: { params: TraceRequest; result: TraceReport };
  /** `ovsnet endpoint stats`: this host's endpoints' port counters, or one endpoint's. */
  'endpoint.stats': { params: { name?: string }; result: EndpointCounters[] };
};

export type ControlMethodName = keyof ControlMethods;
export type ControlParams<M extends ControlMethodName> = ControlMethods[M]['params'];
export type ControlResult<M extends ControlMethodName> = ControlMethods[M]['result'];

/** The shape any method map has; server.ts serves any such map. */
export type MethodMap = { [method: string]: { params: unknown; result: unknown } };

/**
 * Parameters as they arrive from the socket: the declared field names, each of any type
 * or missing, so a handler names fields the map declares and still checks their values.
 */
export type Untrusted<P> = { readonly [K in keyof P]?: unknown };

/** The daemon's side of a method map: one handler per method. */
export type Handlers<Map extends MethodMap> = {
  [M in keyof Map]: (params: Untrusted<Map[M]['params']>) => Promise<Map[M]['result']>;
};
