// Decodes one OpenFlow 1.3 message. Malformed input never throws out of here: the result
// is an OfpDecodeError value naming what was wrong and where.
import { OfpDecodeError, Reader } from './buffer';
import { MsgType, MultipartType, OFP13_VERSION, OFP_HEADER_LEN, ONF_VENDOR_ID, OnfBundle } from './constants';
import { decodeActions } from './actions';
import { decodeInstructions } from './instructions';
import { decodeMatch } from './match';
import { errorName, OFPET_EXPERIMENTER } from './errors';
import type { FlowMod, FlowStats, OfpMessage, PortDesc } from './types';

const COMMAND_NAMES: FlowMod['command'][] = ['add', 'modify', 'modify_strict', 'delete', 'delete_strict'];

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}

function decodePortDesc(r: Reader): PortDesc {
  const portNo = r.u32('port_no');
  r.skip(4);
  const hwAddr = [...r.bytes(6, 'hw_addr')].map((b) => b.toString(16).padStart(2, '0')).join(':');
  r.skip(2);
  const name = cString(r.bytes(16, 'port name'));
  return {
    portNo, hwAddr, name,
    config: r.u32(), state: r.u32(), curr: r.u32(), advertised: r.u32(), supported: r.u32(), peer: r.u32(), currSpeed: r.u32(), maxSpeed: r.u32(),
  };
}

function decodeFlowStats(r: Reader): FlowStats {
  const start = r.offset;
  const length = r.u16('flow stats length');
  if (length < 56) throw new OfpDecodeError(`flow stats entry length ${length} is too short`);
  const entry = new Reader(r.buf, r.offset, start + length);
  r.skip(length - 2, 'flow stats entry');
  const tableId = entry.u8();
  entry.skip(1);
  const durationSec = entry.u32();
  const durationNsec = entry.u32();
  const priority = entry.u16();
  const idleTimeout = entry.u16();
  const hardTimeout = entry.u16();
  const flags = entry.u16();
  entry.skip(4);
  const cookie = entry.u64();
  const packetCount = entry.u64();
  const byteCount = entry.u64();
  const match = decodeMatch(entry);
  const instructions = decodeInstructions(entry);
  return { tableId, durationSec, durationNsec, priority, idleTimeout, hardTimeout, flags, cookie, packetCount, byteCount, match, instructions };
}

function decodeMultipart(r: Reader, xid: number, request: boolean): OfpMessage {
  const mpType = r.u16('multipart type');
  const flags = r.u16('multipart flags');
  r.skip(4);
  if (mpType === MultipartType.FLOW || (mpType === MultipartType.AGGREGATE && request)) {
    if (request) {
      const tableId = r.u8();
      r.skip(3);
      const outPort = r.u32();
      const outGroup = r.u32();
      r.skip(4);
      const cookie = r.u64();
      const cookieMask = r.u64();
      const match = decodeMatch(r).filter((m): m is { field: string; value: number | bigint | string } => !Buffer.isBuffer(m.value));
      const statsRequest = { tableId, outPort, outGroup, cookie, cookieMask, match };
      return mpType === MultipartType.AGGREGATE
        ? { type: 'aggregate_request', xid, flags, request: statsRequest }
        : { type: 'flow_stats_request', xid, flags, request: statsRequest };
    }
    const flows: FlowStats[] = [];
    while (r.remaining > 0) flows.push(decodeFlowStats(r));
    return { type: 'flow_stats_reply', xid, flags, flows };
  }
  if (mpType === MultipartType.AGGREGATE) {
    const packetCount = r.u64();
    const byteCount = r.u64();
    const flowCount = r.u32();
    return { type: 'aggregate_reply', xid, flags, packetCount, byteCount, flowCount };
  }
  if (mpType === MultipartType.PORT_STATS) {
    if (request) {
      const portNo = r.u32('port stats port');
      return { type: 'port_stats_request', xid, flags, portNo };
    }
    const stats = [];
    while (r.remaining > 0) {
      const portNo = r.u32();
      r.skip(4);
      const counters = Array.from({ length: 12 }, () => r.u64('port counter'));
      stats.push({ portNo, counters, durationSec: r.u32(), durationNsec: r.u32() });
    }
    return { type: 'port_stats_reply', xid, flags, stats };
  }
  if (mpType === MultipartType.TABLE) {
    if (request) return { type: 'table_stats_request', xid, flags };
    const tables = [];
    while (r.remaining > 0) {
      const tableId = r.u8();
      r.skip(3);
      tables.push({ tableId, activeCount: r.u32(), lookupCount: r.u64(), matchedCount: r.u64() });
    }
    return { type: 'table_stats_reply', xid, flags, tables };
  }
  if (mpType === MultipartType.PORT_DESC) {
    if (request) return { type: 'port_desc_request', xid, flags };
    const ports: PortDesc[] = [];
    while (r.remaining > 0) ports.push(decodePortDesc(r));
    return { type: 'port_desc_reply', xid, flags, ports };
  }
  if (mpType === MultipartType.DESC) {
    if (request) return { type: 'desc_request', xid, flags };
    return {
      type: 'desc_reply', xid, flags,
      manufacturer: cString(r.bytes(256)), hardware: cString(r.bytes(256)), software: cString(r.bytes(256)), serialNum: cString(r.bytes(32)), datapath: cString(r.bytes(256)),
    };
  }
  return { type: 'multipart_other', xid, request, mpType, flags, body: Buffer.from(r.bytes(r.remaining)) };
}

