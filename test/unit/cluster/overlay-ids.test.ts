// The identities the overlay rests on: a host's number, claimed once and kept; a remote
// endpoint's pipeline id, the same on every host; a cluster network's VNI, unique and
// allocated only across hosts; and what of the cluster reaches the pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimHostNumber, remoteEndpointId } from '../../../controller/cluster/host-number';
import { Registry } from '../../../controller/cnm/registry';
import { keys, MAX_HOST_NUMBER } from '../../../controller/cnm/records';
import type { RemoteEndpoint } from '../../../controller/cnm/hosts';
import { toPipelineOverlay } from '../../../controller/reconcile/overlay-state';
import { networkMtu } from '../../../controller/cnm/mtu';
import { anotherHost, tieredStores } from '../../harness/tiered-stores';
import { code, net, setup } from '../cnm/registry-fixture';

test('hosts claiming numbers at once each get their own; a host keeps its number', async (t) => {
  const { cluster } = tieredStores(t);
  const ids = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
  const numbers = await Promise.all(ids.map((id) => claimHostNumber(cluster, id)));
  assert.deepEqual(
    [...numbers].sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6],
  );
  assert.equal(await claimHostNumber(cluster, 'h3'), numbers[2], 'the same number again, after a restart');
  assert.equal((await cluster.get(keys.hostNumber(numbers[2] as number)))?.value, 'h3');
});

test('a remote endpoint id packs host number and port offset into 24 bits, or is refused', () => {
  assert.equal(remoteEndpointId(1, 32768), 1 << 15);
  assert.ok((remoteEndpointId(MAX_HOST_NUMBER, 65277) as number) <= 0xffffff, 'the largest fits 24 bits');
  assert.notEqual(remoteEndpointId(2, 32768), remoteEndpointId(1, 65535 - 32768));
  assert.equal(remoteEndpointId(0, 40000), undefined, 'no host 0');
  assert.equal(remoteEndpointId(MAX_HOST_NUMBER + 1, 40000), undefined);
  assert.equal(remoteEndpointId(3, 1000), undefined, 'a port outside the controller range');
});

test('across hosts every network gets a unique VNI; a single host allocates none', async (t) => {
  const first = tieredStores(t);
  const h1 = new Registry(first.store, { hostId: 'h1' });
  const h2 = new Registry(anotherHost(t, first), { hostId: 'h2' });
  const made = await Promise.all([
    h1.networks.create(net('a', '10.1.0.0/24')),
    h2.networks.create(net('b', '10.2.0.0/24')),
    h1.networks.create(net('c', '10.3.0.0/24', { vni: 77, tunnel: 'gre' })),
  ]);
  const vnis = made.map((n) => n.vni);
  assert.ok(vnis.every((v) => v !== undefined && v > 0 && v <= 0xffffff));
  assert.equal(new Set(vnis).size, 3);
  assert.equal(made[2]?.vni, 77);
  assert.equal((await h2.networks.create(net('a', '10.1.0.0/24'))).vni, vnis[0], 'repeating the request');
  await assert.rejects(h2.networks.create(net('d', '10.4.0.0/24', { vni: vnis[1] })), code('ALREADY_EXISTS'));
  await h1.networks.delete('b');
  assert.equal(await first.cluster.get(keys.vni(vnis[1] as number)), undefined, 'the VNI is free again');
  const single = setup(t).registry;
  assert.equal((await single.networks.create(net('s', '10.9.0.0/24'))).vni, undefined);
});

test('the MTU is lowered by the encapsulation across hosts, unless the network sets one', async (t) => {
  const single = setup(t).registry;
  const plain = await single.networks.create(net('p', '10.5.0.0/24'));
  assert.equal(networkMtu(plain, false), undefined, 'a single host leaves it alone');
  assert.equal(networkMtu({ ...plain, vni: 5 }, true), 1450, 'VXLAN');
  assert.equal(networkMtu({ ...plain, vni: 5, tunnel: 'gre' }, true), 1458, 'GRE');
  assert.equal(networkMtu({ ...plain, vni: 5, mtu: 9000 }, true), 9000, 'the network’s own');
});

test('the pipeline gets live, numbered hosts and the endpoints of live hosts whose port number is final', () => {
  const endpoint = (id: string, host: string, extra: Partial<RemoteEndpoint>): RemoteEndpoint => ({
    networkId: 'n1',
    endpointId: id,
    host,
    mac: '02:00:00:00:00:01',
    ipv4: '10.1.0.5/24',
    hostIfname: 'ovsx',
    containerIfname: 'ovcx',
    ofport: 40000,
    plugged: true,
    alive: true,
    hostNumber: 2,
    tunnelIp: '172.31.0.2',
    ...extra,
  });
  const overlay = toPipelineOverlay(
    {
      tunnels: new Map([['vxlan', 65278]]),
      hosts: [
        { id: 'h2', tunnelIp: '172.31.0.2', since: '', number: 2 },
        { id: 'old', tunnelIp: '172.31.0.9', since: '' },
      ],
      remoteEndpoints: [
        endpoint('live', 'h2', {}),
        endpoint('dead', 'h3', { alive: false, ofport: 40003 }),
        endpoint('unplugged', 'h2', { plugged: false, ofport: 40001 }),
        endpoint('other-net', 'h2', { networkId: 'gone', ofport: 40002 }),
        endpoint('attached', 'h2', {
          plugged: false,
          ofport: 40004,
          mac: '02:00:00:00:00:04',
          ipv4: '10.1.0.6/24',
          attachment: { containerId: 'c1', containerIface: 'eth1' },
        }),
      ],
    },
    new Map([['n1', 7]]),
  );
  assert.deepEqual(overlay.tunnels, [{ type: 'vxlan', ofport: 65278 }]);
  assert.deepEqual(
    overlay.remoteHosts,
    [{ id: 2, tunnelIp: '172.31.0.2', alive: true }],
    'a host without number: none',
  );
  assert.deepEqual(overlay.remoteEndpoints, [
    // Without an IPv6 address: undefined (one object shape for all, see overlay-state.ts).
    {
      id: remoteEndpointId(2, 40000),
      host: 2,
      networkTag: 7,
      mac: '02:00:00:00:00:01',
      ipv4: '10.1.0.5',
      ipv6: undefined,
    },
    // Attached by hand: known from its creation on, before its host has plugged it.
    {
      id: remoteEndpointId(2, 40004),
      host: 2,
      networkTag: 7,
      mac: '02:00:00:00:00:04',
      ipv4: '10.1.0.6',
      ipv6: undefined,
    },
  ]);
});
