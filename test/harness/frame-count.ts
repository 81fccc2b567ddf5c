// Counting frames that carry given bytes, seen on an interface of a namespace while
// something happens: the evidence for "this crossed the underlay" or "this never arrived".
import { join } from 'node:path';
import type { Netns } from './netns';
import { until } from './until';

/** The raw frame tool (send/sniff), in the source tree beside this harness. */
export const RAW_FRAME_TOOL = join(__dirname, '..', '..', '..', 'test', 'harness', 'rawframe.py');

/** A namespace a sniffer can run in: a test Netns, or anything that spawns inside one. */
export type SniffHost = Pick<Netns, 'spawn'>;

/** How many frames containing `needle` (hex) `iface` in `ns` receives while `during` runs (and up to `ms`). */
export async function countFrames(
  ns: SniffHost,
  iface: string,
  needle: string,
  during: () => Promise<unknown>,
  ms = 1500,
): Promise<number> {
  const sniffer = ns.spawn('/usr/bin/python3', [RAW_FRAME_TOOL, 'sniff', iface, needle, String(ms)]);
  const exited = new Promise((resolve) => sniffer.once('exit', resolve));
  let out = '';
  sniffer.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await until('the sniffer', () => out.includes('ready'), 10_000, 20);
  await during();
  await exited;
  return Number(out.trim().split('\n').at(-1));
}

export const macHex = (mac: string): string => mac.replace(/:/g, '');
export const ipv4Hex = (ip: string): string =>
  ip
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('');

/** Sends `frame` (hex) from `from`'s eth0 and returns how many copies containing `needle` reach `to`'s eth0. */
export function deliverFrame(from: Netns, to: Netns, frame: string, needle: string): Promise<number> {
  return countFrames(to, 'eth0', needle, () => from.exec('/usr/bin/python3', [RAW_FRAME_TOOL, 'send', 'eth0', frame]));
}
