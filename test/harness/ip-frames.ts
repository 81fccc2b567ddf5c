// Hand-made IPv4 frames with correct checksums (as hex for rawframe.py), for tests that
// must put exactly one chosen segment on the wire: a switch that tracks connections drops
// a frame with a wrong checksum as invalid, which would let a test pass for the wrong reason.

export interface FrameEnds {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
}

export const mac = (m: string): Buffer => Buffer.from(m.replace(/:/g, ''), 'hex');
export const ipv4 = (ip: string): Buffer => Buffer.from(ip.split('.').map(Number));

/** The Internet checksum (RFC 1071) of the concatenated buffers. */
export function checksum(...parts: Buffer[]): number {
  const data = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum += (data[i] as number) * 256 + (data[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipPacket(ends: FrameEnds, proto: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt8(0x45, 0);
  header.writeUInt16BE(20 + payload.length, 2);
  header.writeUInt16BE(0x1234, 4);
  header.writeUInt16BE(0x4000, 6); // don't fragment
  header.writeUInt8(64, 8);
  header.writeUInt8(proto, 9);
  ipv4(ends.srcIp).copy(header, 12);
  ipv4(ends.dstIp).copy(header, 16);
  header.writeUInt16BE(checksum(header), 10);
  return Buffer.concat([mac(ends.dstMac), mac(ends.srcMac), Buffer.from([0x08, 0x00]), header, payload]);
}

/** A TCP SYN from srcIp:sport to dstIp:dport, as hex. */
export function tcpSyn(ends: FrameEnds, sport: number, dport: number): string {
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(sport, 0);
  tcp.writeUInt16BE(dport, 2);
  tcp.writeUInt32BE(0x01020304, 4);
  tcp.writeUInt8(5 << 4, 12);
  tcp.writeUInt8(0x02, 13); // SYN
  tcp.writeUInt16BE(64240, 14);
  const pseudo = Buffer.concat([ipv4(ends.srcIp), ipv4(ends.dstIp), Buffer.from([0, 6, 0, tcp.length])]);
  tcp.writeUInt16BE(checksum(pseudo, tcp), 16);
  return ipPacket(ends, 6, tcp).toString('hex');
}

/** The bytes of a TCP or UDP header's ports, to recognise the segment in a capture. */
export function portsNeedle(sport: number, dport: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  return b.toString('hex');
}
