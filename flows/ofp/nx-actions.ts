// Nicira extension actions (vendor 0x00002320) as OVS encodes them: resubmit(,table),
// reg_load, move, conjunction, ct (nx-ct.ts), ct_clear, note and controller. Each action
// is one codec, its encoder and decoder side by side under the layout they share
// (ovs-actions(7), nicira-ext.h); the common header is in nx-layout.ts.
import type { Reader, Writer } from './buffer';
import { ActionType, NX_VENDOR_ID, NxActionSubtype } from './constants';
import { OfpEncodeError } from './values';
import type { Action, RawAction } from './actions';
import { ct, type CtAction } from './nx-ct';
import {
  checkSlice,
  finishNx,
  fromOfsNbits,
  headerField,
  knownField,
  ofsNbits,
  startNx,
  type NestedActions,
  type NxCodec,
} from './nx-layout';

export type { NatSpec } from './nx-ct';
export type { FieldSlice, NestedActions } from './nx-layout';

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
  | CtAction
  | { type: 'ct_clear' }
  | { type: 'note'; data: Buffer }
  /** Send to the controller with an explicit reason (packet-in reason) and controller id. */
  | { type: 'controller'; maxLen?: number; reason?: number; controllerId?: number };

type NxOf<T extends NxAction['type']> = Extract<NxAction, { type: T }>;

/** Resubmit without an in_port of its own: the packet keeps its in_port. */
const IN_PORT_NONE = 0xfff8;

/** NXAST_RESUBMIT_TABLE, 16 bytes: header | in_port:u16 table:u8 pad[3] */
const resubmit: NxCodec<NxOf<'resubmit'>> = {
  subtype: NxActionSubtype.RESUBMIT_TABLE,
  encodeBody(w, a) {
    w.u16(a.inPort === undefined || a.inPort === 'in_port' ? IN_PORT_NONE : a.inPort)
      .u8(a.table)
      .zeros(3);
  },
  decodeBody(body) {
    const inPort = body.u16('resubmit in_port');
    const table = body.u8('resubmit table');
    return inPort === IN_PORT_NONE ? { type: 'resubmit', table } : { type: 'resubmit', table, inPort };
  },
};

/** NXAST_REG_MOVE, 24 bytes: header | n_bits:u16 src_ofs:u16 dst_ofs:u16 src:u32 dst:u32 */
const move: NxCodec<NxOf<'move'>> = {
  subtype: NxActionSubtype.REG_MOVE,
  encodeBody(w, a) {
    const src = checkSlice({ field: a.src, ofs: a.srcOfs, nBits: a.nBits }, 'move source');
    const dst = checkSlice({ field: a.dst, ofs: a.dstOfs, nBits: a.nBits }, 'move destination');
    w.u16(a.nBits).u16(a.srcOfs).u16(a.dstOfs).u32(src).u32(dst);
  },
  decodeBody(body) {
    const nBits = body.u16('move n_bits');
    const srcOfs = body.u16('move src_ofs');
    const dstOfs = body.u16('move dst_ofs');
    const src = headerField(body.u32('move src'));
    return { type: 'move', nBits, srcOfs, dstOfs, src, dst: headerField(body.u32('move dst')) };
  },
};

/** NXAST_REG_LOAD, 24 bytes: header | ofs_nbits:u16 dst:u32 value:u64 */
const load: NxCodec<NxOf<'load' | 'reg_load'>> = {
  subtype: NxActionSubtype.REG_LOAD,
  encodeBody(w, a) {
    const { bits: fieldBits } = knownField(a.field);
    const nBits = a.nBits ?? fieldBits;
    const ofs = a.ofs ?? 0;
    if (nBits > 64) throw new OfpEncodeError(`load into ${a.field}: ${nBits} bits is more than reg_load's 64`);
    const header = checkSlice({ field: a.field, ofs, nBits }, 'load into');
    const value = BigInt(a.value);
    if (value < 0n || value >= 1n << BigInt(nBits))
      throw new OfpEncodeError(`load value ${value} does not fit in ${nBits} bits`);
    w.u16(ofsNbits(ofs, nBits)).u32(header).u64(value);
  },
  decodeBody(body) {
    const slice = fromOfsNbits(body.u16('load ofs_nbits'));
    const field = headerField(body.u32('load dst'));
    return { type: 'load', field, value: body.u64('load value'), ...slice };
  },
};

