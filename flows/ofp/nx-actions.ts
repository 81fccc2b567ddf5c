// Nicira extension actions (vendor 0x00002320) as OVS encodes them: resubmit(,table),
// reg_load, move, conjunction, ct (commit/force/zone/table/alg, nat, exec actions),
// ct_clear, note and controller. Layouts from ovs-actions(7) and nicira-ext.h.
import { Reader, type Writer } from './buffer';
import { ActionType, NX_VENDOR_ID, NxActionSubtype } from './constants';
import { fieldByCode, fieldDef, oxmHeader } from './fields';
import { decodeValue, encodeValue, OfpEncodeError } from './values';
import type { Action, RawAction } from './actions';

/** A bit range of a field, as `reg0[0..15]` reads in ovs-ofctl. */
export interface FieldSlice {
  field: string;
  ofs: number;
  nBits: number;
}

export interface NatSpec {
  /** Absent: `nat` alone, which applies the NAT an existing connection already has. */
  kind?: 'src' | 'dst';
  /** IPv4 or IPv6 address range (max defaults to min). */
  addrMin?: string;
  addrMax?: string;
  portMin?: number;
  portMax?: number;
  persistent?: boolean;
  hash?: boolean;
  random?: boolean;
}

interface LoadFields {
  field: string;
  value: bigint | number;
  ofs?: number;
  nBits?: number;
}

export type NxAction =
  | { type: 'resubmit'; table: number; inPort?: number | 'in_port' }
  | { type: 'move'; src: string; srcOfs: number; dst: string; dstOfs: number; nBits: number }
  | ({ type: 'load' } & LoadFields)
  /** The same action by its older ovs-ofctl name; decodes as 'load'. */
  | ({ type: 'reg_load' } & LoadFields)
  | { type: 'conjunction'; id: number; clause: number; nClauses: number }
  | {
      type: 'ct';
      commit?: boolean;
      force?: boolean;
      zone?: number;
      zoneField?: FieldSlice;
      table?: number;
      alg?: number;
      nat?: NatSpec;
      actions?: Array<Action | RawAction>;
    }
  | { type: 'ct_clear' }
  | { type: 'note'; data: Buffer }
  /** Send to the controller with an explicit reason (packet-in reason) and controller id. */
  | { type: 'controller'; maxLen?: number; reason?: number; controllerId?: number };

const NX_TYPES = new Set<string>([
  'resubmit',
  'move',
  'load',
  'reg_load',
  'conjunction',
  'ct',
  'ct_clear',
  'note',
  'controller',
]);

export function isNxAction(a: Action | RawAction): a is NxAction {
  return NX_TYPES.has(a.type);
}

const CT_RECIRC_NONE = 0xff;
const NX_CT_F_COMMIT = 1;
const NX_CT_F_FORCE = 2;
const NatFlag = { SRC: 1, DST: 2, PERSISTENT: 4, PROTO_HASH: 8, PROTO_RANDOM: 16 } as const;
const NatRange = { IPV4_MIN: 1, IPV4_MAX: 2, IPV6_MIN: 4, IPV6_MAX: 8, PROTO_MIN: 16, PROTO_MAX: 32 } as const;
const IPV4_DEF = { name: 'nat address', oxmClass: 0, field: 0, length: 4, kind: 'ipv4', maskable: false } as const;
const IPV6_DEF = { ...IPV4_DEF, length: 16, kind: 'ipv6' } as const;
const OFPR_ACTION = 1;
const IN_PORT_NONE = 0xfff8;

function nxHeader(w: Writer, subtype: number): number {
  const start = w.length;
  w.u16(ActionType.EXPERIMENTER).u16(0).u32(NX_VENDOR_ID).u16(subtype);
  return start;
}

function finish(w: Writer, start: number): void {
  w.padTo(8, start);
  w.setU16(start + 2, w.length - start);
}

