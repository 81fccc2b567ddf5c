// PORT_STATUS and the ofp_port and ofp_port_stats structures multipart replies reuse.
import type { Reader, Writer } from '../buffer';
import { MsgType } from '../constants';
import type { PortDesc, PortStats } from '../types';
import { cString, macBytes, macText, writeCString, type MessageFamily } from './family';

export const PORT_DESC_LEN = 64;
export const PORT_STATS_LEN = 112;

export function encodePortDesc(w: Writer, p: PortDesc): void {
  w.u32(p.portNo).zeros(4).bytes(macBytes(p.hwAddr)).zeros(2);
  writeCString(w, p.name, 16);
  w.u32(p.config)
    .u32(p.state)
    .u32(p.curr)
    .u32(p.advertised)
    .u32(p.supported)
    .u32(p.peer)
    .u32(p.currSpeed)
    .u32(p.maxSpeed);
}

export function decodePortDesc(r: Reader): PortDesc {
  const portNo = r.u32('port_no');
  r.skip(4);
  const hwAddr = macText(r.bytes(6, 'hw_addr'));
  r.skip(2);
  const name = cString(r.bytes(16, 'port name'));
  return {
    portNo,
    hwAddr,
    name,
    config: r.u32(),
    state: r.u32(),
    curr: r.u32(),
    advertised: r.u32(),
    supported: r.u32(),
    peer: r.u32(),
    currSpeed: r.u32(),
    maxSpeed: r.u32(),
  };
}

const COUNTERS = [
  'rxPackets',
  'txPackets',
  'rxBytes',
  'txBytes',
  'rxDropped',
  'txDropped',
  'rxErrors',
  'txErrors',
  'rxFrameErr',
  'rxOverErr',
  'rxCrcErr',
  'collisions',
] as const;

export function encodePortStats(w: Writer, s: PortStats): void {
  w.u32(s.portNo).zeros(4);
  for (const counter of COUNTERS) w.u64Number(s[counter]);
  w.u32(s.durationSec).u32(s.durationNsec);
}

export function decodePortStats(r: Reader): PortStats {
  const portNo = r.u32('port_no');
  r.skip(4);
  // Spelled out in wire order (an object literal reads its fields in order): a reply for
  // every port of a large bridge decodes thousands of these per metrics scrape.
  return {
    portNo,
    rxPackets: r.u64Number('rxPackets'),
    txPackets: r.u64Number('txPackets'),
    rxBytes: r.u64Number('rxBytes'),
    txBytes: r.u64Number('txBytes'),
    rxDropped: r.u64Number('rxDropped'),
    txDropped: r.u64Number('txDropped'),
    rxErrors: r.u64Number('rxErrors'),
    txErrors: r.u64Number('txErrors'),
    rxFrameErr: r.u64Number('rxFrameErr'),
    rxOverErr: r.u64Number('rxOverErr'),
    rxCrcErr: r.u64Number('rxCrcErr'),
    collisions: r.u64Number('collisions'),
    durationSec: r.u32('duration_sec'),
    durationNsec: r.u32('duration_nsec'),
  };
}

export const port: MessageFamily = {
  typeCodes: { port_status: MsgType.PORT_STATUS },
  encoders: {
    port_status(w, m) {
      w.u8(m.reason).zeros(7);
      encodePortDesc(w, m.port);
    },
  },
  decoders: {
    [MsgType.PORT_STATUS](r, { xid }) {
      const reason = r.u8('reason');
      r.skip(7);
      return { type: 'port_status', xid, reason, port: decodePortDesc(r) };
    },
  },
};
