// IPv4 fragments against allow rules with a port, with real packets: a later fragment
// carries no ports, so a rule "a -> b tcp/80" must not let fragments reach b's other
// ports, stateful (through OVS's userspace connection tracker, which reassembles
// fragments) or stateless. A UDP listener on b says whether a payload was delivered; a
// sniffer on b says whether any fragment crossed. The control: under a rule that allows
// a -> b udp (no port), the same fragments do reach the listener.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { sharedControllerHost, type Container, type ControllerHost } from './fixture';
import { callControl } from '../../../controller/control/client';
import { deliver } from '../../harness/raw-frames';
import { RAW_FRAME_TOOL } from '../../harness/frame-count';
import { until } from '../../harness/until';
import { fragments, tcpSegment, udpDatagram } from '../../harness/hostile-frames';
import { portsNeedle } from '../../harness/ip-frames';
import type { AllowRequest } from '../../../controller/cnm/rule-status';
import type { FrameEnds } from '../../harness/ip-frames';

/** Prints "ready", then every datagram received on the port, one hex line each. */
const UDP_LISTENER = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', int(sys.argv[1])))
print('ready', flush=True)
while True:
    print(s.recv(65535).hex(), flush=True)
`;

class Listener {
  private out = '';
  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.out += c.toString()));
  }
  static async start(c: Container, port: number): Promise<Listener> {
    const listener = new Listener(c.ns.spawn('/usr/bin/python3', ['-c', UDP_LISTENER, String(port)]));
    await until('the UDP listener', () => listener.out.includes('ready'), 10_000, 20);
    return listener;
  }
  /** Whether a datagram containing `needle` (hex) arrived. */
  received(needle: string): boolean {
    return this.out.split('\n').some((line) => line !== 'ready' && line.includes(needle));
  }
  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/** A marker payload, different per case, 8-byte aligned so fragments split on it. */
const marker = (n: number): Buffer => Buffer.from(`frag${String(n).padStart(4, '0')}`.repeat(4));

describe('IP fragments and allow rules with a port', () => {
  let host: ControllerHost;
  let a: Container, b: Container;
  let ends: FrameEnds;
  const rig = sharedControllerHost({
    needs: ['/usr/bin/python3'],
    prepare: async (h) => {
      host = h;
      await h.network('frag', '10.58.0.0/24', { icc: false });
      a = await h.container('frag', 'frag-a-0000000000000', '10.58.0.2/24');
      b = await h.container('frag', 'frag-b-0000000000000', '10.58.0.3/24');
      ends = { srcMac: a.mac, dstMac: b.mac, srcIp: a.ip, dstIp: b.ip };
    },
  });

  async function withRule(request: Omit<AllowRequest, 'networkId' | 'from' | 'to'>, body: () => Promise<void>) {
    const full = { networkId: 'frag', from: a.ip, to: b.ip, ...request } as AllowRequest;
    const rule = await callControl(host.daemon.controlSocket, 'policy.allow', full);
    await host.daemon.dataplane.waitSynced(10_000);
    try {
      await body();
    } finally {
      await callControl(host.daemon.controlSocket, 'policy.rm', { id: rule.id });
      await host.daemon.dataplane.waitSynced(10_000);
    }
  }

  /** Sends the frames (hex) from a, in order, each three times. */
  async function send(frames: string[]): Promise<void> {
    for (const frame of frames) await a.ns.exec('/usr/bin/python3', [RAW_FRAME_TOOL, 'send', 'eth0', frame]);
  }

  let id = 0x5100;
  /**
   * A UDP datagram (or TCP segment) to b:port in two fragments: the first 1400 bytes, with
   * the ports, and a later one carrying marker(n) alone. OVS's userspace conntrack
   * reassembles only fragments of at least 1200 bytes (but the last), so these are whole
   * datagrams to it; `tiny` makes the first fragment the headers and a few bytes, which it refuses.
   */
  function split(proto: 'udp' | 'tcp', port: number, n: number, tiny = false): [string, string] {
    const header = proto === 'udp' ? 8 : 20;
    const first = tiny ? header + 8 - (header % 8) : 1400;
    const payload = Buffer.concat([Buffer.alloc(first - header, 0x2e), marker(n)]);
    const l4 = proto === 'udp' ? udpDatagram(ends, 40000, port, payload) : tcpSegment(ends, 40000, port, payload);
    return fragments(ends, proto === 'udp' ? 17 : 6, l4, first, id++) as [string, string];
  }
  const needle = (n: number): string => marker(n).toString('hex');

  for (const stateless of [false, true]) {
    const kind = stateless ? 'stateless' : 'stateful';
    test(`${kind} "a -> b tcp/80": no fragment reaches b's other ports`, (t) =>
      rig.run(t, async () => {
        const listener = await Listener.start(b, 9999);
        try {
          await withRule({ proto: 'tcp', port: 80, ...(stateless ? { stateless: true } : {}) }, async () => {
            for (const tiny of [false, true]) {
              const size = tiny ? 'tiny' : 'full-size';
              const base = tiny ? 20 : 0;
              const [udpFirst, udpLater] = split('udp', 9999, base + 1, tiny);
              assert.equal(
                await deliver(a.ns, b.ns, udpLater, needle(base + 1)),
                0,
                `a later ${size} UDP fragment alone`,
              );
              await send([udpFirst, udpLater]);
              const [tcpFirst, tcpLater] = split('tcp', 9999, base + 2, tiny);
              assert.equal(await deliver(a.ns, b.ns, tcpFirst, portsNeedle(40000, 9999)), 0, `${size} first to :9999`);
              assert.equal(await deliver(a.ns, b.ns, tcpLater, needle(base + 2)), 0, `${size} later TCP fragment`);
              // The first fragment of a segment to port 80, then a later one of the same id.
              const [toWeb, webLater] = split('tcp', 80, base + 3, tiny);
              assert.equal(await deliver(a.ns, b.ns, webLater, needle(base + 3)), 0, `${size} later fragment to :80`);
              await send([toWeb]);
              await new Promise((r) => setTimeout(r, 500));
              assert.equal(listener.received(needle(base + 1)), false, `${size} UDP payload at b:9999`);
            }
          });
        } finally {
          listener.stop();
        }
      }));

    test(`control: ${kind} "a -> b udp" delivers the same fragments to b's listener`, (t) =>
      rig.run(t, async () => {
        const listener = await Listener.start(b, 9999);
        try {
          await withRule({ proto: 'udp', ...(stateless ? { stateless: true } : {}) }, async () => {
            const n = 10 + (stateless ? 1 : 0);
            await send(split('udp', 9999, n));
            await until('the datagram at b', () => listener.received(needle(n)), 3000, 50);
          });
        } finally {
          listener.stop();
        }
      }));
  }
});
