// The connection tracker, as far as the simulator needs it: connections committed per zone
// by their original 5-tuple, a later frame's ct_state from whether it travels the
// original direction (+est), the reverse (+est+rpl), is an ICMP error between the two ends
// of one (+rel), or none of these (+new). No TCP state machine: a frame the real tracker
// would call invalid is not told apart here.
import { CtState } from './conntrack';
import { IpProto } from './protocols';

/** The frame's fields the tracker reads, as the simulator holds them. */
export type TrackedFrame = ReadonlyMap<string, bigint>;

/** ICMP (type 3, 11, 12) and ICMPv6 (types 1-4) errors. */
const ICMP_ERRORS = new Set([3, 11, 12]);
const ICMPV6_ERRORS = new Set([1, 2, 3, 4]);

interface Ends {
  src: string;
  dst: string;
  proto: bigint;
  sport: bigint;
  dport: bigint;
}

function ends(frame: TrackedFrame): Ends | undefined {
  const v6 = frame.has('ipv6_src');
  const src = frame.get(v6 ? 'ipv6_src' : 'ip_src');
  const dst = frame.get(v6 ? 'ipv6_dst' : 'ip_dst');
  const proto = frame.get('ip_proto');
  if (src === undefined || dst === undefined || proto === undefined) return undefined;
  const port = (name: 'src' | 'dst'): bigint =>
    frame.get(`tcp_${name}`) ?? frame.get(`udp_${name}`) ?? frame.get(`sctp_${name}`) ?? 0n;
  return { src: src.toString(16), dst: dst.toString(16), proto, sport: port('src'), dport: port('dst') };
}

const key = (zone: number, e: Ends): string => `${zone}|${e.proto}|${e.src}:${e.sport}>${e.dst}:${e.dport}`;
const reversed = (e: Ends): Ends => ({ ...e, src: e.dst, dst: e.src, sport: e.dport, dport: e.sport });
const pair = (zone: number, a: string, b: string): string => `${zone}|${[a, b].sort().join('|')}`;

function isIcmpError(frame: TrackedFrame): boolean {
  const proto = frame.get('ip_proto');
  if (proto === BigInt(IpProto.ICMP)) return ICMP_ERRORS.has(Number(frame.get('icmp_type') ?? -1n));
  if (proto === BigInt(IpProto.ICMPV6)) return ICMPV6_ERRORS.has(Number(frame.get('icmpv6_type') ?? -1n));
  return false;
}

export class SimulatedConntrack {
  private readonly connections = new Set<string>();
  /** Address pairs with a committed connection, for related ICMP errors. */
  private readonly pairs = new Set<string>();

  /** The ct_state of `frame` in `zone`. */
  state(zone: number, frame: TrackedFrame): number {
    const e = ends(frame);
    if (!e) return CtState.TRACKED | CtState.INVALID;
    if (this.connections.has(key(zone, e))) return CtState.TRACKED | CtState.ESTABLISHED;
    if (this.connections.has(key(zone, reversed(e)))) return CtState.TRACKED | CtState.ESTABLISHED | CtState.REPLY;
    if (isIcmpError(frame) && this.pairs.has(pair(zone, e.src, e.dst))) return CtState.TRACKED | CtState.RELATED;
    return CtState.TRACKED | CtState.NEW;
  }

  /** Commits the frame's connection (nothing when it is one already, in either direction). */
  commit(zone: number, frame: TrackedFrame): void {
    const e = ends(frame);
    if (!e || this.connections.has(key(zone, reversed(e)))) return;
    this.connections.add(key(zone, e));
    this.pairs.add(pair(zone, e.src, e.dst));
  }

  get size(): number {
    return this.connections.size;
  }
}
