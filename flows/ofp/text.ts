// A readable ovs-ofctl-style text form of flows, used in logs, dumps and tests. It is the
// syntax `ovs-ofctl -O OpenFlow13 add-flow` accepts, so a flow can be pasted into ovs-ofctl
// and OVS itself can check that text and bytes say the same thing.
import type { Action, FieldSlice, NatSpec, RawAction } from './actions';
import { canonicalFieldName as fieldName } from './fields';
import { canonicalOrder, type Instruction } from './instructions';
import type { MatchField, RawOxm } from './match';
import type { FlowMod, FlowStats } from './types';
import type { FieldValue } from './values';

/** Table numbers to names: a function, a map, or an array indexed by table number. */
export type TableNames =
  ((table: number) => string | undefined) | ReadonlyMap<number, string> | ReadonlyArray<string | undefined>;

export interface TextOptions {
  /** Table names for human dumps (the result is then not ovs-ofctl input). */
  tableNames?: TableNames;
}

function num(value: FieldValue): string {
  if (typeof value === 'bigint') return `0x${value.toString(16)}`;
  if (typeof value === 'number') return value > 9 ? `0x${value.toString(16)}` : String(value);
  return value;
}

function matchText(m: MatchField | RawOxm): string {
  if (Buffer.isBuffer(m.value))
    return `${m.field}=0x${m.value.toString('hex')}${m.mask && Buffer.isBuffer(m.mask) ? `/0x${m.mask.toString('hex')}` : ''}`;
  const field = m as MatchField;
  const value = field.field === 'in_port' ? String(field.value) : num(field.value);
  return `${fieldName(field.field)}=${value}${field.mask !== undefined ? `/${num(field.mask)}` : ''}`;
}

const PORT_TEXT: Record<string, string> = {
  in_port: 'in_port',
  table: 'table',
  normal: 'NORMAL',
  flood: 'FLOOD',
  all: 'ALL',
  local: 'LOCAL',
  any: 'ANY',
};

function table(n: number, options: TextOptions): string {
  const names = options.tableNames;
  if (names === undefined) return String(n);
  if (typeof names === 'function') return names(n) ?? String(n);
  if (isNameList(names)) return names[n] ?? String(n);
  return names.get(n) ?? String(n);
}

function isNameList(
  names: ReadonlyMap<number, string> | ReadonlyArray<string | undefined>,
): names is ReadonlyArray<string | undefined> {
  return Array.isArray(names);
}

const PACKET_IN_REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out'];
const CT_ALGS: Record<number, string> = { 21: 'ftp', 69: 'tftp' };

function slice(s: FieldSlice): string {
  return `${fieldName(s.field)}[${s.ofs}..${s.ofs + s.nBits - 1}]`;
}

function natText(nat: NatSpec): string {
  if (nat.kind === undefined) return 'nat';
  const v6 = nat.addrMin?.includes(':') ?? false;
  const addr = (a: string): string => (v6 ? `[${a}]` : a);
  let range = '';
  if (nat.addrMin !== undefined)
    range += `=${addr(nat.addrMin)}${nat.addrMax !== undefined && nat.addrMax !== nat.addrMin ? `-${addr(nat.addrMax)}` : ''}`;
  if (nat.portMin !== undefined)
    range += `:${nat.portMin}${nat.portMax !== undefined && nat.portMax !== nat.portMin ? `-${nat.portMax}` : ''}`;
  const flags = [nat.persistent ? 'persistent' : '', nat.hash ? 'hash' : '', nat.random ? 'random' : ''].filter(
    Boolean,
  );
  return `nat(${[`${nat.kind}${range}`, ...flags].join(',')})`;
}

