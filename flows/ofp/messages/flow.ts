// FLOW_MOD, FLOW_REMOVED, and the flow-stats entry that multipart flow replies carry.
import { OfpDecodeError, Reader, type Writer } from '../buffer';
import { FlowModCommand, GROUP_ANY, MsgType, NO_BUFFER, Port } from '../constants';
import { decodeInstructions, encodeInstructions } from '../instructions';
import { decodeMatch, encodeMatch, knownFields } from '../match';
import type { FlowMod, FlowStats } from '../types';
import type { MessageFamily } from './family';

const COMMANDS: Record<FlowMod['command'], number> = {
  add: FlowModCommand.ADD,
  modify: FlowModCommand.MODIFY,
  modify_strict: FlowModCommand.MODIFY_STRICT,
  delete: FlowModCommand.DELETE,
  delete_strict: FlowModCommand.DELETE_STRICT,
};
const COMMAND_NAMES = Object.keys(COMMANDS) as Array<FlowMod['command']>;

/** Fixed part of ofp_flow_stats before the match. */
const FLOW_STATS_FIXED = 48;

export function encodeFlowStats(w: Writer, f: FlowStats): void {
  const start = w.length;
  w.u16(0).u8(f.tableId).zeros(1).u32(f.durationSec).u32(f.durationNsec);
  w.u16(f.priority).u16(f.idleTimeout).u16(f.hardTimeout).u16(f.flags).zeros(4);
  w.u64(f.cookie).u64(f.packetCount).u64(f.byteCount);
  encodeMatch(w, knownFields(f.match));
  encodeInstructions(w, f.instructions);
  w.setU16(start, w.length - start);
}

export function decodeFlowStats(r: Reader): FlowStats {
  const length = r.u16('flow stats length');
  if (length < FLOW_STATS_FIXED + 8)
    throw new OfpDecodeError(`flow stats entry length ${length} is too short`, 'bad_length');
  const entry = r.sub(length - 2, 'flow stats entry');
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
  return {
    tableId,
    durationSec,
    durationNsec,
    priority,
    idleTimeout,
    hardTimeout,
    flags,
    cookie,
    packetCount,
    byteCount,
    match,
    instructions,
  };
}

/**
 * One flow-stats entry as the switch sent it. `stable` is every byte of it but the flow's
 * age and counters (duration, packet and byte counts): the same flow gives the same
 * `stable` in every dump, so a reader comparing dumps decodes only entries it has not seen.
 */
export interface FlowStatsEntryBytes {
  stable: string;
  /** The whole entry, length first, as decodeFlowStatsEntry reads it. */
  bytes: Buffer;
}

/** Offsets in ofp_flow_stats: table_id; priority to the pad after flags; cookie. */
const STABLE_PARTS: ReadonlyArray<readonly [number, number]> = [
  [2, 3],
  [12, 20],
  [24, 32],
];

/**
 * Splits a flow-stats reply body into its entries without decoding them (lengths are
 * checked: each at least the fixed part plus an empty match, a multiple of 8, inside the
 * body). The entries share the body's memory.
 */
export function splitFlowStats(body: Buffer): FlowStatsEntryBytes[] {
  const entries: FlowStatsEntryBytes[] = [];
  for (let at = 0; at < body.length;) {
    if (body.length - at < 2) throw new OfpDecodeError(`flow stats entry at ${at} is cut short`, 'truncated');
    const length = body.readUInt16BE(at);
    if (length < FLOW_STATS_FIXED + 8 || length % 8 !== 0)
      throw new OfpDecodeError(`flow stats entry length ${length} at ${at} is not valid`, 'bad_length');
    if (at + length > body.length)
      throw new OfpDecodeError(`flow stats entry of ${length} bytes at ${at} runs past the reply`, 'truncated');
    const bytes = body.subarray(at, at + length);
    let stable = '';
    for (const [from, to] of STABLE_PARTS) stable += bytes.toString('latin1', from, to);
    entries.push({ stable: stable + bytes.toString('latin1', FLOW_STATS_FIXED, length), bytes });
    at += length;
  }
  return entries;
}

/** Decodes one entry splitFlowStats found; it must fill `bytes` exactly. */
export function decodeFlowStatsEntry(bytes: Buffer): FlowStats {
  const r = new Reader(bytes);
  const flow = decodeFlowStats(r);
  if (r.remaining !== 0) throw new OfpDecodeError(`${r.remaining} bytes left after a flow stats entry`, 'bad_length');
  return flow;
}

/** The FLOW_MOD body after the header (ofp_flow_mod, match, instructions). */
export function encodeFlowModBody(w: Writer, m: FlowMod): void {
  w.u64(m.cookie ?? 0n)
    .u64(m.cookieMask ?? 0n)
    .u8(m.tableId)
    .u8(COMMANDS[m.command]);
  w.u16(m.idleTimeout ?? 0)
    .u16(m.hardTimeout ?? 0)
    .u16(m.priority)
    .u32(m.bufferId ?? NO_BUFFER);
  w.u32(m.outPort ?? Port.ANY)
    .u32(m.outGroup ?? GROUP_ANY)
    .u16(m.flags ?? 0)
    .zeros(2);
  encodeMatch(w, m.match);
  encodeInstructions(w, m.instructions);
}

export const flow: MessageFamily = {
  typeCodes: { flow_mod: MsgType.FLOW_MOD, flow_removed: MsgType.FLOW_REMOVED },
  encoders: {
    flow_mod: (w, m) => encodeFlowModBody(w, m),
    flow_removed(w, m) {
      w.u64(m.cookie).u16(m.priority).u8(m.reason).u8(m.tableId).u32(m.durationSec).u32(m.durationNsec);
      w.u16(m.idleTimeout).u16(m.hardTimeout).u64(m.packetCount).u64(m.byteCount);
      encodeMatch(w, knownFields(m.match));
    },
  },
  decoders: {
    [MsgType.FLOW_MOD](r, { xid }) {
      const cookie = r.u64('cookie');
      const cookieMask = r.u64('cookie_mask');
      const tableId = r.u8('table_id');
      const commandCode = r.u8('command');
      const command = COMMAND_NAMES[commandCode];
      if (command === undefined)
        throw new OfpDecodeError(`flow_mod command ${commandCode} is unknown`, 'bad_flow_mod_command');
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
      return {
        type: 'flow_mod',
        xid,
        command,
        tableId,
        priority,
        cookie,
        cookieMask,
        idleTimeout,
        hardTimeout,
        bufferId,
        outPort,
        outGroup,
        flags,
        match,
        instructions,
      };
    },
    [MsgType.FLOW_REMOVED](r, { xid }) {
      const cookie = r.u64('cookie');
      const priority = r.u16();
      const reason = r.u8();
      const tableId = r.u8();
      const durationSec = r.u32();
      const durationNsec = r.u32();
      const idleTimeout = r.u16();
      const hardTimeout = r.u16();
      const packetCount = r.u64();
      const byteCount = r.u64();
      const match = decodeMatch(r);
      return {
        type: 'flow_removed',
        xid,
        cookie,
        priority,
        reason,
        tableId,
        durationSec,
        durationNsec,
        idleTimeout,
        hardTimeout,
        packetCount,
        byteCount,
        match,
      };
    },
  },
};
