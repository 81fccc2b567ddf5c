// Hand-made Ethernet frames sent from one namespace and counted in another (rawframe.py),
// for the attack batteries: a frame the pipeline must drop is counted 0 times.
import { deliverFrame, ipv4Hex, macHex } from './frame-count';

export { macHex };
export const ipHex = ipv4Hex;

/** Sends `frame` from `from` and returns how many copies containing `needle` reach `to`. */
export const deliver = deliverFrame;

/** A gratuitous ARP reply from `mac` claiming `ip`. */
export function gratuitousArp(mac: string, ip: string): string {
  return `ffffffffffff${macHex(mac)}0806` + `0001080006040002${macHex(mac)}${ipHex(ip)}ffffffffffff${ipHex(ip)}`;
}
