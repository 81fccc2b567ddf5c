// Hand-made frames a hostile container might send, as hex for rawframe.py: DHCP server
// replies, stacked VLAN tags, IPv6 duplicate address detection and advertisements, IPv4
// fragments, and ARP/ND cut short. Checksums are right wherever a receiver or the
// connection tracker would check them, so a drop is the switch's doing.
import { checksum, ipv4, mac, type FrameEnds } from './ip-frames';

const hex = (...parts: Buffer[]): string => Buffer.concat(parts).toString('hex');
const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const ethernet = (dst: string, src: string, type: number): Buffer => Buffer.concat([mac(dst), mac(src), u16(type)]);

/** An IPv6 address (any RFC 4291 text form without an embedded IPv4 part) as 16 bytes. */
export function ipv6(address: string): Buffer {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const all =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return Buffer.concat(all.map((g) => u16(parseInt(g, 16))));
}

// ---- IPv4 ----

export interface Ipv4Options {
  /** Fragment offset in bytes (a multiple of 8). */
  offset?: number;
  moreFragments?: boolean;
  id?: number;
  /** The length the header claims, when it should lie. */
  totalLength?: number;
}

function ipv4Header(ends: FrameEnds, proto: number, payloadLength: number, options: Ipv4Options): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt8(0x45, 0);
  header.writeUInt16BE(options.totalLength ?? 20 + payloadLength, 2);
  header.writeUInt16BE(options.id ?? 0x4242, 4);
  header.writeUInt16BE(((options.moreFragments ? 1 : 0) << 13) | ((options.offset ?? 0) >> 3), 6);
  header.writeUInt8(64, 8);
  header.writeUInt8(proto, 9);
  ipv4(ends.srcIp).copy(header, 12);
  ipv4(ends.dstIp).copy(header, 16);
  header.writeUInt16BE(checksum(header), 10);
  return header;
}

/** An IPv4 packet (or one fragment of one) carrying `payload`, as hex. */
export function ipv4Frame(ends: FrameEnds, proto: number, payload: Buffer, options: Ipv4Options = {}): string {
  return hex(ethernet(ends.dstMac, ends.srcMac, 0x0800), ipv4Header(ends, proto, payload.length, options), payload);
}

/** A UDP datagram (header and payload, checksum filled in) ready for an IPv4 packet. */
export function udpDatagram(ends: FrameEnds, sport: number, dport: number, payload: Buffer): Buffer {
  const udp = Buffer.concat([u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload]);
  const pseudo = Buffer.concat([ipv4(ends.srcIp), ipv4(ends.dstIp), Buffer.from([0, 17]), u16(udp.length)]);
  udp.writeUInt16BE(checksum(pseudo, udp) || 0xffff, 6);
  return udp;
}

/** A TCP segment (SYN with `payload`, checksum filled in) ready for an IPv4 packet. */
export function tcpSegment(ends: FrameEnds, sport: number, dport: number, payload: Buffer): Buffer {
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(sport, 0);
  tcp.writeUInt16BE(dport, 2);
  tcp.writeUInt32BE(0x0a0b0c0d, 4);
  tcp.writeUInt8(5 << 4, 12);
  tcp.writeUInt8(0x02, 13);
  tcp.writeUInt16BE(64240, 14);
  const segment = Buffer.concat([tcp, payload]);
  const pseudo = Buffer.concat([ipv4(ends.srcIp), ipv4(ends.dstIp), Buffer.from([0, 6]), u16(segment.length)]);
  segment.writeUInt16BE(checksum(pseudo, segment), 16);
  return segment;
}

/**
 * The fragments of one IPv4 packet carrying `l4` (a whole UDP datagram or TCP segment):
 * the first holds `firstBytes` of it (ports included), the later ones the rest.
 */
export function fragments(ends: FrameEnds, proto: number, l4: Buffer, firstBytes: number, id: number): string[] {
  if (firstBytes % 8 !== 0) throw new Error('a fragment that is not the last carries a multiple of 8 bytes');
  return [
    ipv4Frame(ends, proto, l4.subarray(0, firstBytes), { id, moreFragments: true }),
    ipv4Frame(ends, proto, l4.subarray(firstBytes), { id, offset: firstBytes }),
  ];
}

/** A DHCPv4 server reply (BOOTREPLY) offering or acknowledging `yiaddr`, from UDP 67 to 68. */
export function dhcpReply(ends: FrameEnds, kind: 'offer' | 'ack', yiaddr: string, xid: number, sport = 67): string {
  const bootp = Buffer.alloc(236);
  bootp.writeUInt8(2, 0); // BOOTREPLY
  bootp.writeUInt8(1, 1);
  bootp.writeUInt8(6, 2);
  bootp.writeUInt32BE(xid, 4);
  ipv4(yiaddr).copy(bootp, 16);
  ipv4(ends.srcIp).copy(bootp, 20);
  mac(ends.dstMac).copy(bootp, 28);
  const options = Buffer.from([
    0x63,
    0x82,
    0x53,
    0x63,
    53,
    1,
    kind === 'offer' ? 2 : 5,
    54,
    4,
    ...ipv4(ends.srcIp),
    255,
  ]);
  return ipv4Frame(ends, 17, udpDatagram(ends, sport, 68, Buffer.concat([bootp, options])));
}

