// MULTIPART_REQUEST / MULTIPART_REPLY (OpenFlow 1.3 section 7.3.5): desc, flow stats,
// aggregate, table stats, port stats and port desc; other kinds are kept raw. A reply
// with OFPMPF_REPLY_MORE set is one part of several; the session reassembles them.
import { OfpDecodeError, type Reader, type Writer } from '../buffer';
import { GROUP_ANY, MsgType, MultipartType, OFP13_VERSION, Port } from '../constants';
import { decodeMatch, encodeMatch, knownFields } from '../match';
import type { FlowStatsRequest, OfpMessage, TableStats } from '../types';
import { decodeFlowStats, encodeFlowStats } from './flow';
import { cString, writeCString, type Header, type MessageFamily } from './family';
import { decodePortDesc, decodePortStats, encodePortDesc, encodePortStats } from './port';

const DESC_FIELDS = [
  ['manufacturer', 256],
  ['hardware', 256],
  ['software', 256],
  ['serialNum', 32],
  ['datapath', 256],
] as const;

function mpHeader(w: Writer, mpType: number, flags: number): void {
  w.u16(mpType).u16(flags).zeros(4);
}

function encodeFlowRequest(w: Writer, req: FlowStatsRequest): void {
  w.u8(req.tableId)
    .zeros(3)
    .u32(req.outPort ?? Port.ANY)
    .u32(req.outGroup ?? GROUP_ANY)
    .zeros(4);
  w.u64(req.cookie ?? 0n).u64(req.cookieMask ?? 0n);
  encodeMatch(w, req.match ?? []);
}

function decodeFlowRequest(r: Reader): FlowStatsRequest {
  const tableId = r.u8('table_id');
  r.skip(3);
  const outPort = r.u32('out_port');
  const outGroup = r.u32('out_group');
  r.skip(4);
  const cookie = r.u64('cookie');
  const cookieMask = r.u64('cookie_mask');
  return { tableId, outPort, outGroup, cookie, cookieMask, match: knownFields(decodeMatch(r)) };
}

function encodeTableStats(w: Writer, t: TableStats): void {
  w.u8(t.tableId).zeros(3).u32(t.activeCount).u64(t.lookupCount).u64(t.matchedCount);
}

function decodeTableStats(r: Reader): TableStats {
  const tableId = r.u8('table_id');
  r.skip(3);
  return {
    tableId,
    activeCount: r.u32('active_count'),
    lookupCount: r.u64('lookup_count'),
    matchedCount: r.u64('matched_count'),
  };
}

function all<T>(r: Reader, one: (r: Reader) => T): T[] {
  const out: T[] = [];
  while (r.remaining > 0) out.push(one(r));
  return out;
}

function decodeRequest(r: Reader, xid: number, mpType: number, flags: number): OfpMessage {
  switch (mpType) {
    case MultipartType.DESC:
      return { type: 'desc_request', xid, flags };
    case MultipartType.FLOW:
      return { type: 'flow_stats_request', xid, flags, request: decodeFlowRequest(r) };
    case MultipartType.AGGREGATE:
      return { type: 'aggregate_request', xid, flags, request: decodeFlowRequest(r) };
    case MultipartType.TABLE:
      return { type: 'table_stats_request', xid, flags };
    case MultipartType.PORT_STATS: {
      const portNo = r.u32('port_no');
      r.skip(4);
      return { type: 'port_stats_request', xid, flags, portNo };
    }
    case MultipartType.PORT_DESC:
      return { type: 'port_desc_request', xid, flags };
    default:
      return { type: 'multipart_other', xid, request: true, mpType, flags, body: Buffer.from(r.bytes(r.remaining)) };
  }
}

function decodeReply(r: Reader, xid: number, mpType: number, flags: number): OfpMessage {
  switch (mpType) {
    case MultipartType.DESC: {
      const [manufacturer, hardware, software, serialNum, datapath] = DESC_FIELDS.map(([name, size]) =>
        cString(r.bytes(size, name)),
      ) as [string, string, string, string, string];
      return { type: 'desc_reply', xid, flags, manufacturer, hardware, software, serialNum, datapath };
    }
    case MultipartType.FLOW:
      return { type: 'flow_stats_reply', xid, flags, flows: all(r, decodeFlowStats) };
    case MultipartType.AGGREGATE: {
      const packetCount = r.u64('packet_count');
      const byteCount = r.u64('byte_count');
      const flowCount = r.u32('flow_count');
      r.skip(4);
      return { type: 'aggregate_reply', xid, flags, packetCount, byteCount, flowCount };
    }
    case MultipartType.TABLE:
      return { type: 'table_stats_reply', xid, flags, tables: all(r, decodeTableStats) };
    case MultipartType.PORT_STATS:
      return { type: 'port_stats_reply', xid, flags, stats: all(r, decodePortStats) };
    case MultipartType.PORT_DESC:
      return { type: 'port_desc_reply', xid, flags, ports: all(r, decodePortDesc) };
    default:
      return { type: 'multipart_other', xid, request: false, mpType, flags, body: Buffer.from(r.bytes(r.remaining)) };
  }
}

