// Hand-made Ethernet frames sent from one namespace and counted in another (rawframe.py),
// for the attack batteries: a frame the pipeline must drop is counted 0 times.
import { join } from 'node:path';
import type { Netns } from './netns';

const RAW = join(__dirname, '..', '..', '..', 'test', 'harness', 'rawframe.py');

export const macHex = (mac: string): string => mac.replace(/:/g, '');
export const ipHex = (ip: string): string =>
  ip
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('');

/** Sends `frame` from `from` and returns how many copies containing `needle` reach `to`. */
export async function deliver(from: Netns, to: Netns, frame: string, needle: string): Promise<number> {
  const sniffer = to.spawn('/usr/bin/python3', [RAW, 'sniff', 'eth0', needle, '1500']);
  let out = '';
  sniffer.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  await from.exec('/usr/bin/python3', [RAW, 'send', 'eth0', frame]);
  await new Promise((r) => sniffer.once('exit', r));
  return Number(out.trim().split('\n').at(-1));
}

/** A gratuitous ARP reply from `mac` claiming `ip`. */
export function gratuitousArp(mac: string, ip: string): string {
  return `ffffffffffff${macHex(mac)}0806` + `0001080006040002${macHex(mac)}${ipHex(ip)}ffffffffffff${ipHex(ip)}`;
}
