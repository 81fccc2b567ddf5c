// Encodes OfpMessage values into OpenFlow 1.3 bytes.
import { Writer } from './buffer';
import { BundleFlags, FlowModCommand, GROUP_ANY, MsgType, MultipartType, NO_BUFFER, OFP13_VERSION, ONF_VENDOR_ID, OnfBundle, Port } from './constants';
import { encodeActions, type Action } from './actions';
import { encodeInstructions } from './instructions';
import { encodeMatch, type MatchField } from './match';
import type { FlowMod, OfpMessage, PortDesc } from './types';

const COMMANDS: Record<FlowMod['command'], number> = {
  add: FlowModCommand.ADD,
  modify: FlowModCommand.MODIFY,
  modify_strict: FlowModCommand.MODIFY_STRICT,
  delete: FlowModCommand.DELETE,
  delete_strict: FlowModCommand.DELETE_STRICT,
};

function header(w: Writer, type: number, xid: number): void {
  w.u8(OFP13_VERSION).u8(type).u16(0).u32(xid);
}

function knownMatch(match: FlowMod['match']): MatchField[] {
  return match.filter((m): m is MatchField => !Buffer.isBuffer(m.value));
}

function encodePortDesc(w: Writer, p: PortDesc): void {
  const name = Buffer.alloc(16);
  name.write(p.name.slice(0, 15), 'utf8');
  w.u32(p.portNo).zeros(4).bytes(Buffer.from(p.hwAddr.split(':').map((h) => Number.parseInt(h, 16)))).zeros(2).bytes(name);
  w.u32(p.config).u32(p.state).u32(p.curr).u32(p.advertised).u32(p.supported).u32(p.peer).u32(p.currSpeed).u32(p.maxSpeed);
}

