// Beyond attacks.test.ts: DHCP server replies, stacked VLAN tags, IPv6 duplicate address
// detection, spoofing the gateway, and ARP/ND cut short, each sent as real frames from a
// container namespace. Every attack is counted at its victim (0 copies), beside a control
// that shows the same injector's honest variant arriving, so a broken probe cannot pass.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedControllerHost, type Container, type ControllerHost } from './fixture';
import { ping } from '../../harness/probes';
import { deliver, gratuitousArp, ipHex, macHex } from '../../harness/raw-frames';
import { until } from '../../harness/until';
import { RAW_FRAME_TOOL } from '../../harness/frame-count';
import {
  arpFrame,
  dadSolicitation,
  dhcpReply,
  ipv4Frame,
  ipv6,
  overridingAdvertisement,
  singleTag,
  stackedTags,
  truncated,
  truncatedSolicitation,
  udpDatagram,
} from '../../harness/hostile-frames';

const GATEWAY = '10.57.0.1';
const GATEWAY6 = 'fd00:57::1';
/** An address of the host beyond the gateway, to prove traffic is still routed through it. */
const BEYOND_GATEWAY = '10.99.57.1';

/** The frame's IPv6 target as the needle of an ND message: reserved/flags word and target. */
const targetNeedle = (flags: string, target: string): string => `${flags}${ipv6(target).toString('hex')}`;

/** Whether `ns` holds `address` on eth0 with no DAD flag left (tentative or dadfailed). */
async function addressState(
  c: Container,
  address: string,
): Promise<'preferred' | 'tentative' | 'dadfailed' | 'absent'> {
  const line = (await c.ns.ip('-6', '-o', 'addr', 'show', 'dev', 'eth0'))
    .split('\n')
    .find((l) => l.includes(` ${address}/`));
  if (line === undefined) return 'absent';
  if (line.includes('dadfailed')) return 'dadfailed';
  return line.includes('tentative') ? 'tentative' : 'preferred';
}