function knownField(name: string): { header: number; bits: number } {
  const def = fieldDef(name);
  if (!def) throw new OfpEncodeError(`unknown field "${name}"`);
  return { header: oxmHeader(def, false), bits: def.length * 8 };
}

function headerField(header: number): string {
  const def = fieldByCode(header >>> 16, (header >>> 9) & 0x7f);
  return def ? def.name : `oxm:${header >>> 16}:${(header >>> 9) & 0x7f}`;
}

function checkSlice(s: FieldSlice, what: string): number {
  const { header, bits } = knownField(s.field);
  if (s.nBits < 1 || s.ofs < 0 || s.ofs + s.nBits > bits)
    throw new OfpEncodeError(`${what} ${s.field}[${s.ofs}..${s.ofs + s.nBits - 1}] exceeds the ${bits}-bit field`);
  return header;
}

function encodeNat(w: Writer, nat: NatSpec): void {
  const start = nxHeader(w, NxActionSubtype.NAT);
  let flags = nat.kind === 'src' ? NatFlag.SRC : nat.kind === 'dst' ? NatFlag.DST : 0;
  if (nat.persistent) flags |= NatFlag.PERSISTENT;
  if (nat.hash) flags |= NatFlag.PROTO_HASH;
  if (nat.random) flags |= NatFlag.PROTO_RANDOM;
  const v6 = nat.addrMin?.includes(':') ?? false;
  let present = 0;
  if (nat.addrMin !== undefined) present |= v6 ? NatRange.IPV6_MIN : NatRange.IPV4_MIN;
  if (nat.addrMax !== undefined) present |= v6 ? NatRange.IPV6_MAX : NatRange.IPV4_MAX;
  if (nat.portMin !== undefined) present |= NatRange.PROTO_MIN;
  if (nat.portMax !== undefined) present |= NatRange.PROTO_MAX;
  if (present !== 0 && nat.kind === undefined) throw new OfpEncodeError('nat with a range needs kind src or dst');
  w.zeros(2).u16(flags).u16(present);
  const def = v6 ? IPV6_DEF : IPV4_DEF;
  if (nat.addrMin !== undefined) w.bytes(encodeValue(def, nat.addrMin));
  if (nat.addrMax !== undefined) w.bytes(encodeValue(def, nat.addrMax));
  if (nat.portMin !== undefined) w.u16(nat.portMin);
  if (nat.portMax !== undefined) w.u16(nat.portMax);
  finish(w, start);
}

function decodeNat(body: Reader): NatSpec {
  body.skip(2);
  const flags = body.u16('nat flags');
  const present = body.u16('nat range_present');
  const nat: NatSpec = {};
  if (flags & NatFlag.SRC) nat.kind = 'src';
  else if (flags & NatFlag.DST) nat.kind = 'dst';
  if (flags & NatFlag.PERSISTENT) nat.persistent = true;
  if (flags & NatFlag.PROTO_HASH) nat.hash = true;
  if (flags & NatFlag.PROTO_RANDOM) nat.random = true;
  if (present & NatRange.IPV4_MIN) nat.addrMin = String(decodeValue(IPV4_DEF, body.bytes(4, 'nat ipv4 min')));
  if (present & NatRange.IPV4_MAX) nat.addrMax = String(decodeValue(IPV4_DEF, body.bytes(4, 'nat ipv4 max')));
  if (present & NatRange.IPV6_MIN) nat.addrMin = String(decodeValue(IPV6_DEF, body.bytes(16, 'nat ipv6 min')));
  if (present & NatRange.IPV6_MAX) nat.addrMax = String(decodeValue(IPV6_DEF, body.bytes(16, 'nat ipv6 max')));
  if (present & NatRange.PROTO_MIN) nat.portMin = body.u16('nat proto min');
  if (present & NatRange.PROTO_MAX) nat.portMax = body.u16('nat proto max');
  return nat;
}

