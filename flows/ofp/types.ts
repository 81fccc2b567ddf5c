// The OpenFlow 1.3 messages ovsnet speaks, as a discriminated union of plain values.
import type { Action, RawAction } from './actions';
import type { Instruction } from './instructions';
import type { MatchField, RawOxm } from './match';
import type { FlowModCommandName } from './constants';

export interface FlowMod {
  command: FlowModCommandName;
  tableId: number;
  priority: number;
  cookie?: bigint;
  cookieMask?: bigint;
  idleTimeout?: number;
  hardTimeout?: number;
  bufferId?: number;
  outPort?: number;
  outGroup?: number;
  flags?: number;
  match: Array<MatchField | RawOxm>;
  instructions: Instruction[];
}

export interface FlowStats {
  tableId: number;
  durationSec: number;
  durationNsec: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  match: Array<MatchField | RawOxm>;
  instructions: Instruction[];
}

export interface PortDesc {
  portNo: number;
  hwAddr: string;
  name: string;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  currSpeed: number;
  maxSpeed: number;
}

/** All ones, read as a number: a counter the switch does not keep. */
export const UNKEPT_COUNTER = 2 ** 64;

/**
 * A port's counters: u64 on the wire, numbers here (Reader.u64Number). Exact up to 2^53
 * (9 PB), off by at most a part in 2^53 beyond, as Prometheus's float64 keeps them anyway.
 * A counter the switch does not keep comes as all ones and reads as UNKEPT_COUNTER.
 */
export interface PortStats {
  portNo: number;
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
  rxErrors: number;
  txErrors: number;
  rxFrameErr: number;
  rxOverErr: number;
  rxCrcErr: number;
  collisions: number;
  durationSec: number;
  durationNsec: number;
}

export interface TableStats {
  tableId: number;
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
}

export type GroupType = 'all' | 'select' | 'indirect' | 'ff';

export interface Bucket {
  /** Relative weight, for select groups only. */
  weight?: number;
  /** Port or group whose liveness gates the bucket, for fast-failover groups. */
  watchPort?: number;
  watchGroup?: number;
  actions: Array<Action | RawAction>;
}

export interface MeterBand {
  type: 'drop' | 'dscp_remark';
  /** kbit/s or packets/s, as the meter's flags say. */
  rate: number;
  burstSize: number;
  /** For dscp_remark: how many drop-precedence levels to add. */
  precLevel?: number;
}

export const MeterFlags = { KBPS: 1, PKTPS: 2, BURST: 4, STATS: 8 } as const;

export interface FlowStatsRequest {
  tableId: number;
  outPort?: number;
  outGroup?: number;
  cookie?: bigint;
  cookieMask?: bigint;
  match?: MatchField[];
}

/** Multipart requests: a request of these types may be answered by several replies. */
export const MULTIPART_REQUEST_TYPES: ReadonlySet<OfpMessage['type']> = new Set<OfpMessage['type']>([
  'desc_request',
  'flow_stats_request',
  'aggregate_request',
  'table_stats_request',
  'port_stats_request',
  'port_desc_request',
]);

export type OfpMessage =
  /** `headerVersion`: the version in the peer's header, which matters when it sent no bitmap. */
  | { type: 'hello'; xid: number; versions: number[]; headerVersion?: number }
  | { type: 'error'; xid: number; errType: number; code: number; experimenter?: number; name: string; data: Buffer }
  | { type: 'echo_request' | 'echo_reply'; xid: number; data: Buffer }
  | { type: 'features_request'; xid: number }
  | {
      type: 'features_reply';
      xid: number;
      datapathId: bigint;
      nBuffers: number;
      nTables: number;
      auxiliaryId: number;
      capabilities: number;
    }
  | { type: 'get_config_request'; xid: number }
  | { type: 'get_config_reply' | 'set_config'; xid: number; flags: number; missSendLen: number }
  | { type: 'barrier_request' | 'barrier_reply'; xid: number }
  | ({ type: 'flow_mod'; xid: number } & FlowMod)
  | {
      type: 'packet_out';
      xid: number;
      bufferId: number;
      inPort: number;
      actions: Array<Action | RawAction>;
      data: Buffer;
    }
  | {
      type: 'packet_in';
      xid: number;
      bufferId: number;
      totalLen: number;
      reason: number;
      tableId: number;
      cookie: bigint;
      match: Array<MatchField | RawOxm>;
      data: Buffer;
    }
  | { type: 'port_status'; xid: number; reason: number; port: PortDesc }
  | {
      type: 'flow_removed';
      xid: number;
      cookie: bigint;
      priority: number;
      reason: number;
      tableId: number;
      durationSec: number;
      durationNsec: number;
      idleTimeout: number;
      hardTimeout: number;
      packetCount: bigint;
      byteCount: bigint;
      match: Array<MatchField | RawOxm>;
    }
  | { type: 'flow_stats_request'; xid: number; flags: number; request: FlowStatsRequest }
  | { type: 'flow_stats_reply'; xid: number; flags: number; flows: FlowStats[] }
  | { type: 'port_desc_request'; xid: number; flags: number }
  | { type: 'port_desc_reply'; xid: number; flags: number; ports: PortDesc[] }
  | { type: 'desc_request'; xid: number; flags: number }
  | {
      type: 'desc_reply';
      xid: number;
      flags: number;
      manufacturer: string;
      hardware: string;
      software: string;
      serialNum: string;
      datapath: string;
    }
  | { type: 'aggregate_request'; xid: number; flags: number; request: FlowStatsRequest }
  | { type: 'aggregate_reply'; xid: number; flags: number; packetCount: bigint; byteCount: bigint; flowCount: number }
  | { type: 'table_stats_request'; xid: number; flags: number }
  | { type: 'table_stats_reply'; xid: number; flags: number; tables: TableStats[] }
  | { type: 'port_stats_request'; xid: number; flags: number; portNo: number }
  | { type: 'port_stats_reply'; xid: number; flags: number; stats: PortStats[] }
  | {
      type: 'group_mod';
      xid: number;
      command: 'add' | 'modify' | 'delete';
      groupType: GroupType;
      groupId: number;
      buckets: Bucket[];
    }
  | {
      type: 'meter_mod';
      xid: number;
      command: 'add' | 'modify' | 'delete';
      flags: number;
      meterId: number;
      bands: MeterBand[];
    }
  | { type: 'role_request' | 'role_reply'; xid: number; role: number; generationId: bigint }
  | { type: 'bundle_control'; xid: number; bundleId: number; ctrlType: number; flags: number }
  | { type: 'bundle_add'; xid: number; bundleId: number; flags: number; message: OfpMessage }
  | { type: 'multipart_other'; xid: number; request: boolean; mpType: number; flags: number; body: Buffer }
  | { type: 'unknown'; xid: number; msgType: number; body: Buffer };

/** The message value of one kind (also for members that share a shape, like echo_request/reply). */
export type MessageOf<K extends OfpMessage['type']> = OfpMessage extends infer T
  ? T extends { type: infer U }
    ? K extends U
      ? T
      : never
    : never
  : never;
