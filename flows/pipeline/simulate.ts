// A flow-table interpreter for unit tests: runs a frame through the pipeline's FlowSpecs
// the way ovs-vswitchd would (highest priority wins, goto_table and resubmit, register
// loads and moves, set_field, conjunctive matches) and reports where it comes out. It
// answers "does this frame from A reach B?" without a switch, in microseconds. Told which
// ports are flow-based tunnels, it also does what ovs-vswitchd does there: an output needs
// a tunnel destination (tun_dst) and leaves with the tunnel metadata; receivedFrame turns
// such a delivery into the frame the peer's bridge sees. ct sends a frame through a
// simulated connection tracker (simulate-conntrack.ts): committed connections persist in
// the tracker a caller passes, so a reply can be walked after its request.
import { fieldDef } from '../ofp/fields';
import { encodeValue, type FieldValue } from '../ofp/values';
import type { Action } from '../ofp/actions';
import type { MatchField } from '../ofp/match';
import type { FlowSpec } from './spec';
import { TABLES, tableName, type TableName } from './tables';
import { SimulatedConntrack } from './simulate-conntrack';

/** A frame as field values (ovs-fields names); absent fields are absent from the frame. */
export type Frame = Record<string, FieldValue>;

export interface Delivery {
  port: number;
  /** The frame as it left (set_field and move applied). */
  frame: Map<string, bigint>;
  /** For an output to a tunnel port: where the copy goes (tun_dst) and its key (tun_id). */
  tunnel?: { dst: string; id: bigint };
}

export interface SimulationOptions {
  /** The bridge's flow-based tunnel ports (remote_ip=flow, key=flow). */
  tunnelPorts?: readonly number[];
  /** Connections committed so far (kept across calls by passing the same one); a fresh one when absent. */
  conntrack?: SimulatedConntrack;
}

export interface SimulationResult {
  deliveries: Delivery[];
  /** Each table visited and the reason of the flow that matched (or "miss"). */
  trace: string[];
}

const MAX_RESUBMITS = 64;
/** Fields every packet has, zero until set: registers and the connection tracking state. */
const PIPELINE_METADATA = /^(reg\d+|ct_state|ct_zone|ct_mark)$/;

function toBig(field: string, value: FieldValue): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  const def = fieldDef(field);
  if (!def) throw new Error(`the simulator does not know field ${field}`);
  const bytes = encodeValue(def, value);
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

function widthOf(field: string): number {
  if (/^reg\d+$/.test(field)) return 32;
  const def = fieldDef(field);
  if (!def) throw new Error(`the simulator does not know field ${field}`);
  return def.length * 8;
}

function matches(frame: Map<string, bigint>, match: readonly MatchField[], skipConjId = false): boolean {
  for (const m of match) {
    if (skipConjId && m.field === 'conj_id') continue;
    const actual = frame.get(m.field) ?? (PIPELINE_METADATA.test(m.field) ? 0n : undefined);
    if (actual === undefined) return false;
    const mask = m.mask === undefined ? (1n << BigInt(widthOf(m.field))) - 1n : toBig(m.field, m.mask);
    if ((actual & mask) !== (toBig(m.field, m.value) & mask)) return false;
  }
  return true;
}

/** The flow OVS would pick in one table, with conjunctive matches resolved. */
function lookup(flows: readonly FlowSpec[], frame: Map<string, bigint>): FlowSpec | undefined {
  let best: FlowSpec | undefined;
  const clauses = new Map<string, Set<number>>(); // "priority/id" -> clauses matched
  const totals = new Map<string, number>();
  for (const flow of flows) {
    const conj = flow.actions.filter((a): a is Extract<Action, { type: 'conjunction' }> => a.type === 'conjunction');
    if (conj.length > 0) {
      if (!matches(frame, flow.match)) continue;
      for (const c of conj) {
        const key = `${flow.priority}/${c.id}`;
        const seen = clauses.get(key) ?? new Set<number>();
        seen.add(c.clause);
        clauses.set(key, seen);
        totals.set(key, c.nClauses);
      }
      continue;
    }
    if (flow.match.some((m) => m.field === 'conj_id')) continue; // resolved below
    if (matches(frame, flow.match) && (!best || flow.priority > best.priority)) best = flow;
  }
  for (const flow of flows) {
    const conjId = flow.match.find((m) => m.field === 'conj_id');
    if (!conjId) continue;
    const key = `${flow.priority}/${String(conjId.value)}`;
    if ((clauses.get(key)?.size ?? 0) < (totals.get(key) ?? Infinity)) continue;
    if (matches(frame, flow.match, true) && (!best || flow.priority > best.priority)) best = flow;
  }
  return best;
}