/** NXAST_CONJUNCTION, 16 bytes: header | clause-1:u8 n_clauses:u8 id:u32 */
const conjunction: NxCodec<NxOf<'conjunction'>> = {
  subtype: NxActionSubtype.CONJUNCTION,
  encodeBody(w, a) {
    if (a.nClauses < 2 || a.nClauses > 64 || a.clause < 1 || a.clause > a.nClauses) {
      throw new OfpEncodeError(
        `conjunction(${a.id},${a.clause}/${a.nClauses}) needs 2..64 clauses and 1 <= clause <= n`,
      );
    }
    w.u8(a.clause - 1)
      .u8(a.nClauses)
      .u32(a.id);
  },
  decodeBody(body) {
    const clause = body.u8('conjunction clause') + 1;
    const nClauses = body.u8('conjunction n_clauses');
    return { type: 'conjunction', clause, nClauses, id: body.u32('conjunction id') };
  },
};

/** NXAST_CT_CLEAR, 16 bytes: header | pad[6] */
const ctClear: NxCodec<NxOf<'ct_clear'>> = {
  subtype: NxActionSubtype.CT_CLEAR,
  encodeBody() {
    // Nothing but padding.
  },
  decodeBody: () => ({ type: 'ct_clear' }),
};

/** A note's body is at least 6 bytes, so the action is at least 16 bytes long. */
const MIN_NOTE_BODY = 6;

/** NXAST_NOTE, 16+ bytes: header | note bytes, zero-padded to at least 6 | zeros to 8n */
const note: NxCodec<NxOf<'note'>> = {
  subtype: NxActionSubtype.NOTE,
  encodeBody(w, a) {
    w.bytes(a.data).zeros(Math.max(0, MIN_NOTE_BODY - a.data.length));
  },
  decodeBody: (body) => ({ type: 'note', data: Buffer.from(body.bytes(body.remaining)) }),
};

/** OFPCML_NO_BUFFER: send the whole packet. */
const MAX_LEN_WHOLE_PACKET = 0xffff;
/** OFPR_ACTION: the packet-in reason of an explicit output to the controller. */
const OFPR_ACTION = 1;

/** NXAST_CONTROLLER, 16 bytes: header | max_len:u16 controller_id:u16 reason:u8 pad:u8 */
const controller: NxCodec<NxOf<'controller'>> = {
  subtype: NxActionSubtype.CONTROLLER,
  encodeBody(w, a) {
    w.u16(a.maxLen ?? MAX_LEN_WHOLE_PACKET)
      .u16(a.controllerId ?? 0)
      .u8(a.reason ?? OFPR_ACTION)
      .u8(0);
  },
  decodeBody(body) {
    const maxLen = body.u16('controller max_len');
    const controllerId = body.u16('controller id');
    const reason = body.u8('controller reason');
    return { type: 'controller', maxLen, reason, controllerId };
  },
};

const CODECS: { [T in NxAction['type']]: NxCodec<NxOf<T>> } = {
  resubmit,
  move,
  load,
  reg_load: load,
  conjunction,
  ct,
  ct_clear: ctClear,
  note,
  controller,
};

const BY_SUBTYPE = new Map<number, NxCodec<NxAction>>(
  Object.values(CODECS).map((codec) => [codec.subtype, codec as NxCodec<NxAction>]),
);

export function isNxAction(a: Action | RawAction): a is NxAction {
  return Object.hasOwn(CODECS, a.type);
}

export function encodeNxAction(w: Writer, a: NxAction, nested: NestedActions): void {
  const codec = CODECS[a.type] as NxCodec<NxAction>;
  const start = startNx(w, codec.subtype);
  codec.encodeBody(w, a, nested);
  finishNx(w, start);
}

/** `body` starts after the action's type and length; `whole` is the action's TLV. */
export function decodeNxAction(body: Reader, whole: Buffer, nested: NestedActions): Action | RawAction {
  const vendor = body.u32('experimenter id');
  if (vendor !== NX_VENDOR_ID) return { type: 'raw', actionType: ActionType.EXPERIMENTER, data: whole };
  const subtype = body.u16('NX subtype');
  const codec = BY_SUBTYPE.get(subtype);
  if (!codec) return { type: 'raw', actionType: ActionType.EXPERIMENTER, subtype, data: whole };
  return codec.decodeBody(body, nested);
}
