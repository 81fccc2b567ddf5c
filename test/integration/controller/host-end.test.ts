// A container's veth ends on the host as an OVS port, and the userspace datapath reads that
// end through a packet socket, which leaves the host's own stack seeing the same frames. A
// container with raw sockets can send anything to it; here a container of an `--internal`
// network sends what such a container would: an ARP for a host address outside its subnet,
// and a unicast packet to that address inside a broadcast frame. Neither may be answered by
// the host. The same injectors aimed where they are allowed (the container's own gateway, a
// container of its network) are answered, so a probe that sends nothing cannot pass. Both ways ovsnet makes a veth
// are covered: from its pool of ready pairs, and made at the join.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withControllerHost, type Container, type ControllerHost } from './fixture';
import { ping } from '../../harness/probes';

const OTHER_NETWORK_GATEWAY = '10.31.0.1';
const OWN_GATEWAY = '10.33.0.1';
const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

async function hostEndMac(host: ControllerHost, c: Container): Promise<string> {
  const info = await host.daemon.service.endpointInfo(c.networkId, c.endpointId);
  const line = await host.ovs.netns.ip('-br', 'link', 'show', 'dev', info.hostIfname);
  const mac = line.trim().split(/\s+/)[2];
  assert.match(mac ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, `host end of ${c.ip}: ${line}`);
  return mac as string;
}

/** Sends to `address` with the broadcast MAC as its next hop: a unicast packet in a broadcast frame. */
async function pingInBroadcastFrame(c: Container, address: string): Promise<boolean> {
  await c.ns.ip('neigh', 'replace', address, 'lladdr', BROADCAST_MAC, 'dev', 'eth0', 'nud', 'permanent');
  try {
    return await ping(c.ns, address, { timeoutMs: 1000 });
  } finally {
    await c.ns.ip('neigh', 'del', address, 'dev', 'eth0');
  }
}

async function internalContainerProbesTheHost(host: ControllerHost): Promise<void> {
  await host.network('open', '10.31.0.0/24');
  await host.network('inner', '10.33.0.0/24', { internal: true });
  const outsider = await host.container('open', 'open-ep2-0123456789', '10.31.0.2/24');
  const inner = await host.container('inner', 'inner-ep2-0123456789', '10.33.0.2/24');
  const neighbour = await host.container('inner', 'inner-ep3-0123456789', '10.33.0.3/24');
  await host.daemon.dataplane.waitSynced(10_000);

  // The host answers at that address, for those allowed to reach it.
  assert.ok(await ping(outsider.ns, OTHER_NETWORK_GATEWAY), 'control: the open network reaches its gateway');
  assert.ok(await ping(inner.ns, OWN_GATEWAY), 'control: the internal container reaches its own gateway');
  assert.ok(
    await pingInBroadcastFrame(inner, neighbour.ip),
    'control: a unicast packet in a broadcast frame reaches a container of the network, which answers',
  );

  // As if that address were on its link: the container ARPs for it itself.
  await inner.ns.ip('route', 'add', `${OTHER_NETWORK_GATEWAY}/32`, 'dev', 'eth0');
  assert.equal(await ping(inner.ns, OTHER_NETWORK_GATEWAY), false, 'an ARP for a host address was answered');
  const neighbours = await inner.ns.ip('neigh', 'show', 'dev', 'eth0');
  assert.doesNotMatch(neighbours, new RegExp(await hostEndMac(host, inner)), 'the container learned its host end MAC');
  assert.equal(
    await pingInBroadcastFrame(inner, OTHER_NETWORK_GATEWAY),
    false,
    'a host address outside the subnet answered a unicast packet in a broadcast frame',
  );
}

test('an internal container cannot reach the host through its veth (a pooled pair)', async (t) => {
  await withControllerHost(t, { needs: ['ping'] }, internalContainerProbesTheHost);
});

test('an internal container cannot reach the host through its veth (a pair made at the join)', async (t) => {
  await withControllerHost(t, { needs: ['ping'], portPool: 0 }, internalContainerProbesTheHost);
});

test('a host end found open when the daemon starts (left by an earlier ovsnet) is sealed', async (t) => {
  await withControllerHost(t, { needs: ['ping'] }, async (host) => {
    await host.network('open', '10.31.0.0/24');
    await host.network('inner', '10.33.0.0/24', { internal: true });
    const inner = await host.container('inner', 'inner-ep2-0123456789', '10.33.0.2/24');
    await host.daemon.dataplane.waitSynced(10_000);
    const { hostIfname } = await host.daemon.service.endpointInfo(inner.networkId, inner.endpointId);
    const setHostEnd = (arpIgnore: number, ipv6Off: number): Promise<string> =>
      host.ovs.netns.exec('sysctl', [
        '-q',
        '-w',
        `net/ipv4/conf/${hostIfname}/arp_ignore=${arpIgnore}`,
        `net/ipv6/conf/${hostIfname}/disable_ipv6=${ipv6Off}`,
      ]);
    await setHostEnd(0, 0); // as an ovsnet before the seal left it
    await inner.ns.ip('route', 'add', `${OTHER_NETWORK_GATEWAY}/32`, 'dev', 'eth0');
    assert.ok(await ping(inner.ns, OTHER_NETWORK_GATEWAY), 'control: an open host end lets the container in');

    await host.restartDaemon();
    await host.daemon.dataplane.waitSynced(10_000);
    await inner.ns.ip('neigh', 'flush', 'dev', 'eth0');
    assert.equal(await ping(inner.ns, OTHER_NETWORK_GATEWAY), false, 'the host end is still open after the start');
  });
});