export function encodeNxAction(
  w: Writer,
  a: NxAction,
  encodeNested: (w: Writer, actions: ReadonlyArray<Action | RawAction>) => void,
): void {
  switch (a.type) {
    case 'resubmit': {
      const start = nxHeader(w, NxActionSubtype.RESUBMIT_TABLE);
      w.u16(a.inPort === undefined || a.inPort === 'in_port' ? IN_PORT_NONE : a.inPort)
        .u8(a.table)
        .zeros(3);
      return finish(w, start);
    }
    case 'move': {
      const src = checkSlice({ field: a.src, ofs: a.srcOfs, nBits: a.nBits }, 'move source');
      const dst = checkSlice({ field: a.dst, ofs: a.dstOfs, nBits: a.nBits }, 'move destination');
      const start = nxHeader(w, NxActionSubtype.REG_MOVE);
      w.u16(a.nBits).u16(a.srcOfs).u16(a.dstOfs).u32(src).u32(dst);
      return finish(w, start);
    }
    case 'load':
    case 'reg_load': {
      const { bits: fieldBits } = knownField(a.field);
      const nBits = a.nBits ?? fieldBits;
      const ofs = a.ofs ?? 0;
      if (nBits > 64) throw new OfpEncodeError(`load into ${a.field}: ${nBits} bits is more than reg_load's 64`);
      const header = checkSlice({ field: a.field, ofs, nBits }, 'load into');
      const value = BigInt(a.value);
      if (value < 0n || value >= 1n << BigInt(nBits))
        throw new OfpEncodeError(`load value ${value} does not fit in ${nBits} bits`);
      const start = nxHeader(w, NxActionSubtype.REG_LOAD);
      w.u16((ofs << 6) | (nBits - 1))
        .u32(header)
        .u64(value);
      return finish(w, start);
    }
    case 'conjunction': {
      if (a.nClauses < 2 || a.nClauses > 64 || a.clause < 1 || a.clause > a.nClauses) {
        throw new OfpEncodeError(
          `conjunction(${a.id},${a.clause}/${a.nClauses}) needs 2..64 clauses and 1 <= clause <= n`,
        );
      }
      const start = nxHeader(w, NxActionSubtype.CONJUNCTION);
      w.u8(a.clause - 1)
        .u8(a.nClauses)
        .u32(a.id);
      return finish(w, start);
    }
    case 'ct': {
      if (a.zone !== undefined && a.zoneField !== undefined)
        throw new OfpEncodeError('ct takes zone or zoneField, not both');
      const zoneSrc = a.zoneField ? checkSlice(a.zoneField, 'ct zone') : 0;
      const zoneValue = a.zoneField ? (a.zoneField.ofs << 6) | (a.zoneField.nBits - 1) : (a.zone ?? 0);
      const flags = (a.commit ? NX_CT_F_COMMIT : 0) | (a.force ? NX_CT_F_FORCE : 0);
      const start = nxHeader(w, NxActionSubtype.CT);
      w.u16(flags)
        .u32(zoneSrc)
        .u16(zoneValue)
        .u8(a.table ?? CT_RECIRC_NONE)
        .zeros(3)
        .u16(a.alg ?? 0);
      if (a.nat) encodeNat(w, a.nat);
      encodeNested(w, a.actions ?? []);
      return finish(w, start);
    }
    case 'ct_clear': {
      const start = nxHeader(w, NxActionSubtype.CT_CLEAR);
      return finish(w, start);
    }
    case 'note': {
      const start = nxHeader(w, NxActionSubtype.NOTE);
      w.bytes(a.data);
      // The note body is at least 6 bytes so the action is at least 16 bytes long.
      if (w.length - start < 16) w.zeros(16 - (w.length - start));
      return finish(w, start);
    }
    case 'controller': {
      const start = nxHeader(w, NxActionSubtype.CONTROLLER);
      w.u16(a.maxLen ?? 0xffff)
        .u16(a.controllerId ?? 0)
        .u8(a.reason ?? OFPR_ACTION)
        .u8(0);
      return finish(w, start);
    }
  }
}

