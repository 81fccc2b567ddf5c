// Cookie layout, declared once:
//
//   bit 63      56 55     48 47     40 39                            8 7        0
//      | ovsnet mark | feature | object kind |        object id         | reserved |
//
// The object part (kind and id together) names the one thing a flow exists for, so all of
// ovsnet's flows, one feature's flows, one kind's flows or one object's flows are found
// (dumped, counted, deleted) by cookie and mask. The kind keeps ids of different kinds
// apart: rule 1, network 1 and port 1 are three objects with three cookies.
//
// Flows written by ovsnet before the kind existed (| mark | feature | 32-bit id | 16
// reserved |) carry the same mark, and their table-wide flows the same cookie; the
// controller compares cookies with the rest of each flow, so its first pass replaces the
// others.
//
// To add a kind: give it the next number below and a constructor beside the others.

export const OVSNET_MARK = 0x0en;

export const Feature = {
  classify: 1,
  port_security: 2,
  arp_responder: 3,
  l2: 4,
  policy: 5,
  output: 6,
  base: 7,
  routed_source: 8,
  tunnel_classify: 9,
  tunnel_security: 10,
} as const;
export type FeatureName = keyof typeof Feature;

export const ObjectKind = {
  /** Fixed flows of a table: they exist whatever the state holds. */
  table_wide: 0,
  /** An endpoint's port; the id is its ofport. */
  endpoint: 1,
  /** A network's gateway port; the id is its ofport. */
  gateway: 2,
  /** A network as a whole (subnets, ICC, flooding); the id is its tag. */
  network: 3,
  /** An allow rule; the id is its conjunction id (PipelineRule.id). */
  allow_rule: 4,
  /**
   * One flow that several objects need: OpenFlow keeps one flow per table, priority and
   * match, so allow rules with a clause in common share it. It names no object, so that
   * removing one rule by cookie never removes another rule's clause.
   */
  shared: 5,
  /** An endpoint on another host; the id is PipelineRemoteEndpoint.id. */
  remote_endpoint: 6,
  /** Another host of the cluster; the id is PipelineRemoteHost.id. */
  remote_host: 7,
} as const;
export type ObjectKindName = keyof typeof ObjectKind;

/** What a flow exists for: a kind and an id unique within that kind. */
export interface FlowObject {
  kind: ObjectKindName;
  id: number;
}

export const TABLE_WIDE: FlowObject = { kind: 'table_wide', id: 0 };
export const SHARED: FlowObject = { kind: 'shared', id: 0 };
export const endpointObject = (ofport: number): FlowObject => ({ kind: 'endpoint', id: ofport });
export const gatewayObject = (ofport: number): FlowObject => ({ kind: 'gateway', id: ofport });
export const networkObject = (tag: number): FlowObject => ({ kind: 'network', id: tag });
export const allowRuleObject = (id: number): FlowObject => ({ kind: 'allow_rule', id });
export const remoteEndpointObject = (id: number): FlowObject => ({ kind: 'remote_endpoint', id });
export const remoteHostObject = (id: number): FlowObject => ({ kind: 'remote_host', id });

const MARK_SHIFT = 56n;
const FEATURE_SHIFT = 48n;
const KIND_SHIFT = 40n;
const ID_SHIFT = 8n;

export const MARK_MASK = 0xffn << MARK_SHIFT;
export const FEATURE_MASK = 0xffn << FEATURE_SHIFT;
export const KIND_MASK = 0xffn << KIND_SHIFT;
export const ID_MASK = 0xffffffffn << ID_SHIFT;
/** Kind and id: the whole object part. */
export const OBJECT_MASK = KIND_MASK | ID_MASK;

const KIND_NAMES = new Map<number, ObjectKindName>(
  Object.entries(ObjectKind).map(([name, value]) => [value, name as ObjectKindName]),
);
const FEATURE_NAMES = new Map<number, FeatureName>(
  Object.entries(Feature).map(([name, value]) => [value, name as FeatureName]),
);

function objectBits(object: FlowObject): bigint {
  if (!Number.isInteger(object.id) || object.id < 0 || object.id > 0xffffffff)
    throw new RangeError(`${object.kind} id ${object.id} does not fit the cookie's 32-bit object id`);
  return (BigInt(ObjectKind[object.kind]) << KIND_SHIFT) | (BigInt(object.id) << ID_SHIFT);
}

export function cookie(feature: FeatureName, object: FlowObject): bigint {
  return (OVSNET_MARK << MARK_SHIFT) | (BigInt(Feature[feature]) << FEATURE_SHIFT) | objectBits(object);
}

/** The same feature's cookie for another object. */
export function withObject(value: bigint, object: FlowObject): bigint {
  return (value & ~OBJECT_MASK) | objectBits(object);
}

/** The cookie and mask that select one object's flows in every table and feature. */
export function objectSelector(object: FlowObject): { cookie: bigint; cookieMask: bigint } {
  return { cookie: (OVSNET_MARK << MARK_SHIFT) | objectBits(object), cookieMask: MARK_MASK | OBJECT_MASK };
}

/** How OpenFlow selects flows by cookie (flow_mod delete, flow stats): equal under the mask. */
export function cookieSelects(selector: { cookie: bigint; cookieMask: bigint }, flowCookie: bigint): boolean {
  return (flowCookie & selector.cookieMask) === (selector.cookie & selector.cookieMask);
}

const MARK = OVSNET_MARK << MARK_SHIFT;

export function isOvsnetCookie(value: bigint): boolean {
  return (value & MARK_MASK) === MARK;
}

/** The feature and object an ovsnet cookie names; undefined for any other cookie. */
export function parseCookie(value: bigint): { feature: FeatureName; object: FlowObject } | undefined {
  if (!isOvsnetCookie(value)) return undefined;
  const feature = FEATURE_NAMES.get(Number((value & FEATURE_MASK) >> FEATURE_SHIFT));
  const kind = KIND_NAMES.get(Number((value & KIND_MASK) >> KIND_SHIFT));
  if (feature === undefined || kind === undefined) return undefined;
  return { feature, object: { kind, id: Number((value & ID_MASK) >> ID_SHIFT) } };
}
