// Attacks from inside a container namespace, with real frames: every one is dropped and
// the victims keep working. Each attack has a control case that shows the same probe
// does see traffic when policy allows it, so a broken probe cannot pass the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ControllerHost, type Container } from './fixture';
import { OVS_BINARIES, requireBinaries } from '../../harness/require';
import { withLogs } from '../../harness/failure-logs';
import { ping } from '../../harness/probes';
import type { Netns } from '../../harness/netns';

const RAW = join(__dirname, '..', '..', '..', '..', 'test', 'harness', 'rawframe.py');

const macHex = (mac: string): string => mac.replace(/:/g, '');
const ipHex = (ip: string): string =>
  ip
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('');

/** Sends `frame` from `from` and returns how many copies containing `needle` reach `to`. */
async function deliver(from: Netns, to: Netns, frame: string, needle: string): Promise<number> {
  const sniffer = to.spawn('/usr/bin/python3', [RAW, 'sniff', 'eth0', needle, '1500']);
  let out = '';
  sniffer.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  await from.exec('/usr/bin/python3', [RAW, 'send', 'eth0', frame]);
  await new Promise((r) => sniffer.once('exit', r));
  return Number(out.trim().split('\n').at(-1));
}

test('spoofing, gratuitous ARP, router advertisements, raw frames with ICC off, 802.1Q: all dropped', async (t) => {
  if (!requireBinaries(t, [...OVS_BINARIES, 'ping', '/usr/bin/python3'])) return;
  const host = await ControllerHost.start();
  t.after(() => host.stop());
  await withLogs([host], async () => {
    await host.network('open', '10.41.0.0/24');
    await host.network('closed', '10.42.0.0/24', { icc: false });
    const a = await host.container('open', 'open-attacker-000000', '10.41.0.2/24');
    const b = await host.container('open', 'open-victim-00000000', '10.41.0.3/24');
    const c = await host.container('open', 'open-bystander-00000', '10.41.0.4/24');
    const x = await host.container('closed', 'closed-x-00000000000', '10.42.0.2/24');
    const y = await host.container('closed', 'closed-y-00000000000', '10.42.0.3/24');
    assert.equal(await ping(a.ns, b.ip), true, 'baseline: a reaches b');

    // Spoofed source IP.
    await a.ns.ip('addr', 'add', '10.41.0.99/24', 'dev', 'eth0');
    assert.equal(
      (await a.ns.tryExec('ping', ['-n', '-c', '1', '-W', '0.7', '-I', '10.41.0.99', b.ip])).code === 0,
      false,
      'spoofed source IP',
    );
    await a.ns.ip('addr', 'del', '10.41.0.99/24', 'dev', 'eth0');

    // Spoofed source MAC.
    await a.ns.ip('link', 'set', 'dev', 'eth0', 'address', '02:66:66:66:66:66');
    await a.ns.ip('neigh', 'flush', 'all');
    assert.equal(await ping(a.ns, b.ip, { timeoutMs: 700 }), false, 'spoofed source MAC');
    await a.ns.ip('link', 'set', 'dev', 'eth0', 'address', a.mac);
    assert.equal(await ping(a.ns, b.ip), true, 'a works again with its own MAC');

    // Gratuitous ARP claiming b's address with a's MAC, to everyone.
    const garp =
      `ffffffffffff${macHex(a.mac)}0806` + `0001080006040002${macHex(a.mac)}${ipHex(b.ip)}ffffffffffff${ipHex(b.ip)}`;
    assert.equal(
      await deliver(a.ns, c.ns, garp, `${macHex(a.mac)}${ipHex(b.ip)}`),
      0,
      'gratuitous ARP for another address',
    );
    const honest =
      `ffffffffffff${macHex(a.mac)}0806` + `0001080006040002${macHex(a.mac)}${ipHex(a.ip)}ffffffffffff${ipHex(a.ip)}`;
    assert.ok(
      (await deliver(a.ns, c.ns, honest, `${macHex(a.mac)}${ipHex(a.ip)}`)) > 0,
      'control: an honest gratuitous ARP is flooded',
    );
    assert.equal(await ping(c.ns, b.ip), true, 'the victim is unaffected');

    // IPv6 router advertisement (ICMPv6 type 134) to all nodes.
    const ra =
      `333300000001${macHex(a.mac)}86dd` +
      '6000000000103aff' +
      'fe800000000000000000000000000001' +
      'ff020000000000000000000000000001' +
      '86000000' +
      '40000708' +
      '0000000000000000';
    assert.equal(await deliver(a.ns, c.ns, ra, '8600000040000708'), 0, 'router advertisement');

    // Raw non-IP frame to a peer in an ICC-off network; the same frame passes with ICC on.
    const raw = (to: Container, from: Container): string =>
      `${macHex(to.mac)}${macHex(from.mac)}88b5${'c0ffee'.repeat(10)}`;
    assert.equal(await deliver(x.ns, y.ns, raw(y, x), 'c0ffeec0ffee'), 0, 'raw frame with ICC off');
    assert.ok((await deliver(a.ns, b.ns, raw(b, a), 'c0ffeec0ffee')) > 0, 'control: the raw frame passes with ICC on');

    // 802.1Q-tagged frame to b.
    const tagged = `${macHex(b.mac)}${macHex(a.mac)}8100000588b5${'beef'.repeat(15)}`;
    assert.equal(await deliver(a.ns, b.ns, tagged, 'beefbeefbeef'), 0, '802.1Q-tagged frame');
    assert.equal(await ping(a.ns, b.ip), true, 'still working at the end');
    void c;
  });
});