/** A tunnel address field's value as text (dotted IPv4, or IPv6). */
function addressText(value: bigint, v6: boolean): string {
  if (!v6) return [24, 16, 8, 0].map((shift) => Number((value >> BigInt(shift)) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/** Where a tunnel output goes, or undefined when no destination was set (OVS drops it). */
function tunnelDestination(frame: Map<string, bigint>): string | undefined {
  const v4 = frame.get('tun_dst') ?? 0n;
  if (v4 !== 0n) return addressText(v4, false);
  const v6 = frame.get('tun_ipv6_dst') ?? 0n;
  return v6 !== 0n ? addressText(v6, true) : undefined;
}

export function simulate(flows: readonly FlowSpec[], input: Frame, options: SimulationOptions = {}): SimulationResult {
  const tunnels = new Set(options.tunnelPorts ?? []);
  const conntrack = options.conntrack ?? new SimulatedConntrack();
  const byTable = new Map<TableName, FlowSpec[]>();
  for (const flow of flows) byTable.set(flow.table, [...(byTable.get(flow.table) ?? []), flow]);
  const frame = new Map<string, bigint>(Object.entries(input).map(([k, v]) => [k, toBig(k, v)]));
  const inPort = Number(frame.get('in_port') ?? 0n);
  const result: SimulationResult = { deliveries: [], trace: [] };
  let depth = 0;

  const run = (table: TableName): void => {
    if (++depth > MAX_RESUBMITS) throw new Error('resubmit depth exceeded (a loop in the pipeline?)');
    const flow = lookup(byTable.get(table) ?? [], frame);
    result.trace.push(`${table}: ${flow ? flow.reason : 'miss (drop)'}`);
    if (!flow) return;
    for (const action of flow.actions) apply(action);
    if (flow.goto !== undefined) run(flow.goto);
  };

  const apply = (action: Action): void => {
    switch (action.type) {
      case 'output': {
        const port = action.port === 'in_port' ? inPort : typeof action.port === 'number' ? action.port : NaN;
        // OpenFlow never sends a frame back out of its input port unless told so by in_port.
        if (Number.isNaN(port) || (action.port !== 'in_port' && port === inPort)) return;
        if (!tunnels.has(port)) {
          result.deliveries.push({ port, frame: new Map(frame) });
          return;
        }
        const dst = tunnelDestination(frame);
        if (dst === undefined) result.trace.push(`output to tunnel port ${port} without tun_dst: dropped`);
        else result.deliveries.push({ port, frame: new Map(frame), tunnel: { dst, id: frame.get('tun_id') ?? 0n } });
        return;
      }
      case 'set_field':
        frame.set(action.field, toBig(action.field, action.value));
        return;
      case 'load': {
        const ofs = BigInt(action.ofs ?? 0);
        const mask = ((1n << BigInt(action.nBits ?? widthOf(action.field))) - 1n) << ofs;
        const old = frame.get(action.field) ?? 0n;
        frame.set(action.field, (old & ~mask) | ((BigInt(action.value) << ofs) & mask));
        return;
      }
      case 'move': {
        const src = ((frame.get(action.src) ?? 0n) >> BigInt(action.srcOfs)) & ((1n << BigInt(action.nBits)) - 1n);
        const mask = ((1n << BigInt(action.nBits)) - 1n) << BigInt(action.dstOfs);
        frame.set(action.dst, ((frame.get(action.dst) ?? 0n) & ~mask) | (src << BigInt(action.dstOfs)));
        return;
      }
      case 'resubmit': {
        const name = tableName(action.table);
        if (name) run(name);
        return;
      }
      case 'ct': {
        const zone = action.zone ?? 0;
        if (action.commit) conntrack.commit(zone, frame);
        if (action.table === undefined) return;
        // The tracked copy goes back into the pipeline; the original continues untracked.
        const saved = new Map(frame);
        frame.set('ct_state', BigInt(conntrack.state(zone, frame)));
        frame.set('ct_zone', BigInt(zone));
        const name = tableName(action.table);
        if (name) run(name);
        frame.clear();
        for (const [k, v] of saved) frame.set(k, v);
        return;
      }
      // Conjunctions are resolved in lookup; the pipeline uses none of the rest.
      case 'conjunction':
      case 'note':
      case 'controller':
      case 'ct_clear':
      case 'dec_ttl':
      case 'group':
      case 'pop_vlan':
      case 'push_vlan':
      case 'reg_load':
        return;
    }
  };

  run([...TABLES.values()][0]?.name as TableName);
  return result;
}

/** The ports a frame reaches (sorted). */
export function reaches(flows: readonly FlowSpec[], input: Frame, options: SimulationOptions = {}): number[] {
  return simulate(flows, input, options)
    .deliveries.map((d) => d.port)
    .sort((a, b) => a - b);
}

/** Pipeline state that does not travel with a packet: registers and the tunnel metadata. */
const LOCAL_STATE = /^(reg\d+|in_port|tun_.*|conj_id|ct_.*)$/;

/**
 * The frame a peer's bridge sees when a tunnelled delivery arrives on its tunnel port
 * `inPort`: the inner packet, with tun_src the sender's tunnel address, tun_dst the
 * receiver's, and the key as tun_id.
 */
export function receivedFrame(delivery: Delivery, at: { inPort: number; senderIp: string }): Frame {
  if (!delivery.tunnel) throw new Error(`the delivery to port ${delivery.port} did not go through a tunnel`);
  const frame: Frame = {};
  for (const [field, value] of delivery.frame) if (!LOCAL_STATE.test(field)) frame[field] = value;
  const v6 = delivery.tunnel.dst.includes(':');
  frame['in_port'] = at.inPort;
  frame[v6 ? 'tun_ipv6_src' : 'tun_src'] = at.senderIp;
  frame[v6 ? 'tun_ipv6_dst' : 'tun_dst'] = delivery.tunnel.dst;
  frame['tun_id'] = delivery.tunnel.id;
  return frame;
}