function body(w: Writer, m: OfpMessage): void {
  switch (m.type) {
    case 'hello': {
      if (m.versions.length === 0) return;
      let bitmap = 0;
      for (const v of m.versions) bitmap |= 1 << v;
      w.u16(1).u16(8).u32(bitmap >>> 0); // OFPHET_VERSIONBITMAP with one 32-bit word
      return;
    }
    case 'error':
      w.u16(m.errType).u16(m.code);
      if (m.experimenter !== undefined) w.u32(m.experimenter);
      w.bytes(m.data);
      return;
    case 'echo_request':
    case 'echo_reply':
      w.bytes(m.data);
      return;
    case 'features_request':
    case 'get_config_request':
    case 'barrier_request':
    case 'barrier_reply':
      return;
    case 'features_reply':
      w.u64(m.datapathId).u32(m.nBuffers).u8(m.nTables).u8(m.auxiliaryId).zeros(2).u32(m.capabilities).u32(0);
      return;
    case 'get_config_reply':
    case 'set_config':
      w.u16(m.flags).u16(m.missSendLen);
      return;
    case 'flow_mod':
      w.u64(m.cookie ?? 0n).u64(m.cookieMask ?? 0n).u8(m.tableId).u8(COMMANDS[m.command]);
      w.u16(m.idleTimeout ?? 0).u16(m.hardTimeout ?? 0).u16(m.priority).u32(m.bufferId ?? NO_BUFFER);
      w.u32(m.outPort ?? Port.ANY).u32(m.outGroup ?? GROUP_ANY).u16(m.flags ?? 0).zeros(2);
      encodeMatch(w, knownMatch(m.match));
      encodeInstructions(w, m.instructions);
      return;
    case 'packet_out': {
      w.u32(m.bufferId).u32(m.inPort);
      const lenAt = w.length;
      w.u16(0).zeros(6);
      const start = w.length;
      encodeActions(w, m.actions.filter((a): a is Action => a.type !== 'raw'));
      w.setU16(lenAt, w.length - start);
      w.bytes(m.data);
      return;
    }
    case 'packet_in':
      w.u32(m.bufferId).u16(m.totalLen).u8(m.reason).u8(m.tableId).u64(m.cookie);
      encodeMatch(w, knownMatch(m.match));
      w.zeros(2).bytes(m.data);
      return;
    case 'port_status':
      w.u8(m.reason).zeros(7);
      encodePortDesc(w, m.port);
      return;
    case 'flow_removed':
      w.u64(m.cookie).u16(m.priority).u8(m.reason).u8(m.tableId).u32(m.durationSec).u32(m.durationNsec);
      w.u16(m.idleTimeout).u16(m.hardTimeout).u64(m.packetCount).u64(m.byteCount);
      encodeMatch(w, knownMatch(m.match));
      return;
    case 'group_mod':
      w.u16(m.command).u8(m.groupType).zeros(1).u32(m.groupId);
      for (const b of m.buckets) {
        const start = w.length;
        w.u16(0).u16(b.weight).u32(b.watchPort).u32(b.watchGroup).zeros(4);
        encodeActions(w, b.actions.filter((a): a is Action => a.type !== 'raw'));
        w.setU16(start, w.length - start);
      }
      return;
    case 'meter_mod':
      w.u16(m.command).u16(m.flags).u32(m.meterId);
      for (const band of m.bands) {
        w.u16(band.bandType).u16(16).u32(band.rate).u32(band.burstSize);
        if (band.bandType === 2) w.u8(band.precLevel ?? 0).zeros(3);
        else w.zeros(4);
      }
      return;
    case 'aggregate_request':
    case 'flow_stats_request': {
      const r = m.request;
      w.u16(m.type === 'aggregate_request' ? MultipartType.AGGREGATE : MultipartType.FLOW).u16(m.flags).zeros(4);
      w.u8(r.tableId).zeros(3).u32(r.outPort ?? Port.ANY).u32(r.outGroup ?? GROUP_ANY).zeros(4).u64(r.cookie ?? 0n).u64(r.cookieMask ?? 0n);
      encodeMatch(w, r.match ?? []);
      return;
    }
    case 'flow_stats_reply':
      w.u16(MultipartType.FLOW).u16(m.flags).zeros(4);
      for (const f of m.flows) {
        const start = w.length;
        w.u16(0).u8(f.tableId).zeros(1).u32(f.durationSec).u32(f.durationNsec).u16(f.priority).u16(f.idleTimeout).u16(f.hardTimeout);
        w.u16(f.flags).zeros(4).u64(f.cookie).u64(f.packetCount).u64(f.byteCount);
        encodeMatch(w, knownMatch(f.match));
        encodeInstructions(w, f.instructions);
        w.setU16(start, w.length - start);
      }
      return;
    case 'port_desc_request':
      w.u16(MultipartType.PORT_DESC).u16(m.flags).zeros(4);
      return;
    case 'aggregate_reply':
      w.u16(MultipartType.AGGREGATE).u16(m.flags).zeros(4).u64(m.packetCount).u64(m.byteCount).u32(m.flowCount).zeros(4);
      return;
    case 'port_stats_request':
      w.u16(MultipartType.PORT_STATS).u16(m.flags).zeros(4).u32(m.portNo).zeros(4);
      return;
    case 'port_stats_reply':
      w.u16(MultipartType.PORT_STATS).u16(m.flags).zeros(4);
      for (const p of m.stats) {
        w.u32(p.portNo).zeros(4);
        for (let i = 0; i < 12; i++) w.u64(p.counters[i] ?? 0n);
        w.u32(p.durationSec).u32(p.durationNsec);
      }
      return;
    case 'table_stats_request':
      w.u16(MultipartType.TABLE).u16(m.flags).zeros(4);
      return;
    case 'table_stats_reply':
      w.u16(MultipartType.TABLE).u16(m.flags).zeros(4);
      for (const t of m.tables) w.u8(t.tableId).zeros(3).u32(t.activeCount).u64(t.lookupCount).u64(t.matchedCount);
      return;
    case 'port_desc_reply':
      w.u16(MultipartType.PORT_DESC).u16(m.flags).zeros(4);
      for (const p of m.ports) encodePortDesc(w, p);
      return;
    case 'desc_request':
      w.u16(MultipartType.DESC).u16(m.flags).zeros(4);
      return;
    case 'desc_reply': {
      w.u16(MultipartType.DESC).u16(m.flags).zeros(4);
      for (const [text, size] of [[m.manufacturer, 256], [m.hardware, 256], [m.software, 256], [m.serialNum, 32], [m.datapath, 256]] as const) {
        const b = Buffer.alloc(size);
        b.write(text.slice(0, size - 1), 'utf8');
        w.bytes(b);
      }
      return;
    }
    case 'role_request':
    case 'role_reply':
      w.u32(m.role).zeros(4).u64(m.generationId);
      return;
    case 'bundle_control':
      w.u32(ONF_VENDOR_ID).u32(OnfBundle.CONTROL).u32(m.bundleId).u16(m.ctrlType).u16(m.flags);
      return;
    case 'bundle_add':
      w.u32(ONF_VENDOR_ID).u32(OnfBundle.ADD_MESSAGE).u32(m.bundleId).zeros(2).u16(m.flags);
      w.bytes(encodeMessage({ ...m.message, xid: m.xid }));
      return;
    case 'multipart_other':
      w.u16(m.mpType).u16(m.flags).zeros(4).bytes(m.body);
      return;
    case 'unknown':
      w.bytes(m.body);
      return;
  }
}

