// IPv6 on an ovsnet network with a real OVS: containers reach each other over IPv6, their
// neighbour solicitations for known addresses are answered by the switch (the target never
// sees them, like ARP), and an advertisement claiming someone else's address is dropped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedControllerHost, type Container } from './fixture';

// One dual-stack network with containers a (::10), b (::11) and c (::12).
describe('IPv6 neighbour discovery on an ovsnet network', () => {
  let a: Container, b: Container, c: Container;
  const rig = sharedControllerHost({
    needs: ['tcpdump'],
    prepare: async (host) => {
      await host.network('v6', '10.56.0.0/24', { ipv6: [{ pool: 'fd00:56::/64', gateway: 'fd00:56::1' }] });
      const made: Container[] = [];
      for (const [i, name] of ['a', 'b', 'c'].entries()) {
        const ns = await host.containerWith('v6', `ep-${name}-v6test`, `10.56.0.${10 + i}/24`, `fd00:56::${10 + i}/64`);
        made.push(ns);
      }
      [a, b, c] = made as [Container, Container, Container];
    },
  });

  test('the switch answers a solicitation for a known address: a reaches b, b never sees it', (t) =>
    rig.run(t, async () => {
      // b listens for solicitations while a resolves b's address.
      const capture = b.ns.tryExec('timeout', ['6', 'tcpdump', '-n', '-l', '-i', 'eth0', 'icmp6 and ip6[40] == 135']);
      await new Promise((r) => setTimeout(r, 1500));
      const ping = await a.ns.tryExec('ping', ['-6', '-c', '2', '-W', '2', 'fd00:56::11']);
      assert.equal(ping.code, 0, `a pings b over IPv6: ${ping.stdout}${ping.stderr}`);
      const neighbours = await a.ns.ip('-6', 'neigh', 'show', 'fd00:56::11');
      assert.match(neighbours, new RegExp(`lladdr ${b.mac}`), `a learnt b's MAC: ${neighbours}`);
      const seen = (await capture).stdout;
      assert.doesNotMatch(
        seen,
        /who has fd00:56::11/,
        `b never saw a solicitation for its address (the switch answered):\n${seen}`,
      );
    }));

  test('a container reaches its IPv6 gateway', (t) =>
    rig.run(t, async () => {
      assert.equal(
        (await c.ns.tryExec('ping', ['-6', '-c', '1', '-W', '2', 'fd00:56::1'])).code,
        0,
        'c reaches the IPv6 gateway',
      );
    }));

  test("an advertisement claiming another container's address is dropped", (t) =>
    rig.run(t, async () => {
      // a must hold b in its cache for the forgery to have something to override.
      await a.ns.tryExec('ping', ['-6', '-c', '1', '-W', '2', 'fd00:56::11']);
      // c claims b's address in an unsolicited advertisement; a's cache must keep b's MAC.
      await c.ns.exec('python3', ['-c', FORGE_NA, 'eth0', 'fd00:56::11', c.mac]);
      await new Promise((r) => setTimeout(r, 500));
      const after = await a.ns.ip('-6', 'neigh', 'show', 'fd00:56::11');
      assert.doesNotMatch(after, new RegExp(`lladdr ${c.mac}`), `the forged advertisement did not reach a: ${after}`);
      assert.equal(
        (await a.ns.tryExec('ping', ['-6', '-c', '1', '-W', '2', 'fd00:56::11'])).code,
        0,
        'a still reaches b',
      );
    }));
});

// An unsolicited, overriding neighbour advertisement to all nodes, from a raw socket.
const FORGE_NA = `
import socket, struct, sys
iface, target, mac = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3].replace(':', ''))
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.SOL_SOCKET, 25, iface.encode())
body = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + socket.inet_pton(socket.AF_INET6, target) + bytes([2, 1]) + mac
for _ in range(3):
    s.sendto(body, ('ff02::1', 0, 0, socket.if_nametoindex(iface)))
`;