function decodeBody(type: number, xid: number, r: Reader): OfpMessage {
  switch (type) {
    case MsgType.HELLO: {
      const versions: number[] = [];
      while (r.remaining >= 4) {
        const elemType = r.u16('hello element type');
        const elemLen = r.u16('hello element length');
        if (elemLen < 4) throw new OfpDecodeError(`hello element length ${elemLen} is too short`);
        // Elements are padded to 8 bytes; the padding of the last one may be missing.
        const elem = r.sub(Math.min(((elemLen + 7) & ~7) - 4, r.remaining), 'hello element');
        if (elemType === 1) {
          const words = Math.floor((elemLen - 4) / 4);
          for (let i = 0; i < words; i++) {
            const bits = elem.u32('version bitmap');
            for (let b = 0; b < 32; b++) if (bits & (1 << b)) versions.push(i * 32 + b);
          }
        }
      }
      return { type: 'hello', xid, versions };
    }
    case MsgType.ERROR: {
      const errType = r.u16('error type');
      const code = r.u16('error code');
      if (errType === OFPET_EXPERIMENTER) {
        const experimenter = r.u32('error experimenter');
        return { type: 'error', xid, errType, code, experimenter, name: errorName(errType, code, experimenter), data: Buffer.from(r.bytes(r.remaining)) };
      }
      return { type: 'error', xid, errType, code, name: errorName(errType, code), data: Buffer.from(r.bytes(r.remaining)) };
    }
    case MsgType.ECHO_REQUEST:
    case MsgType.ECHO_REPLY:
      return { type: type === MsgType.ECHO_REQUEST ? 'echo_request' : 'echo_reply', xid, data: Buffer.from(r.bytes(r.remaining)) };
    case MsgType.FEATURES_REQUEST:
      return { type: 'features_request', xid };
    case MsgType.FEATURES_REPLY: {
      const datapathId = r.u64();
      const nBuffers = r.u32();
      const nTables = r.u8();
      const auxiliaryId = r.u8();
      r.skip(2);
      const capabilities = r.u32();
      return { type: 'features_reply', xid, datapathId, nBuffers, nTables, auxiliaryId, capabilities };
    }
    case MsgType.GET_CONFIG_REQUEST:
      return { type: 'get_config_request', xid };
    case MsgType.GET_CONFIG_REPLY:
    case MsgType.SET_CONFIG:
      return { type: type === MsgType.SET_CONFIG ? 'set_config' : 'get_config_reply', xid, flags: r.u16(), missSendLen: r.u16() };
    case MsgType.BARRIER_REQUEST:
      return { type: 'barrier_request', xid };
    case MsgType.BARRIER_REPLY:
      return { type: 'barrier_reply', xid };
    case MsgType.FLOW_MOD: {
      const cookie = r.u64();
      const cookieMask = r.u64();
      const tableId = r.u8();
      const commandCode = r.u8();
      const command = COMMAND_NAMES[commandCode];
      if (!command) throw new OfpDecodeError(`flow_mod command ${commandCode} is unknown`);
      const idleTimeout = r.u16();
      const hardTimeout = r.u16();
      const priority = r.u16();
      const bufferId = r.u32();
      const outPort = r.u32();
      const outGroup = r.u32();
      const flags = r.u16();
      r.skip(2);
      const match = decodeMatch(r);
      const instructions = decodeInstructions(r);
      return { type: 'flow_mod', xid, command, tableId, priority, cookie, cookieMask, idleTimeout, hardTimeout, bufferId, outPort, outGroup, flags, match, instructions };
    }
    case MsgType.PACKET_OUT: {
      const bufferId = r.u32();
      const inPort = r.u32();
      const actionsLen = r.u16();
      r.skip(6);
      const actions = decodeActions(r.sub(actionsLen, 'packet_out actions'));
      return { type: 'packet_out', xid, bufferId, inPort, actions, data: Buffer.from(r.bytes(r.remaining)) };
    }
    case MsgType.PACKET_IN: {
      const bufferId = r.u32();
      const totalLen = r.u16();
      const reason = r.u8();
      const tableId = r.u8();
      const cookie = r.u64();
      const match = decodeMatch(r);
      r.skip(2);
      return { type: 'packet_in', xid, bufferId, totalLen, reason, tableId, cookie, match, data: Buffer.from(r.bytes(r.remaining)) };
    }
    case MsgType.PORT_STATUS: {
      const reason = r.u8();
      r.skip(7);
      return { type: 'port_status', xid, reason, port: decodePortDesc(r) };
    }
    case MsgType.FLOW_REMOVED: {
      const cookie = r.u64();
      const priority = r.u16();
      const reason = r.u8();
      const tableId = r.u8();
      const durationSec = r.u32();
      const durationNsec = r.u32();
      const idleTimeout = r.u16();
      const hardTimeout = r.u16();
      const packetCount = r.u64();
      const byteCount = r.u64();
      return { type: 'flow_removed', xid, cookie, priority, reason, tableId, durationSec, durationNsec, idleTimeout, hardTimeout, packetCount, byteCount, match: decodeMatch(r) };
    }
    case MsgType.GROUP_MOD: {
      const command = r.u16();
      const groupType = r.u8();
      r.skip(1);
      const groupId = r.u32();
      const buckets = [];
      while (r.remaining > 0) {
        const start = r.offset;
        const len = r.u16('bucket length');
        if (len < 16) throw new OfpDecodeError(`bucket length ${len} is too short`);
        const weight = r.u16();
        const watchPort = r.u32();
        const watchGroup = r.u32();
        r.skip(4);
        buckets.push({ weight, watchPort, watchGroup, actions: decodeActions(r.sub(len - (r.offset - start), 'bucket actions')) });
      }
      return { type: 'group_mod', xid, command, groupType, groupId, buckets };
    }
    case MsgType.METER_MOD: {
      const command = r.u16();
      const flags = r.u16();
      const meterId = r.u32();
      const bands = [];
      while (r.remaining > 0) {
        const bandType = r.u16('band type');
        const len = r.u16('band length');
        if (len !== 16 || (bandType !== 1 && bandType !== 2)) throw new OfpDecodeError(`meter band type ${bandType} length ${len} is not supported`);
        const rate = r.u32();
        const burstSize = r.u32();
        const precLevel = r.u8();
        r.skip(3);
        bands.push(bandType === 2 ? { bandType: 2 as const, rate, burstSize, precLevel } : { bandType: 1 as const, rate, burstSize });
      }
      return { type: 'meter_mod', xid, command, flags, meterId, bands };
    }
    case MsgType.MULTIPART_REQUEST:
    case MsgType.MULTIPART_REPLY:
      return decodeMultipart(r, xid, type === MsgType.MULTIPART_REQUEST);
    case MsgType.ROLE_REQUEST:
    case MsgType.ROLE_REPLY: {
      const role = r.u32();
      r.skip(4);
      return { type: type === MsgType.ROLE_REQUEST ? 'role_request' : 'role_reply', xid, role, generationId: r.u64() };
    }
    case MsgType.EXPERIMENTER: {
      const experimenter = r.u32('experimenter id');
      const expType = r.u32('experimenter type');
      if (experimenter === ONF_VENDOR_ID && expType === OnfBundle.CONTROL) {
        const bundleId = r.u32();
        const ctrlType = r.u16();
        const flags = r.u16();
        return { type: 'bundle_control', xid, bundleId, ctrlType, flags };
      }
      if (experimenter === ONF_VENDOR_ID && expType === OnfBundle.ADD_MESSAGE) {
        const bundleId = r.u32();
        r.skip(2);
        const flags = r.u16();
        const inner = decodeMessage(Buffer.from(r.bytes(r.remaining)));
        if (inner instanceof OfpDecodeError) throw new OfpDecodeError(`bundled message: ${inner.message}`);
        return { type: 'bundle_add', xid, bundleId, flags, message: inner };
      }
      r.offset -= 8;
      return { type: 'unknown', xid, msgType: type, body: Buffer.from(r.bytes(r.remaining)) };
    }
    default:
      return { type: 'unknown', xid, msgType: type, body: Buffer.from(r.bytes(r.remaining)) };
  }
}

/** Decodes exactly one message (as the framer delivers it). */
export function decodeMessage(buf: Buffer): OfpMessage | OfpDecodeError {
  try {
    if (buf.length < OFP_HEADER_LEN) return new OfpDecodeError(`message of ${buf.length} bytes is shorter than the header`);
    const version = buf.readUInt8(0);
    const type = buf.readUInt8(1);
    const length = buf.readUInt16BE(2);
    const xid = buf.readUInt32BE(4);
    if (length !== buf.length) return new OfpDecodeError(`header length ${length} does not match the ${buf.length} bytes received`);
    if (version !== OFP13_VERSION && type !== MsgType.HELLO && type !== MsgType.ERROR) {
      return new OfpDecodeError(`OpenFlow version 0x${version.toString(16)} is not 1.3`);
    }
    return decodeBody(type, xid, new Reader(buf, OFP_HEADER_LEN, length));
  } catch (error) {
    if (error instanceof OfpDecodeError) return error;
    return new OfpDecodeError(`malformed message: ${(error as Error).message}`);
  }
}
