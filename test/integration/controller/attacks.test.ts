// Attacks from inside a container namespace, with real frames: every one is dropped and
// the victims keep working. Each attack has a control case that shows the same probe
// does see traffic when policy allows it, so a broken probe cannot pass the test.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedControllerHost, type Container } from './fixture';
import { ping } from '../../harness/probes';
import { deliver, ipHex, macHex } from '../../harness/raw-frames';

// One host: "open" (ICC on) with attacker a, victim b and bystander c; "closed" (ICC off)
// with x and y. Each test leaves the containers as it found them.
describe('attacks from inside a container are dropped', () => {
  let a: Container, b: Container, c: Container, x: Container, y: Container;
  const rig = sharedControllerHost({
    needs: ['ping', '/usr/bin/python3'],
    prepare: async (host) => {
      await host.network('open', '10.41.0.0/24');
      await host.network('closed', '10.42.0.0/24', { icc: false });
      a = await host.container('open', 'open-attacker-000000', '10.41.0.2/24');
      b = await host.container('open', 'open-victim-00000000', '10.41.0.3/24');
      c = await host.container('open', 'open-bystander-00000', '10.41.0.4/24');
      x = await host.container('closed', 'closed-x-00000000000', '10.42.0.2/24');
      y = await host.container('closed', 'closed-y-00000000000', '10.42.0.3/24');
    },
  });

  test('control: without an attack, a reaches b', (t) =>
    rig.run(t, async () => {
      assert.equal(await ping(a.ns, b.ip), true, 'baseline: a reaches b');
    }));

  test('a spoofed source IP is dropped', (t) =>
    rig.run(t, async () => {
      await a.ns.ip('addr', 'add', '10.41.0.99/24', 'dev', 'eth0');
      assert.equal(
        (await a.ns.tryExec('ping', ['-n', '-c', '1', '-W', '0.7', '-I', '10.41.0.99', b.ip])).code === 0,
        false,
        'spoofed source IP',
      );
      await a.ns.ip('addr', 'del', '10.41.0.99/24', 'dev', 'eth0');
    }));

  test('a spoofed source MAC is dropped; the container works again with its own', (t) =>
    rig.run(t, async () => {
      await a.ns.ip('link', 'set', 'dev', 'eth0', 'address', '02:66:66:66:66:66');
      await a.ns.ip('neigh', 'flush', 'all');
      assert.equal(await ping(a.ns, b.ip, { timeoutMs: 700 }), false, 'spoofed source MAC');
      await a.ns.ip('link', 'set', 'dev', 'eth0', 'address', a.mac);
      assert.equal(await ping(a.ns, b.ip), true, 'a works again with its own MAC');
    }));

  test("a gratuitous ARP claiming another container's address is dropped (an honest one is flooded)", (t) =>
    rig.run(t, async () => {
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
    }));

  test('an IPv6 router advertisement is dropped', (t) =>
    rig.run(t, async () => {
      // ICMPv6 type 134 to all nodes.
      const ra =
        `333300000001${macHex(a.mac)}86dd` +
        '6000000000103aff' +
        'fe800000000000000000000000000001' +
        'ff020000000000000000000000000001' +
        '86000000' +
        '40000708' +
        '0000000000000000';
      assert.equal(await deliver(a.ns, c.ns, ra, '8600000040000708'), 0, 'router advertisement');
    }));

  test('a raw non-IP frame to a peer is dropped with ICC off (and passes with ICC on)', (t) =>
    rig.run(t, async () => {
      const raw = (to: Container, from: Container): string =>
        `${macHex(to.mac)}${macHex(from.mac)}88b5${'c0ffee'.repeat(10)}`;
      assert.equal(await deliver(x.ns, y.ns, raw(y, x), 'c0ffeec0ffee'), 0, 'raw frame with ICC off');
      assert.ok(
        (await deliver(a.ns, b.ns, raw(b, a), 'c0ffeec0ffee')) > 0,
        'control: the raw frame passes with ICC on',
      );
    }));

  test('an 802.1Q-tagged frame is dropped', (t) =>
    rig.run(t, async () => {
      const tagged = `${macHex(b.mac)}${macHex(a.mac)}8100000588b5${'beef'.repeat(15)}`;
      assert.equal(await deliver(a.ns, b.ns, tagged, 'beefbeefbeef'), 0, '802.1Q-tagged frame');
      assert.equal(await ping(a.ns, b.ip), true, 'still working at the end');
    }));
});
