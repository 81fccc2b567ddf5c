// OpenFlow 1.3 actions and the Nicira extension actions ovsnet uses (ovs-actions(7)).
import { OfpDecodeError, Reader, Writer } from './buffer';
import { ActionType, NX_VENDOR_ID, NxActionSubtype, Port } from './constants';
import { fieldByCode, fieldDef, oxmHeader } from './fields';
import { decodeOxm, encodeOxm } from './match';
import { OfpEncodeError, type FieldValue } from './values';

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

export interface NatSpec {
  kind: 'src' | 'dst';
}

export type Action =
  | { type: 'output'; port: number | PortName; maxLen?: number }
  | { type: 'group'; groupId: number }
  | { type: 'set_field'; field: string; value: FieldValue }
  | { type: 'push_vlan'; ethertype?: number }
  | { type: 'pop_vlan' }
  | { type: 'dec_ttl' }
  | { type: 'resubmit'; table: number; inPort?: number | 'in_port' }
  | { type: 'move'; src: string; srcOfs: number; dst: string; dstOfs: number; nBits: number }
  | { type: 'load'; field: string; value: bigint | number; ofs?: number; nBits?: number }
  | { type: 'conjunction'; id: number; clause: number; nClauses: number }
  | { type: 'ct'; commit?: boolean; zone?: number; table?: number; nat?: NatSpec; actions?: Action[] }
  | { type: 'note'; data: Buffer };

const CT_RECIRC_NONE = 0xff;
const NX_CT_F_COMMIT = 1;
const NX_NAT_F_SRC = 1;
const NX_NAT_F_DST = 2;

function portNumber(port: number | PortName): number {
  return typeof port === 'number' ? port : PORT_NUMBERS[port];
}

function nxHeader(w: Writer, subtype: number): number {
  const start = w.length;
  w.u16(ActionType.EXPERIMENTER).u16(0).u32(NX_VENDOR_ID).u16(subtype);
  return start;
}

function finishAction(w: Writer, start: number): void {
  w.padTo(8, start);
  w.setU16(start + 2, w.length - start);
}

function fieldHeader(name: string): number {
  const def = fieldDef(name);
  if (!def) throw new OfpEncodeError(`unknown field "${name}"`);
  return oxmHeader(def, false);
}

function fieldBits(name: string): number {
  const def = fieldDef(name);
  if (!def) throw new OfpEncodeError(`unknown field "${name}"`);
  return def.length * 8;
}

export function encodeAction(w: Writer, a: Action): void {
  const start = w.length;
  switch (a.type) {
    case 'output':
      w.u16(ActionType.OUTPUT).u16(16).u32(portNumber(a.port)).u16(a.maxLen ?? 0xffff).zeros(6);
      return;
    case 'group':
      w.u16(ActionType.GROUP).u16(8).u32(a.groupId);
      return;
    case 'set_field':
      w.u16(ActionType.SET_FIELD).u16(0);
      encodeOxm(w, { field: a.field, value: a.value });
      finishAction(w, start);
      return;
    case 'push_vlan':
      w.u16(ActionType.PUSH_VLAN).u16(8).u16(a.ethertype ?? 0x8100).zeros(2);
      return;
    case 'pop_vlan':
      w.u16(ActionType.POP_VLAN).u16(8).zeros(4);
      return;
    case 'dec_ttl':
      w.u16(ActionType.DEC_NW_TTL).u16(8).zeros(4);
      return;
    case 'resubmit':
      nxHeader(w, NxActionSubtype.RESUBMIT_TABLE);
      w.u16(a.inPort === undefined || a.inPort === 'in_port' ? 0xfff8 : a.inPort).u8(a.table).zeros(3);
      finishAction(w, start);
      return;
    case 'move':
      if (a.nBits < 1 || a.srcOfs + a.nBits > fieldBits(a.src) || a.dstOfs + a.nBits > fieldBits(a.dst)) {
        throw new OfpEncodeError(`move of ${a.nBits} bits from ${a.src}[${a.srcOfs}] to ${a.dst}[${a.dstOfs}] exceeds a field`);
      }
      nxHeader(w, NxActionSubtype.REG_MOVE);
      w.u16(a.nBits).u16(a.srcOfs).u16(a.dstOfs).u32(fieldHeader(a.src)).u32(fieldHeader(a.dst));
      finishAction(w, start);
      return;
    case 'load': {
      const bits = a.nBits ?? fieldBits(a.field);
      const ofs = a.ofs ?? 0;
      if (bits < 1 || bits > 64 || ofs + bits > fieldBits(a.field)) throw new OfpEncodeError(`load into ${a.field}[${ofs}..${ofs + bits - 1}] exceeds the field`);
      const value = BigInt(a.value);
      if (value < 0n || value >= 1n << BigInt(bits)) throw new OfpEncodeError(`load value ${value} does not fit in ${bits} bits`);
      nxHeader(w, NxActionSubtype.REG_LOAD);
      w.u16((ofs << 6) | (bits - 1)).u32(fieldHeader(a.field)).u64(value);
      finishAction(w, start);
      return;
    }
    case 'conjunction':
      if (a.nClauses < 2 || a.nClauses > 64 || a.clause < 1 || a.clause > a.nClauses) {
        throw new OfpEncodeError(`conjunction(${a.id},${a.clause}/${a.nClauses}) needs 2..64 clauses and 1 <= clause <= n`);
      }
      nxHeader(w, NxActionSubtype.CONJUNCTION);
      w.u8(a.clause - 1).u8(a.nClauses).u32(a.id);
      finishAction(w, start);
      return;
    case 'ct': {
      nxHeader(w, NxActionSubtype.CT);
      w.u16(a.commit ? NX_CT_F_COMMIT : 0).u32(0).u16(a.zone ?? 0).u8(a.table ?? CT_RECIRC_NONE).zeros(3).u16(0);
      if (a.nat) {
        const natStart = nxHeader(w, NxActionSubtype.NAT);
        w.zeros(2).u16(a.nat.kind === 'src' ? NX_NAT_F_SRC : NX_NAT_F_DST).u16(0);
        finishAction(w, natStart);
      }
      for (const inner of a.actions ?? []) encodeAction(w, inner);
      finishAction(w, start);
      return;
    }
    case 'note':
      nxHeader(w, NxActionSubtype.NOTE);
      w.bytes(a.data);
      if (w.length - start < 16) w.zeros(16 - (w.length - start));
      finishAction(w, start);
      return;
  }
}

