// OpenFlow 1.3 actions and the Nicira extension actions ovsnet uses (ovs-actions(7)), as a
// discriminated union keyed by `type`. An empty action list means drop. The Nicira
// encodings live in nx-actions.ts.
import { OfpDecodeError, Reader, type Writer } from './buffer';
import { ActionType, Port } from './constants';
import { decodeOxm, encodeOxm } from './match';
import { decodeNxAction, encodeNxAction, isNxAction, type NestedActions, type NxAction } from './nx-actions';
import type { FieldValue } from './values';

export type PortName = 'in_port' | 'table' | 'normal' | 'flood' | 'all' | 'controller' | 'local' | 'any';
export const PORT_NUMBERS: Record<PortName, number> = {
  in_port: Port.IN_PORT,
  table: Port.TABLE,
  normal: Port.NORMAL,
  flood: Port.FLOOD,
  all: Port.ALL,
  controller: Port.CONTROLLER,
  local: Port.LOCAL,
  any: Port.ANY,
};

export type { NatSpec, NxAction, FieldSlice } from './nx-actions';

export type Action =
  | { type: 'output'; port: number | PortName; maxLen?: number }
  | { type: 'group'; groupId: number }
  | { type: 'set_field'; field: string; value: FieldValue }
  | { type: 'push_vlan'; ethertype?: number }
  | { type: 'pop_vlan' }
  | { type: 'dec_ttl' }
  | NxAction;

/** An action this codec does not model, kept raw (whole TLV) so it can be re-sent. */
export interface RawAction {
  type: 'raw';
  actionType: number;
  subtype?: number;
  data: Buffer;
}

function portNumber(port: number | PortName): number {
  return typeof port === 'number' ? port : PORT_NUMBERS[port];
}

function portFromNumber(n: number): number | PortName {
  for (const [name, value] of Object.entries(PORT_NUMBERS)) if (value === n) return name as PortName;
  return n;
}

export function encodeAction(w: Writer, a: Action): void {
  if (isNxAction(a)) {
    encodeNxAction(w, a, NESTED);
    return;
  }
  const start = w.length;
  switch (a.type) {
    case 'output':
      w.u16(ActionType.OUTPUT)
        .u16(16)
        .u32(portNumber(a.port))
        .u16(a.maxLen ?? 0xffff)
        .zeros(6);
      return;
    case 'group':
      w.u16(ActionType.GROUP).u16(8).u32(a.groupId);
      return;
    case 'set_field':
      w.u16(ActionType.SET_FIELD).u16(0);
      encodeOxm(w, { field: a.field, value: a.value });
      w.padTo(8, start);
      w.setU16(start + 2, w.length - start);
      return;
    case 'push_vlan':
      w.u16(ActionType.PUSH_VLAN)
        .u16(8)
        .u16(a.ethertype ?? 0x8100)
        .zeros(2);
      return;
    case 'pop_vlan':
      w.u16(ActionType.POP_VLAN).u16(8).zeros(4);
      return;
    case 'dec_ttl':
      w.u16(ActionType.DEC_NW_TTL).u16(8).zeros(4);
      return;
  }
}

export function encodeActions(w: Writer, actions: ReadonlyArray<Action | RawAction>): void {
  for (const a of actions) {
    if (a.type === 'raw') w.bytes(a.data);
    else encodeAction(w, a);
  }
}

export function decodeAction(r: Reader): Action | RawAction {
  const start = r.offset;
  const type = r.u16('action type');
  const len = r.u16('action length');
  if (len < 8 || len % 8 !== 0) throw new OfpDecodeError(`action ${type} has invalid length ${len}`, 'bad_action');
  const body = new Reader(r.buf, r.offset, start + len);
  r.skip(len - 4, 'action body');
  const whole = Buffer.from(r.buf.subarray(start, start + len));
  switch (type) {
    case ActionType.OUTPUT: {
      const port = body.u32('output port');
      const maxLen = body.u16('output max_len');
      return { type: 'output', port: portFromNumber(port), ...(port === Port.CONTROLLER ? { maxLen } : {}) };
    }
    case ActionType.GROUP:
      return { type: 'group', groupId: body.u32('group id') };
    case ActionType.SET_FIELD: {
      const m = decodeOxm(body);
      if (Buffer.isBuffer(m.value) || m.mask !== undefined) return { type: 'raw', actionType: type, data: whole };
      return { type: 'set_field', field: m.field, value: m.value };
    }
    case ActionType.PUSH_VLAN:
      return { type: 'push_vlan', ethertype: body.u16('ethertype') };
    case ActionType.POP_VLAN:
      return { type: 'pop_vlan' };
    case ActionType.DEC_NW_TTL:
      return { type: 'dec_ttl' };
    case ActionType.EXPERIMENTER:
      return decodeNxAction(body, whole, NESTED);
    default:
      return { type: 'raw', actionType: type, data: whole };
  }
}

export function decodeActions(r: Reader): Array<Action | RawAction> {
  const out: Array<Action | RawAction> = [];
  while (r.remaining > 0) out.push(decodeAction(r));
  return out;
}

/** How a Nicira action (ct) encodes and decodes the actions nested in it. */
const NESTED: NestedActions = { encode: encodeActions, decode: decodeActions };

export { isNxAction };
