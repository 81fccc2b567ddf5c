// ofp_match of type OXM (OpenFlow 1.3 section 7.2.2): a list of TLV fields, padded to 8.
// Matches are lists of { field, value, mask? } with ovs-fields(7) names.
import { OfpDecodeError, Reader, Writer } from './buffer';
import { OxmClass } from './constants';
import { fieldByCode, fieldDef, oxmHeader } from './fields';
import { decodeValue, encodeValue, OfpEncodeError, writeValue, type FieldValue } from './values';

export interface MatchField {
  field: string;
  value: FieldValue;
  mask?: FieldValue;
}

/** A field this codec does not know, kept as raw bytes so a dump still decodes. */
export interface RawOxm {
  field: `oxm:${number}:${number}`;
  value: Buffer;
  mask?: Buffer;
}

export type Match = MatchField[];

/** The fields of a decoded match this codec understands (raw ones cannot be re-encoded by name). */
export function knownFields(match: ReadonlyArray<MatchField | RawOxm>): MatchField[] {
  return match.filter((m): m is MatchField => !Buffer.isBuffer(m.value));
}

const OFPMT_OXM = 1;

export function encodeOxm(w: Writer, m: MatchField): void {
  const def = fieldDef(m.field);
  if (!def) throw new OfpEncodeError(`unknown match field "${m.field}"`);
  if (m.mask !== undefined && !def.maskable) throw new OfpEncodeError(`field ${def.name} cannot be masked`);
  w.u32(oxmHeader(def, m.mask !== undefined));
  if (m.mask === undefined) {
    writeValue(w, def, m.value);
    return;
  }
  const value = encodeValue(def, m.value);
  // OpenFlow rejects value bits outside the mask (OFPBMC_BAD_WILDCARDS): clear them.
  const mask = encodeValue(def, m.mask);
  w.bytes(value.map((b, i) => b & (mask[i] as number)));
  w.bytes(mask);
}

/** Encodes a match; raw (unknown) fields are re-sent as the bytes they came in. */
function encodeRawOxm(w: Writer, m: RawOxm): void {
  const [, cls, field] = m.field.split(':').map(Number) as [number, number, number];
  const masked = m.mask !== undefined;
  w.u32(((cls << 16) | (field << 9) | (masked ? 0x100 : 0) | (m.value.length * (masked ? 2 : 1))) >>> 0);
  w.bytes(m.value);
  if (m.mask) w.bytes(m.mask);
}

export function encodeMatch(w: Writer, match: ReadonlyArray<MatchField | RawOxm>): void {
  const start = w.length;
  w.u16(OFPMT_OXM).u16(0);
  for (const m of match) {
    if (Buffer.isBuffer(m.value)) encodeRawOxm(w, m as RawOxm);
    else encodeOxm(w, m as MatchField);
  }
  w.setU16(start + 2, w.length - start);
  w.padTo(8, start);
}

/** Decodes one OXM TLV; unknown fields come back raw. */
export function decodeOxm(r: Reader): MatchField | RawOxm {
  const header = r.u32('OXM header');
  const oxmClass = header >>> 16;
  const field = (header >>> 9) & 0x7f;
  const hasMask = (header & 0x100) !== 0;
  const length = header & 0xff;
  let payload = length;
  if (oxmClass === OxmClass.EXPERIMENTER) {
    r.u32('OXM experimenter id');
    payload -= 4;
  }
  const def = fieldByCode(oxmClass, field);
  if (hasMask && payload % 2 !== 0)
    throw new OfpDecodeError(`masked OXM ${oxmClass}:${field} has odd length ${length}`, 'bad_oxm_length');
  const half = hasMask ? payload / 2 : payload;
  if (def && half !== def.length)
    throw new OfpDecodeError(
      `OXM ${def.name} has length ${length}, expected ${hasMask ? def.length * 2 : def.length}`,
      'bad_oxm_length',
    );
  const value = r.bytes(half, 'OXM value');
  const mask = hasMask ? r.bytes(half, 'OXM mask') : undefined;
  if (!def) {
    const raw: RawOxm = { field: `oxm:${oxmClass}:${field}`, value };
    if (mask) raw.mask = mask;
    return raw;
  }
  return { field: def.name, value: decodeValue(def, value), ...(mask ? { mask: decodeValue(def, mask) } : {}) };
}

export function decodeMatch(r: Reader): Array<MatchField | RawOxm> {
  const start = r.offset;
  const type = r.u16('match type');
  const length = r.u16('match length');
  if (type !== OFPMT_OXM) throw new OfpDecodeError(`match type ${type} is not OXM`, 'bad_match');
  if (length < 4) throw new OfpDecodeError(`match length ${length} is shorter than its header`, 'bad_match');
  const body = r.sub(length - 4, 'match fields');
  const fields: Array<MatchField | RawOxm> = [];
  while (body.remaining > 0) fields.push(decodeOxm(body));
  const padded = (length + 7) & ~7;
  r.skip(padded - (r.offset - start), 'match padding');
  return fields;
}
