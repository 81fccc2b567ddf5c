// A readable ovs-ofctl-style text form of flows, used in logs, dumps and tests. It is the
// syntax `ovs-ofctl -O OpenFlow13 add-flow` accepts, so a flow can be pasted into ovs-ofctl
// and OVS itself can check that text and bytes say the same thing.
import type { Action, RawAction } from './actions';
import { canonicalOrder, type Instruction } from './instructions';
import type { MatchField, RawOxm } from './match';
import type { FlowMod, FlowStats } from './types';
import type { FieldValue } from './values';

export interface TextOptions {
  /** Table numbers to names, for human dumps (the result is then not ovs-ofctl input). */
  tableNames?: (table: number) => string | undefined;
}

function num(value: FieldValue): string {
  if (typeof value === 'bigint') return `0x${value.toString(16)}`;
  if (typeof value === 'number') return value > 9 ? `0x${value.toString(16)}` : String(value);
  return value;
}

function matchText(m: MatchField | RawOxm): string {
  if (Buffer.isBuffer(m.value)) return `${m.field}=0x${m.value.toString('hex')}${m.mask && Buffer.isBuffer(m.mask) ? `/0x${m.mask.toString('hex')}` : ''}`;
  const field = m as MatchField;
  const value = field.field === 'in_port' ? String(field.value) : num(field.value);
  return `${field.field}=${value}${field.mask !== undefined ? `/${num(field.mask)}` : ''}`;
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
  return options.tableNames?.(n) ?? String(n);
}

export function actionText(a: Action | RawAction, options: TextOptions = {}): string {
  switch (a.type) {
    case 'output':
      if (a.port === 'controller') return `CONTROLLER:${a.maxLen ?? 65535}`;
      return typeof a.port === 'number' ? `output:${a.port}` : (PORT_TEXT[a.port] as string);
    case 'group':
      return `group:${a.groupId}`;
    case 'set_field':
      return `set_field:${num(a.value)}->${a.field}`;
    case 'push_vlan':
      return `push_vlan:0x${(a.ethertype ?? 0x8100).toString(16)}`;
    case 'pop_vlan':
      return 'pop_vlan';
    case 'dec_ttl':
      return 'dec_ttl';
    case 'resubmit':
      return `resubmit(${a.inPort === undefined || a.inPort === 'in_port' ? '' : a.inPort},${table(a.table, options)})`;
    case 'move':
      return `move:${a.src}[${a.srcOfs}..${a.srcOfs + a.nBits - 1}]->${a.dst}[${a.dstOfs}..${a.dstOfs + a.nBits - 1}]`;
    case 'load': {
      const ofs = a.ofs ?? 0;
      const range = a.nBits === undefined ? '[]' : `[${ofs}..${ofs + a.nBits - 1}]`;
      return `load:0x${BigInt(a.value).toString(16)}->${a.field}${range}`;
    }
    case 'conjunction':
      return `conjunction(${a.id},${a.clause}/${a.nClauses})`;
    case 'ct': {
      const parts: string[] = [];
      if (a.commit) parts.push('commit');
      if (a.zone !== undefined) parts.push(`zone=${a.zone}`);
      if (a.table !== undefined) parts.push(`table=${table(a.table, options)}`);
      if (a.nat) parts.push(`nat(${a.nat.kind})`);
      if (a.actions?.length) parts.push(`exec(${a.actions.map((x) => actionText(x, options)).join(',')})`);
      return `ct(${parts.join(',')})`;
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

/** `table=T,priority=P,cookie=C,<match> actions=<actions>` */
export function flowText(flow: Pick<FlowMod | FlowStats, 'tableId' | 'priority' | 'cookie' | 'match' | 'instructions'>, options: TextOptions = {}): string {
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
export function canonicalFlowText(flow: Pick<FlowMod | FlowStats, 'tableId' | 'priority' | 'cookie' | 'match' | 'instructions'>): string {
  const cookie = flow.cookie !== undefined && flow.cookie !== 0n ? `,cookie=0x${flow.cookie.toString(16)}` : '';
  return `table=${flow.tableId},priority=${flow.priority}${cookie},${canonicalMatchText(flow.match)} actions=${instructionsText(flow.instructions)}`;
}
