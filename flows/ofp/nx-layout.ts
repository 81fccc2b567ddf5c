// What every Nicira extension action shares: the 10-byte header, the padding to 8 bytes,
// field slices as NXM/OXM headers, and the shape of one action's codec.
//
//   type=0xffff:u16  len:u16  vendor=0x00002320:u32  subtype:u16 | body… | zeros to 8n
import type { Reader, Writer } from './buffer';
import { ActionType, NX_VENDOR_ID } from './constants';
import { fieldByCode, fieldDef, oxmHeader } from './fields';
import { OfpEncodeError } from './values';
import type { Action, RawAction } from './actions';
import type { NxAction } from './nx-actions';

/** A bit range of a field, as `reg0[0..15]` reads in ovs-ofctl. */
export interface FieldSlice {
  field: string;
  ofs: number;
  nBits: number;
}

/** Encodes or decodes the actions nested in one (ct's exec list). */
export interface NestedActions {
  encode(w: Writer, actions: ReadonlyArray<Action | RawAction>): void;
  decode(r: Reader): Array<Action | RawAction>;
}

/** One Nicira action: its subtype, and its body, written after and read from the header. */
export interface NxCodec<A> {
  subtype: number;
  encodeBody(w: Writer, a: A, nested: NestedActions): void;
  decodeBody(body: Reader, nested: NestedActions): NxAction;
}

export const NX_HEADER_LEN = 10;

/** Writes the header of an action whose body follows; returns where it starts. */
export function startNx(w: Writer, subtype: number): number {
  const start = w.length;
  w.u16(ActionType.EXPERIMENTER).u16(0).u32(NX_VENDOR_ID).u16(subtype);
  return start;
}

/** Pads the action started at `start` to 8 bytes and writes its length. */
export function finishNx(w: Writer, start: number): void {
  w.padTo(8, start);
  w.setU16(start + 2, w.length - start);
}

export function knownField(name: string): { header: number; bits: number } {
  const def = fieldDef(name);
  if (!def) throw new OfpEncodeError(`unknown field "${name}"`);
  return { header: oxmHeader(def, false), bits: def.length * 8 };
}

/** The field an NXM/OXM header names, as ovs-ofctl spells it. */
export function headerField(header: number): string {
  const def = fieldByCode(header >>> 16, (header >>> 9) & 0x7f);
  return def ? def.name : `oxm:${header >>> 16}:${(header >>> 9) & 0x7f}`;
}

/** The OXM header of a field slice, after checking the slice lies inside the field. */
export function checkSlice(s: FieldSlice, what: string): number {
  const { header, bits } = knownField(s.field);
  if (s.nBits < 1 || s.ofs < 0 || s.ofs + s.nBits > bits)
    throw new OfpEncodeError(`${what} ${s.field}[${s.ofs}..${s.ofs + s.nBits - 1}] exceeds the ${bits}-bit field`);
  return header;
}

/** ofs_nbits: a slice's offset and width in one u16, as reg_load and ct's zone carry them. */
export const ofsNbits = (ofs: number, nBits: number): number => (ofs << 6) | (nBits - 1);
export const fromOfsNbits = (value: number): { ofs: number; nBits: number } => ({
  ofs: value >> 6,
  nBits: (value & 0x3f) + 1,
});
