// Encapsulated frames as an attacker on the underlay would write them (RFC 7348 VXLAN,
// RFC 2784/2890 GRE with a key), as hex for rawframe.py. Only what a receiver checks is
// filled in: the outer IPv4 header checksum; UDP checksums are zero, which IPv4 allows.
export interface InnerUdp {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  /** ASCII text, easy to look for in a capture. */
  payload: string;
}

export interface Outer {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  /** The VNI (VXLAN) or key (GRE). */
  key: number;
}

const VXLAN_PORT = 4789;
const IPPROTO_UDP = 17;
const IPPROTO_GRE = 47;
const ETH_P_IPV4 = 0x0800;
const ETH_P_TEB = 0x6558; // transparent Ethernet bridging: GRE carries a whole frame
const GRE_KEY_PRESENT = 0x2000;
const VXLAN_VNI_VALID = 0x08000000;

const mac = (text: string): Buffer => Buffer.from(text.replace(/:/g, ''), 'hex');
const ipv4 = (text: string): Buffer => Buffer.from(text.split('.').map(Number));

function ethernet(src: string, dst: string, type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(14);
  mac(dst).copy(header, 0);
  mac(src).copy(header, 6);
  header.writeUInt16BE(type, 12);
  return Buffer.concat([header, body]);
}

function checksum(bytes: Buffer): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += bytes.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipv4Packet(src: string, dst: string, proto: number, body: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt8(0x45, 0); // version 4, 5 words
  header.writeUInt16BE(20 + body.length, 2);
  header.writeUInt8(64, 8); // TTL
  header.writeUInt8(proto, 9);
  ipv4(src).copy(header, 12);
  ipv4(dst).copy(header, 16);
  header.writeUInt16BE(checksum(header), 10);
  return Buffer.concat([header, body]);
}

function udp(srcPort: number, dstPort: number, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(srcPort, 0);
  header.writeUInt16BE(dstPort, 2);
  header.writeUInt16BE(8 + body.length, 4);
  return Buffer.concat([header, body]);
}

export function innerUdpFrame(inner: InnerUdp): Buffer {
  const datagram = udp(40000, 9999, Buffer.from(inner.payload, 'ascii'));
  return ethernet(inner.srcMac, inner.dstMac, ETH_P_IPV4, ipv4Packet(inner.srcIp, inner.dstIp, IPPROTO_UDP, datagram));
}

export function vxlanFrame(outer: Outer, inner: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(VXLAN_VNI_VALID, 0);
  header.writeUInt32BE((outer.key << 8) >>> 0, 4);
  const datagram = udp(49152, VXLAN_PORT, Buffer.concat([header, inner]));
  return ethernet(outer.srcMac, outer.dstMac, ETH_P_IPV4, ipv4Packet(outer.srcIp, outer.dstIp, IPPROTO_UDP, datagram));
}

export function greFrame(outer: Outer, inner: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(GRE_KEY_PRESENT, 0);
  header.writeUInt16BE(ETH_P_TEB, 2);
  header.writeUInt32BE(outer.key >>> 0, 4);
  return ethernet(
    outer.srcMac,
    outer.dstMac,
    ETH_P_IPV4,
    ipv4Packet(outer.srcIp, outer.dstIp, IPPROTO_GRE, Buffer.concat([header, inner])),
  );
}