// ---- tags ----

/** A frame whose first tag has `tpid` (0x88a8 for 802.1ad, 0x9100 for pre-standard QinQ), then an 802.1Q tag. */
export function stackedTags(dst: string, src: string, tpid: number, payloadHex: string): string {
  return hex(mac(dst), mac(src), u16(tpid), u16(5), u16(0x8100), u16(6), u16(0x88b5), Buffer.from(payloadHex, 'hex'));
}

/** A frame with one tag of `tpid` and nothing stacked inside. */
export function singleTag(dst: string, src: string, tpid: number, payloadHex: string): string {
  return hex(mac(dst), mac(src), u16(tpid), u16(5), u16(0x88b5), Buffer.from(payloadHex, 'hex'));
}

// ---- IPv6 neighbour discovery ----

export interface Ipv6Ends {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
}

/** An ICMPv6 message with its checksum, in an IPv6 packet with hop limit 255, as hex. */
function icmpv6Frame(ends: Ipv6Ends, body: Buffer, payloadLength?: number): string {
  const src = ipv6(ends.srcIp);
  const dst = ipv6(ends.dstIp);
  const pseudo = Buffer.concat([src, dst, Buffer.from([0, 0]), u16(body.length), Buffer.from([0, 0, 0, 58])]);
  body.writeUInt16BE(checksum(pseudo, body), 2);
  const header = Buffer.concat([
    Buffer.from([0x60, 0, 0, 0]),
    u16(payloadLength ?? body.length),
    Buffer.from([58, 255]),
    src,
    dst,
  ]);
  return hex(ethernet(ends.dstMac, ends.srcMac, 0x86dd), header, body);
}

/** The solicited-node multicast address of `target` and its MAC (RFC 4291 2.7.1, RFC 2464 7). */
export function solicitedNode(target: string): { ip: string; mac: string } {
  const t = ipv6(target);
  const low = [t[13], t[14], t[15]].map((b) => (b as number).toString(16).padStart(2, '0'));
  return { ip: `ff02::1:ff${low[0]}:${low[1]}${low[2]}`, mac: `33:33:ff:${low.join(':')}` };
}

/** Duplicate address detection for `target` (RFC 4862 5.4.2): an NS from ::, without options. */
export function dadSolicitation(srcMac: string, target: string): string {
  const group = solicitedNode(target);
  const body = Buffer.concat([Buffer.from([135, 0, 0, 0, 0, 0, 0, 0]), ipv6(target)]);
  return icmpv6Frame({ srcMac, dstMac: group.mac, srcIp: '::', dstIp: group.ip }, body);
}

/** An unsolicited, overriding NA to all nodes claiming `target` is at `srcMac`. */
export function overridingAdvertisement(srcMac: string, srcIp: string, target: string): string {
  const body = Buffer.concat([
    Buffer.from([136, 0, 0, 0, 0x20, 0, 0, 0]),
    ipv6(target),
    Buffer.from([2, 1]),
    mac(srcMac),
  ]);
  return icmpv6Frame({ srcMac, dstMac: '33:33:00:00:00:01', srcIp, dstIp: 'ff02::1' }, body);
}

/**
 * A neighbour solicitation for `target` cut after `keep` bytes of ICMPv6; the IPv6 header
 * either claims the whole message (`honestLength` false) or just what is there.
 */
export function truncatedSolicitation(ends: Ipv6Ends, target: string, keep: number, honestLength: boolean): string {
  const whole = Buffer.concat([
    Buffer.from([135, 0, 0, 0, 0, 0, 0, 0]),
    ipv6(target),
    Buffer.from([1, 1]),
    mac(ends.srcMac),
  ]);
  const cut = Buffer.from(whole.subarray(0, keep));
  return icmpv6Frame(ends, cut, honestLength ? cut.length : whole.length);
}

// ---- ARP ----

/** An ARP message (1 request, 2 reply) from `sha`/`spa` to `tha`/`tpa`, sent to `dst`. */
export function arpFrame(dst: string, op: number, sha: string, spa: string, tha: string, tpa: string): string {
  const arp = Buffer.concat([
    u16(1),
    u16(0x0800),
    Buffer.from([6, 4]),
    u16(op),
    mac(sha),
    ipv4(spa),
    mac(tha),
    ipv4(tpa),
  ]);
  return hex(ethernet(dst, sha, 0x0806), arp);
}

/** `frame` (hex) cut to its first `bytes` bytes. */
export const truncated = (frame: string, bytes: number): string => frame.slice(0, bytes * 2);