export function decodeNxAction(
  body: Reader,
  whole: Buffer,
  decodeNested: (r: Reader) => Array<Action | RawAction>,
): Action | RawAction {
  const vendor = body.u32('experimenter id');
  if (vendor !== NX_VENDOR_ID) return { type: 'raw', actionType: ActionType.EXPERIMENTER, data: whole };
  const subtype = body.u16('NX subtype');
  switch (subtype) {
    case NxActionSubtype.RESUBMIT_TABLE: {
      const inPort = body.u16('resubmit in_port');
      const table = body.u8('resubmit table');
      return inPort === IN_PORT_NONE ? { type: 'resubmit', table } : { type: 'resubmit', table, inPort };
    }
    case NxActionSubtype.REG_MOVE: {
      const nBits = body.u16('move n_bits');
      const srcOfs = body.u16('move src_ofs');
      const dstOfs = body.u16('move dst_ofs');
      return {
        type: 'move',
        nBits,
        srcOfs,
        dstOfs,
        src: headerField(body.u32('move src')),
        dst: headerField(body.u32('move dst')),
      };
    }
    case NxActionSubtype.REG_LOAD: {
      const ofsNbits = body.u16('load ofs_nbits');
      const field = headerField(body.u32('load dst'));
      return { type: 'load', field, value: body.u64('load value'), ofs: ofsNbits >> 6, nBits: (ofsNbits & 0x3f) + 1 };
    }
    case NxActionSubtype.CONJUNCTION: {
      const clause = body.u8('conjunction clause') + 1;
      const nClauses = body.u8('conjunction n_clauses');
      return { type: 'conjunction', clause, nClauses, id: body.u32('conjunction id') };
    }
    case NxActionSubtype.NOTE:
      return { type: 'note', data: Buffer.from(body.bytes(body.remaining)) };
    case NxActionSubtype.CT_CLEAR:
      return { type: 'ct_clear' };
    case NxActionSubtype.CONTROLLER: {
      const maxLen = body.u16('controller max_len');
      const controllerId = body.u16('controller id');
      const reason = body.u8('controller reason');
      return { type: 'controller', maxLen, reason, controllerId };
    }
    case NxActionSubtype.CT:
      return decodeCt(body, decodeNested);
    default:
      return { type: 'raw', actionType: ActionType.EXPERIMENTER, subtype, data: whole };
  }
}

function decodeCt(body: Reader, decodeNested: (r: Reader) => Array<Action | RawAction>): NxAction {
  const flags = body.u16('ct flags');
  const zoneSrc = body.u32('ct zone_src');
  const zoneValue = body.u16('ct zone');
  const table = body.u8('ct recirc_table');
  body.skip(3);
  const alg = body.u16('ct alg');
  const ct: Extract<NxAction, { type: 'ct' }> = { type: 'ct' };
  if (flags & NX_CT_F_COMMIT) ct.commit = true;
  if (flags & NX_CT_F_FORCE) ct.force = true;
  if (zoneSrc !== 0) ct.zoneField = { field: headerField(zoneSrc), ofs: zoneValue >> 6, nBits: (zoneValue & 0x3f) + 1 };
  else if (zoneValue !== 0) ct.zone = zoneValue;
  if (table !== CT_RECIRC_NONE) ct.table = table;
  if (alg !== 0) ct.alg = alg;
  const inner: Array<Action | RawAction> = [];
  for (const a of decodeNested(body)) {
    if (a.type === 'raw' && a.subtype === NxActionSubtype.NAT) {
      // Re-read the NAT TLV past its 10-byte NX header.
      ct.nat = decodeNat(new Reader(a.data, 10, a.data.length));
    } else {
      inner.push(a);
    }
  }
  if (inner.length > 0) ct.actions = inner;
  return ct;
}