const TYPE_CODES: Record<OfpMessage['type'], number> = {
  hello: MsgType.HELLO,
  error: MsgType.ERROR,
  echo_request: MsgType.ECHO_REQUEST,
  echo_reply: MsgType.ECHO_REPLY,
  features_request: MsgType.FEATURES_REQUEST,
  features_reply: MsgType.FEATURES_REPLY,
  get_config_request: MsgType.GET_CONFIG_REQUEST,
  get_config_reply: MsgType.GET_CONFIG_REPLY,
  set_config: MsgType.SET_CONFIG,
  barrier_request: MsgType.BARRIER_REQUEST,
  barrier_reply: MsgType.BARRIER_REPLY,
  flow_mod: MsgType.FLOW_MOD,
  packet_out: MsgType.PACKET_OUT,
  packet_in: MsgType.PACKET_IN,
  port_status: MsgType.PORT_STATUS,
  flow_removed: MsgType.FLOW_REMOVED,
  group_mod: MsgType.GROUP_MOD,
  meter_mod: MsgType.METER_MOD,
  aggregate_request: MsgType.MULTIPART_REQUEST,
  aggregate_reply: MsgType.MULTIPART_REPLY,
  port_stats_request: MsgType.MULTIPART_REQUEST,
  port_stats_reply: MsgType.MULTIPART_REPLY,
  table_stats_request: MsgType.MULTIPART_REQUEST,
  table_stats_reply: MsgType.MULTIPART_REPLY,
  flow_stats_request: MsgType.MULTIPART_REQUEST,
  flow_stats_reply: MsgType.MULTIPART_REPLY,
  port_desc_request: MsgType.MULTIPART_REQUEST,
  port_desc_reply: MsgType.MULTIPART_REPLY,
  desc_request: MsgType.MULTIPART_REQUEST,
  desc_reply: MsgType.MULTIPART_REPLY,
  role_request: MsgType.ROLE_REQUEST,
  role_reply: MsgType.ROLE_REPLY,
  bundle_control: MsgType.EXPERIMENTER,
  bundle_add: MsgType.EXPERIMENTER,
  multipart_other: MsgType.MULTIPART_REQUEST,
  unknown: 0,
};

/** Appends one message to a writer (many messages can share one buffer). */
export function encodeInto(w: Writer, m: OfpMessage): void {
  let type = TYPE_CODES[m.type];
  if (m.type === 'multipart_other') type = m.request ? MsgType.MULTIPART_REQUEST : MsgType.MULTIPART_REPLY;
  if (m.type === 'unknown') type = m.msgType;
  const start = w.length;
  header(w, type, m.xid);
  body(w, m);
  w.setU16(start + 2, w.length - start);
}

export function encodeMessage(m: OfpMessage): Buffer {
  const w = new Writer(128);
  encodeInto(w, m);
  return w.finish();
}

export const ATOMIC_ORDERED = BundleFlags.ATOMIC | BundleFlags.ORDERED;