// One dual-stack network with ICC on: attacker a, victim b, bystander c (added without DAD,
// as the fixture does); the DAD tests add containers of their own with DAD on.
describe('hostile frames from a container are dropped', () => {
  let host: ControllerHost;
  let a: Container, b: Container, c: Container;
  const rig = sharedControllerHost({
    needs: ['ping', '/usr/bin/python3'],
    prepare: async (h) => {
      host = h;
      await h.network('hostile', '10.57.0.0/24', { ipv6: [{ pool: 'fd00:57::/64', gateway: GATEWAY6 }] });
      a = await h.containerWith('hostile', 'hostile-attacker-000', '10.57.0.2/24', 'fd00:57::2/64');
      b = await h.containerWith('hostile', 'hostile-victim-00000', '10.57.0.3/24', 'fd00:57::3/64');
      c = await h.containerWith('hostile', 'hostile-bystander-00', '10.57.0.4/24', 'fd00:57::4/64');
      await h.ovs.netns.ip('link', 'set', 'dev', 'lo', 'up');
      await h.ovs.netns.ip('addr', 'add', `${BEYOND_GATEWAY}/32`, 'dev', 'lo');
    },
  });

  test('DHCP offers and acks from a container are dropped, broadcast or to a peer (other UDP passes)', (t) =>
    rig.run(t, async () => {
      const toAll = { srcMac: a.mac, dstMac: 'ff:ff:ff:ff:ff:ff', srcIp: a.ip, dstIp: '255.255.255.255' };
      const toB = { srcMac: a.mac, dstMac: b.mac, srcIp: a.ip, dstIp: b.ip };
      const xid = 0xd4c90001;
      for (const kind of ['offer', 'ack'] as const) {
        const needle = xid.toString(16);
        assert.equal(await deliver(a.ns, c.ns, dhcpReply(toAll, kind, c.ip, xid), needle), 0, `broadcast ${kind}`);
        assert.equal(await deliver(a.ns, b.ns, dhcpReply(toB, kind, b.ip, xid), needle), 0, `${kind} to a peer`);
      }
      // The same datagrams from a port that is not the DHCP server's are ordinary UDP.
      const needle = xid.toString(16);
      assert.ok(
        (await deliver(a.ns, c.ns, dhcpReply(toAll, 'offer', c.ip, xid, 1067), needle)) > 0,
        'control: broadcast',
      );
      assert.ok((await deliver(a.ns, b.ns, dhcpReply(toB, 'ack', b.ip, xid, 1067), needle)) > 0, 'control: to a peer');
    }));

  test('802.1ad (0x88a8) and 0x9100 tagged frames are dropped (the untagged frame passes)', (t) =>
    rig.run(t, async () => {
      const payload = 'ad1ad1'.repeat(10);
      for (const tpid of [0x88a8, 0x9100]) {
        const name = tpid.toString(16);
        assert.equal(await deliver(a.ns, b.ns, stackedTags(b.mac, a.mac, tpid, payload), payload), 0, `${name} + 8100`);
        assert.equal(await deliver(a.ns, b.ns, singleTag(b.mac, a.mac, tpid, payload), payload), 0, `${name} alone`);
      }
      const untagged = `${macHex(b.mac)}${macHex(a.mac)}88b5${payload}`;
      assert.ok((await deliver(a.ns, b.ns, untagged, payload)) > 0, 'control: untagged');
      assert.equal(await ping(a.ns, b.ip), true, 'a still reaches b');
    }));

  test('a container with DAD on gets its address to preferred; its own DAD solicitation is flooded', (t) =>
    rig.run(t, async () => {
      const d = await host.containerWith('hostile', 'hostile-dad-00000000', '10.57.0.20/24', 'fd00:57::20/64', {
        dad: true,
      });
      await until('the address passes DAD', async () => (await addressState(d, 'fd00:57::20')) !== 'tentative', 10_000);
      assert.equal(await addressState(d, 'fd00:57::20'), 'preferred', 'DAD completed');
      assert.equal(await ping(d.ns, GATEWAY6), true, 'd reaches the gateway over IPv6');
      assert.equal(await ping(d.ns, 'fd00:57::3'), true, 'd reaches b over IPv6');
      // A DAD probe for one's own address is what a real segment would carry: flooded.
      const own = dadSolicitation(a.mac, 'fd00:57::2');
      assert.ok((await deliver(a.ns, c.ns, own, targetNeedle('00000000', 'fd00:57::2'))) > 0, 'own DAD probe');
    }));

  test("a DAD solicitation for another container's address is dropped; that container keeps it", (t) =>
    rig.run(t, async () => {
      const forged = dadSolicitation(a.mac, 'fd00:57::3');
      assert.equal(await deliver(a.ns, b.ns, forged, targetNeedle('00000000', 'fd00:57::3')), 0, 'DAD for b');
      // A container coming up with DAD on while a claims its address the same way.
      const joining = host.containerWith('hostile', 'hostile-dad-victim-0', '10.57.0.21/24', 'fd00:57::21/64', {
        dad: true,
      });
      const attack = (async () => {
        const started = Date.now();
        while (Date.now() - started < 4000)
          await a.ns.exec('/usr/bin/python3', [RAW_FRAME_TOOL, 'send', 'eth0', dadSolicitation(a.mac, 'fd00:57::21')]);
      })();
      const e = await joining;
      await attack;
      await until('the address passes DAD', async () => (await addressState(e, 'fd00:57::21')) !== 'tentative', 10_000);
      assert.equal(await addressState(e, 'fd00:57::21'), 'preferred', 'the victim kept its address');
      assert.equal(await ping(e.ns, 'fd00:57::3'), true, 'the victim works over IPv6');
    }));

  test("spoofing the gateway's address or MAC is dropped; the gateway keeps working for the others", (t) =>
    rig.run(t, async () => {
      assert.equal(await ping(c.ns, GATEWAY), true, 'c reaches the gateway');
      const gatewayMac = /lladdr (\S+)/.exec(await c.ns.ip('neigh', 'show', GATEWAY))?.[1] as string;
      assert.ok(gatewayMac, "c learnt the gateway's MAC");
      const claim = `${macHex(a.mac)}${ipHex(GATEWAY)}`;
      const reply = arpFrame(c.mac, 2, a.mac, GATEWAY, c.mac, c.ip);
      assert.equal(await deliver(a.ns, c.ns, reply, claim), 0, "ARP reply with the gateway's address");
      assert.equal(await deliver(a.ns, c.ns, gratuitousArp(a.mac, GATEWAY), claim), 0, 'gratuitous ARP for it');
      const na = overridingAdvertisement(a.mac, 'fd00:57::2', GATEWAY6);
      assert.equal(await deliver(a.ns, c.ns, na, targetNeedle('20000000', GATEWAY6)), 0, 'NA for the gateway');
      const payload = Buffer.from('gatewaymacgatewaymac');
      const asGateway = { srcMac: gatewayMac, dstMac: c.mac, srcIp: GATEWAY, dstIp: c.ip };
      const udp = ipv4Frame(asGateway, 17, udpDatagram(asGateway, 5353, 5353, payload));
      assert.equal(await deliver(a.ns, c.ns, udp, payload.toString('hex')), 0, "IPv4 from the gateway's MAC");
      const raw = `${macHex(c.mac)}${macHex(gatewayMac)}88b5${payload.toString('hex')}`;
      assert.equal(await deliver(a.ns, c.ns, raw, payload.toString('hex')), 0, "a raw frame from the gateway's MAC");
      // Control: the same ARP reply claiming a's own address arrives.
      const honest = arpFrame(c.mac, 2, a.mac, a.ip, c.mac, c.ip);
      assert.ok((await deliver(a.ns, c.ns, honest, `${macHex(a.mac)}${ipHex(a.ip)}`)) > 0, 'control: honest reply');

      assert.match(await c.ns.ip('neigh', 'show', GATEWAY), new RegExp(`lladdr ${gatewayMac}`), 'c kept the real MAC');
      assert.equal(await ping(c.ns, GATEWAY), true, 'c reaches the gateway');
      assert.equal(await ping(c.ns, GATEWAY6), true, 'c reaches the IPv6 gateway');
      assert.equal(await ping(c.ns, BEYOND_GATEWAY), true, 'c reaches the host through the gateway');
      assert.equal(await ping(b.ns, BEYOND_GATEWAY), true, 'b reaches the host through the gateway');
    }));

  test('truncated ARP and ND frames are dropped; the switch and the daemon keep working', (t) =>
    rig.run(t, async () => {
      const request = arpFrame('ff:ff:ff:ff:ff:ff', 1, a.mac, a.ip, '00:00:00:00:00:00', b.ip);
      const toB = arpFrame(b.mac, 2, a.mac, a.ip, b.mac, b.ip);
      for (const bytes of [16, 22, 30, 38]) {
        assert.equal(
          await deliver(a.ns, c.ns, truncated(request, bytes), truncated(request, bytes).slice(12 * 2)),
          0,
          `ARP request cut at ${bytes}`,
        );
        assert.equal(
          await deliver(a.ns, b.ns, truncated(toB, bytes), truncated(toB, bytes).slice(12 * 2)),
          0,
          `ARP reply cut at ${bytes}`,
        );
      }
      const ends = { srcMac: a.mac, dstMac: b.mac, srcIp: 'fd00:57::2', dstIp: 'fd00:57::3' };
      for (const keep of [4, 8, 12, 20]) {
        for (const honestLength of [true, false]) {
          const ns = truncatedSolicitation(ends, 'fd00:57::3', keep, honestLength);
          const needle = ns.slice(14 * 2 + 8 * 2, 14 * 2 + 40 * 2); // the addresses in the IPv6 header
          assert.equal(
            await deliver(a.ns, b.ns, ns, needle),
            0,
            `NS cut at ${keep} (length ${honestLength ? 'fits' : 'lies'})`,
          );
        }
      }
      // Control: the whole solicitation without its option reaches b (the switch answers only
      // solicitations carrying a source link-layer address; this one goes on).
      const whole = truncatedSolicitation(ends, 'fd00:57::3', 24, true);
      assert.ok(
        (await deliver(a.ns, b.ns, whole, whole.slice(14 * 2 + 8 * 2, 14 * 2 + 40 * 2))) > 0,
        'control: whole NS',
      );
      assert.equal(await ping(a.ns, b.ip), true, 'a reaches b over IPv4');
      assert.equal(await ping(a.ns, 'fd00:57::3'), true, 'a reaches b over IPv6');
      assert.ok(await host.ovs.appctl('ovs-vswitchd', 'version'), 'ovs-vswitchd answers');
      await host.daemon.dataplane.waitSynced(5000);
    }));
});