export function actionText(a: Action | RawAction, options: TextOptions = {}): string {
  switch (a.type) {
    case 'output':
      if (a.port === 'controller') return `CONTROLLER:${a.maxLen ?? 65535}`;
      return typeof a.port === 'number' ? `output:${a.port}` : (PORT_TEXT[a.port] as string);
    case 'group':
      return `group:${a.groupId}`;
    case 'set_field':
      return `set_field:${num(a.value)}->${fieldName(a.field)}`;
    case 'push_vlan':
      return `push_vlan:0x${(a.ethertype ?? 0x8100).toString(16)}`;
    case 'pop_vlan':
      return 'pop_vlan';
    case 'dec_ttl':
      return 'dec_ttl';
    case 'resubmit':
      return `resubmit(${a.inPort === undefined || a.inPort === 'in_port' ? '' : a.inPort},${table(a.table, options)})`;
    case 'move':
      return `move:${slice({ field: a.src, ofs: a.srcOfs, nBits: a.nBits })}->${slice({ field: a.dst, ofs: a.dstOfs, nBits: a.nBits })}`;
    case 'load':
    case 'reg_load': {
      const ofs = a.ofs ?? 0;
      const range = a.nBits === undefined ? '[]' : `[${ofs}..${ofs + a.nBits - 1}]`;
      return `load:0x${BigInt(a.value).toString(16)}->${fieldName(a.field)}${range}`;
    }
    case 'conjunction':
      return `conjunction(${a.id},${a.clause}/${a.nClauses})`;
    case 'ct': {
      const parts: string[] = [];
      if (a.commit) parts.push('commit');
      if (a.force) parts.push('force');
      if (a.zone !== undefined) parts.push(`zone=${a.zone}`);
      if (a.zoneField !== undefined) parts.push(`zone=${slice(a.zoneField)}`);
      if (a.table !== undefined) parts.push(`table=${table(a.table, options)}`);
      if (a.alg !== undefined) parts.push(`alg=${CT_ALGS[a.alg] ?? a.alg}`);
      if (a.nat) parts.push(natText(a.nat));
      if (a.actions?.length) parts.push(`exec(${a.actions.map((x) => actionText(x, options)).join(',')})`);
      return `ct(${parts.join(',')})`;
    }
    case 'ct_clear':
      return 'ct_clear';
    case 'controller': {
      const reason = a.reason ?? 1;
      const id = a.controllerId ?? 0;
      const maxLen = a.maxLen ?? 65535;
      if (reason === 1 && id === 0) return `CONTROLLER:${maxLen}`;
      const parts = [
        reason !== 1 ? `reason=${PACKET_IN_REASONS[reason] ?? reason}` : '',
        maxLen !== 65535 ? `max_len=${maxLen}` : '',
        id !== 0 ? `id=${id}` : '',
      ];
      return `controller(${parts.filter(Boolean).join(',')})`;
    }
    case 'note':
      return `note:${[...a.data].map((b) => b.toString(16).padStart(2, '0')).join('.')}`;
    case 'raw':
      return `raw(0x${a.data.toString('hex')})`;
  }
}

export function instructionsText(instructions: readonly Instruction[], options: TextOptions = {}): string {
  const parts: string[] = [];
  for (const ins of canonicalOrder(instructions)) {
    switch (ins.type) {
      case 'apply_actions':
        parts.push(...ins.actions.map((a) => actionText(a, options)));
        break;
      case 'write_actions':
        parts.push(`write_actions(${ins.actions.map((a) => actionText(a, options)).join(',')})`);
        break;
      case 'clear_actions':
        parts.push('clear_actions');
        break;
      case 'write_metadata':
        parts.push(`write_metadata:0x${ins.metadata.toString(16)}/0x${ins.mask.toString(16)}`);
        break;
      case 'goto_table':
        parts.push(`goto_table:${table(ins.table, options)}`);
        break;
    }
  }
  return parts.length === 0 ? 'drop' : parts.join(',');
}

/**
 * The ovs-ofctl-style text of a flow: `table=T,priority=P[,cookie=C],<match> actions=<actions>`.
 * Without `tableNames` the text is valid `ovs-ofctl -O OpenFlow13 add-flow` input.
 */
export function flowText(
  flow: Pick<FlowMod | FlowStats, 'tableId' | 'priority' | 'cookie' | 'match' | 'instructions'>,
  options: TextOptions = {},
): string {
  const head = [`table=${table(flow.tableId, options)}`, `priority=${flow.priority}`];
  if (flow.cookie !== undefined && flow.cookie !== 0n) head.push(`cookie=0x${flow.cookie.toString(16)}`);
  const match = flow.match.map(matchText);
  return `${[...head, ...match].join(',')} actions=${instructionsText(flow.instructions, options)}`;
}

/** Match text with fields in a fixed order: switches reorder fields, identity must not. */
export function canonicalMatchText(match: ReadonlyArray<MatchField | RawOxm>): string {
  return match.map(matchText).sort().join(',');
}

/** A flow's text with its match in canonical order, for comparing desired and installed flows. */
export function canonicalFlowText(
  flow: Pick<FlowMod | FlowStats, 'tableId' | 'priority' | 'cookie' | 'match' | 'instructions'>,
): string {
  const cookie = flow.cookie !== undefined && flow.cookie !== 0n ? `,cookie=0x${flow.cookie.toString(16)}` : '';
  return `table=${flow.tableId},priority=${flow.priority}${cookie},${canonicalMatchText(flow.match)} actions=${instructionsText(flow.instructions)}`;
}