export function encodeActions(w: Writer, actions: readonly Action[]): void {
  for (const a of actions) encodeAction(w, a);
}

function portFromNumber(n: number): number | PortName {
  for (const [name, value] of Object.entries(PORT_NUMBERS)) if (value === n) return name as PortName;
  return n;
}

function headerField(header: number): string {
  const def = fieldByCode(header >>> 16, (header >>> 9) & 0x7f);
  return def ? def.name : `oxm:${header >>> 16}:${(header >>> 9) & 0x7f}`;
}

/** An action this codec does not model, kept raw. */
export interface RawAction {
  type: 'raw';
  actionType: number;
  subtype?: number;
  data: Buffer;
}

export function decodeAction(r: Reader): Action | RawAction {
  const start = r.offset;
  const type = r.u16('action type');
  const len = r.u16('action length');
  if (len < 8 || len % 8 !== 0) throw new OfpDecodeError(`action ${type} has invalid length ${len}`);
  const body = new Reader(r.buf, r.offset, start + len);
  r.skip(len - 4, 'action body');
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
      if (Buffer.isBuffer(m.value)) return { type: 'raw', actionType: type, data: r.buf.subarray(start, start + len) };
      return { type: 'set_field', field: m.field, value: m.value };
    }
    case ActionType.PUSH_VLAN:
      return { type: 'push_vlan', ethertype: body.u16('ethertype') };
    case ActionType.POP_VLAN:
      return { type: 'pop_vlan' };
    case ActionType.DEC_NW_TTL:
      return { type: 'dec_ttl' };
    case ActionType.EXPERIMENTER:
      return decodeNx(body, r.buf.subarray(start, start + len));
    default:
      return { type: 'raw', actionType: type, data: r.buf.subarray(start, start + len) };
  }
}

function decodeNx(body: Reader, whole: Buffer): Action | RawAction {
  const vendor = body.u32('experimenter id');
  if (vendor !== NX_VENDOR_ID) return { type: 'raw', actionType: ActionType.EXPERIMENTER, data: whole };
  const subtype = body.u16('NX subtype');
  switch (subtype) {
    case NxActionSubtype.RESUBMIT_TABLE: {
      const inPort = body.u16('resubmit in_port');
      const table = body.u8('resubmit table');
      return inPort === 0xfff8 ? { type: 'resubmit', table } : { type: 'resubmit', table, inPort };
    }
    case NxActionSubtype.REG_MOVE: {
      const nBits = body.u16();
      const srcOfs = body.u16();
      const dstOfs = body.u16();
      return { type: 'move', nBits, srcOfs, dstOfs, src: headerField(body.u32()), dst: headerField(body.u32()) };
    }
    case NxActionSubtype.REG_LOAD: {
      const ofsNbits = body.u16();
      const field = headerField(body.u32());
      return { type: 'load', field, value: body.u64(), ofs: ofsNbits >> 6, nBits: (ofsNbits & 0x3f) + 1 };
    }
    case NxActionSubtype.CONJUNCTION: {
      const clause = body.u8() + 1;
      const nClauses = body.u8();
      return { type: 'conjunction', clause, nClauses, id: body.u32() };
    }
    case NxActionSubtype.NOTE:
      return { type: 'note', data: Buffer.from(body.bytes(body.remaining)) };
    case NxActionSubtype.CT: {
      const flags = body.u16();
      body.u32('zone_src');
      const zone = body.u16();
      const table = body.u8();
      body.skip(3);
      body.u16('alg');
      const inner: Action[] = [];
      let nat: NatSpec | undefined;
      while (body.remaining >= 8) {
        const a = decodeAction(body);
        if (a.type === 'raw' && a.subtype === NxActionSubtype.NAT) {
          // NXAST_NAT: header (10 bytes), pad (2), flags (2), range_present (2), ranges.
          nat = { kind: (a.data.readUInt16BE(12) & NX_NAT_F_DST) !== 0 ? 'dst' : 'src' };
          continue;
        }
        if (a.type !== 'raw') inner.push(a);
      }
      return {
        type: 'ct',
        ...((flags & NX_CT_F_COMMIT) !== 0 ? { commit: true } : {}),
        ...(zone !== 0 ? { zone } : {}),
        ...(table !== CT_RECIRC_NONE ? { table } : {}),
        ...(nat ? { nat } : {}),
        ...(inner.length > 0 ? { actions: inner } : {}),
      };
    }
    default:
      return { type: 'raw', actionType: ActionType.EXPERIMENTER, subtype, data: whole };
  }
}

export function decodeActions(r: Reader): Array<Action | RawAction> {
  const out: Array<Action | RawAction> = [];
  while (r.remaining > 0) out.push(decodeAction(r));
  return out;
}