function decodeMultipart(r: Reader, { xid, type }: Header): OfpMessage {
  if (r.remaining < 8)
    throw new OfpDecodeError(
      `multipart message body of ${r.remaining} bytes is shorter than its 8-byte header`,
      'bad_length',
    );
  const mpType = r.u16('multipart type');
  const flags = r.u16('multipart flags');
  r.skip(4);
  return type === MsgType.MULTIPART_REQUEST ? decodeRequest(r, xid, mpType, flags) : decodeReply(r, xid, mpType, flags);
}

const REQ = MsgType.MULTIPART_REQUEST;
const REP = MsgType.MULTIPART_REPLY;

export const multipart: MessageFamily = {
  typeCodes: {
    desc_request: REQ,
    desc_reply: REP,
    flow_stats_request: REQ,
    flow_stats_reply: REP,
    aggregate_request: REQ,
    aggregate_reply: REP,
    table_stats_request: REQ,
    table_stats_reply: REP,
    port_stats_request: REQ,
    port_stats_reply: REP,
    port_desc_request: REQ,
    port_desc_reply: REP,
    multipart_other: REQ,
  },
  encoders: {
    desc_request: (w, m) => mpHeader(w, MultipartType.DESC, m.flags),
    desc_reply(w, m) {
      mpHeader(w, MultipartType.DESC, m.flags);
      for (const [name, size] of DESC_FIELDS) writeCString(w, m[name], size);
    },
    flow_stats_request(w, m) {
      mpHeader(w, MultipartType.FLOW, m.flags);
      encodeFlowRequest(w, m.request);
    },
    flow_stats_reply(w, m) {
      mpHeader(w, MultipartType.FLOW, m.flags);
      for (const f of m.flows) encodeFlowStats(w, f);
    },
    aggregate_request(w, m) {
      mpHeader(w, MultipartType.AGGREGATE, m.flags);
      encodeFlowRequest(w, m.request);
    },
    aggregate_reply(w, m) {
      mpHeader(w, MultipartType.AGGREGATE, m.flags);
      w.u64(m.packetCount).u64(m.byteCount).u32(m.flowCount).zeros(4);
    },
    table_stats_request: (w, m) => mpHeader(w, MultipartType.TABLE, m.flags),
    table_stats_reply(w, m) {
      mpHeader(w, MultipartType.TABLE, m.flags);
      for (const t of m.tables) encodeTableStats(w, t);
    },
    port_stats_request(w, m) {
      mpHeader(w, MultipartType.PORT_STATS, m.flags);
      w.u32(m.portNo).zeros(4);
    },
    port_stats_reply(w, m) {
      mpHeader(w, MultipartType.PORT_STATS, m.flags);
      for (const s of m.stats) encodePortStats(w, s);
    },
    port_desc_request: (w, m) => mpHeader(w, MultipartType.PORT_DESC, m.flags),
    port_desc_reply(w, m) {
      mpHeader(w, MultipartType.PORT_DESC, m.flags);
      for (const p of m.ports) encodePortDesc(w, p);
    },
    multipart_other(w, m) {
      mpHeader(w, m.mpType, m.flags);
      w.bytes(m.body);
    },
  },
  decoders: { [REQ]: decodeMultipart, [REP]: decodeMultipart },
};

/** Where a multipart reply's body starts: the OpenFlow header, then type, flags and padding. */
const MULTIPART_BODY_AT = 16;

/**
 * A multipart reply with its body left undecoded (as `multipart_other` carries kinds this
 * codec does not know), for a reader that handles the entries itself: a flow-table dump
 * compared with the last one (splitFlowStats). Undefined when `frame` is not an OpenFlow
 * 1.3 multipart reply whose header states its length. The body shares the frame's memory.
 */
export function undecodedMultipartReply(frame: Buffer): Extract<OfpMessage, { type: 'multipart_other' }> | undefined {
  if (frame.length < MULTIPART_BODY_AT || frame.readUInt8(0) !== OFP13_VERSION) return undefined;
  if (frame.readUInt8(1) !== MsgType.MULTIPART_REPLY || frame.readUInt16BE(2) !== frame.length) return undefined;
  return {
    type: 'multipart_other',
    xid: frame.readUInt32BE(4),
    request: false,
    mpType: frame.readUInt16BE(8),
    flags: frame.readUInt16BE(10),
    body: frame.subarray(MULTIPART_BODY_AT),
  };
}
