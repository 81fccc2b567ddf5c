// The connection-tracking action NXAST_CT and the NXAST_NAT action nested in it (only
// there), as OVS encodes them (ovs-actions(7) "ct", nicira-ext.h).
import { Reader, type Writer } from './buffer';
import { NxActionSubtype } from './constants';
import { decodeValue, encodeValue, OfpEncodeError } from './values';
import type { Action, RawAction } from './actions';
import {
  checkSlice,
  finishNx,
  fromOfsNbits,
  headerField,
  NX_HEADER_LEN,
  ofsNbits,
  startNx,
  type FieldSlice,
  type NxCodec,
} from './nx-layout';

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

export interface CtAction {
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

/** recirc_table when ct does not recirculate. */
const CT_RECIRC_NONE = 0xff;
const CtFlag = { COMMIT: 1, FORCE: 2 } as const;
const NatFlag = { SRC: 1, DST: 2, PERSISTENT: 4, PROTO_HASH: 8, PROTO_RANDOM: 16 } as const;
const NatRange = { IPV4_MIN: 1, IPV4_MAX: 2, IPV6_MIN: 4, IPV6_MAX: 8, PROTO_MIN: 16, PROTO_MAX: 32 } as const;
const IPV4_DEF = { name: 'nat address', oxmClass: 0, field: 0, length: 4, kind: 'ipv4', maskable: false } as const;
const IPV6_DEF = { ...IPV4_DEF, length: 16, kind: 'ipv6' } as const;

/**
 * NXAST_NAT, 16+ bytes: header | pad[2] flags:u16 range_present:u16 | then, each only
 * when its range_present bit is set: addr min, addr max (4 or 16 bytes), proto min:u16,
 * proto max:u16 | zeros to 8n
 */
function encodeNat(w: Writer, nat: NatSpec): void {
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
  const start = startNx(w, NxActionSubtype.NAT);
  w.zeros(2).u16(flags).u16(present);
  const def = v6 ? IPV6_DEF : IPV4_DEF;
  if (nat.addrMin !== undefined) w.bytes(encodeValue(def, nat.addrMin));
  if (nat.addrMax !== undefined) w.bytes(encodeValue(def, nat.addrMax));
  if (nat.portMin !== undefined) w.u16(nat.portMin);
  if (nat.portMax !== undefined) w.u16(nat.portMax);
  finishNx(w, start);
}

/** `body` starts after the NAT action's 10-byte header. */
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

/**
 * NXAST_CT, 24+ bytes: header | flags:u16 zone_src:u32 zone (value, or ofs_nbits of
 * zone_src):u16 recirc_table:u8 pad[3] alg:u16 | nested actions: a NAT action first when
 * there is one, then the exec actions
 */
export const ct: NxCodec<CtAction> = {
  subtype: NxActionSubtype.CT,
  encodeBody(w, a, nested) {
    if (a.zone !== undefined && a.zoneField !== undefined)
      throw new OfpEncodeError('ct takes zone or zoneField, not both');
    const zoneSrc = a.zoneField ? checkSlice(a.zoneField, 'ct zone') : 0;
    const zoneValue = a.zoneField ? ofsNbits(a.zoneField.ofs, a.zoneField.nBits) : (a.zone ?? 0);
    const flags = (a.commit ? CtFlag.COMMIT : 0) | (a.force ? CtFlag.FORCE : 0);
    w.u16(flags)
      .u32(zoneSrc)
      .u16(zoneValue)
      .u8(a.table ?? CT_RECIRC_NONE)
      .zeros(3)
      .u16(a.alg ?? 0);
    if (a.nat) encodeNat(w, a.nat);
    nested.encode(w, a.actions ?? []);
  },
  decodeBody(body, nested) {
    const flags = body.u16('ct flags');
    const zoneSrc = body.u32('ct zone_src');
    const zoneValue = body.u16('ct zone');
    const table = body.u8('ct recirc_table');
    body.skip(3);
    const alg = body.u16('ct alg');
    const out: CtAction = { type: 'ct' };
    if (flags & CtFlag.COMMIT) out.commit = true;
    if (flags & CtFlag.FORCE) out.force = true;
    if (zoneSrc !== 0) out.zoneField = { field: headerField(zoneSrc), ...fromOfsNbits(zoneValue) };
    else if (zoneValue !== 0) out.zone = zoneValue;
    if (table !== CT_RECIRC_NONE) out.table = table;
    if (alg !== 0) out.alg = alg;
    const inner: Array<Action | RawAction> = [];
    for (const a of nested.decode(body)) {
      // NAT has no codec of its own (it exists only inside ct): it comes back raw.
      if (a.type === 'raw' && a.subtype === NxActionSubtype.NAT)
        out.nat = decodeNat(new Reader(a.data, NX_HEADER_LEN, a.data.length));
      else inner.push(a);
    }
    if (inner.length > 0) out.actions = inner;
    return out;
  },
};
