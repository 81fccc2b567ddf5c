// Networks made by name (`ovsnet network create|rm`): the same name with the same settings
// is the existing network, other settings or an overlapping subnet fail saying why, and a
// network with endpoints names the hosts they live on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultGateway,
  endpointsInTheWay,
  existingOrNew,
  settingsDiffer,
} from '../../../controller/cnm/named-networks';
import type { EndpointRecord, NetworkRecord } from '../../../controller/cnm/records';
import { code, net } from './registry-fixture';

const stored = (id: string, pool: string, extra: Partial<NetworkRecord> = {}): NetworkRecord => ({
  ...net(id, pool),
  key: id,
  name: id,
  tag: 1,
  gatewayIfname: 'ovsgw1',
  ...extra,
});

test('default gateways: the first host address, none where a subnet has no room', () => {
  assert.equal(defaultGateway('10.5.0.0/24'), '10.5.0.1');
  assert.equal(defaultGateway('10.5.0.16/28'), '10.5.0.17');
  assert.equal(defaultGateway('fd00:5::/64'), 'fd00:5::1');
  assert.equal(defaultGateway('10.5.0.0/31'), undefined);
  assert.equal(defaultGateway('fd00:5::/127'), undefined);
});

test('settings compared as a user sees them; a VNI the cluster chose is no difference unless one was asked', () => {
  const blue = stored('blue', '10.5.0.0/24', { vni: 77 });
  assert.deepEqual(settingsDiffer(blue, net('blue', '10.5.0.0/24')), []);
  assert.deepEqual(settingsDiffer(blue, net('blue', '10.5.0.0/24', { tunnel: 'vxlan' })), [], 'vxlan is the default');
  assert.deepEqual(
    settingsDiffer(blue, net('blue', '10.6.0.0/24', { icc: false, vni: 78, tunnel: 'gre', mtu: 1400 })),
    [
      'subnets 10.5.0.0/24 gateway 10.5.0.1 (asked 10.6.0.0/24 gateway 10.6.0.1)',
      'icc true (asked false)',
      'mtu default (asked 1400)',
      'vni 77 (asked 78)',
      'tunnel vxlan (asked gre)',
    ],
  );
});

test('creating by name: the existing network when the same, an error saying what differs, overlaps named', () => {
  const blue = stored('docker-made-id', '10.5.0.0/24', { key: 'blue', name: 'blue' });
  assert.equal(existingOrNew({ ...net('cli-id', '10.5.0.0/24'), key: 'blue', name: 'blue' }, [blue]), blue);
  assert.equal(existingOrNew({ ...net('cli-id', '10.7.0.0/24'), key: 'red', name: 'red' }, [blue]), undefined);
  assert.throws(
    () => existingOrNew({ ...net('cli-id', '10.5.0.0/24', { internal: true }), key: 'blue', name: 'blue' }, [blue]),
    (e: Error) =>
      code('ALREADY_EXISTS')(e) &&
      /network "blue" already exists with other settings: internal false \(asked true\)/.test(e.message),
  );
  assert.throws(
    () => existingOrNew({ ...net('cli-id', '10.5.0.128/25'), key: 'red', name: 'red' }, [blue]),
    (e: Error) =>
      code('CONFLICT')(e) && /subnet 10\.5\.0\.128\/25 overlaps 10\.5\.0\.0\/24 of network "blue"/.test(e.message),
  );
  assert.equal(
    existingOrNew(net('docker-made-id', '10.5.0.0/24'), [blue]),
    undefined,
    'the same id is left to the store (the same request again, or a conflict it reports)',
  );
});

test('a network with endpoints names the hosts they live on', () => {
  const blue = stored('blue', '10.5.0.0/24');
  const endpoint = (host: string | undefined, id: string): EndpointRecord => ({
    networkId: 'blue',
    endpointId: id,
    ...(host !== undefined ? { host } : {}),
    mac: '02:00:00:00:00:01',
    hostIfname: 'x',
    containerIfname: 'y',
    ofport: 40000,
  });
  assert.equal(endpointsInTheWay(blue, []), undefined);
  assert.equal(
    endpointsInTheWay(blue, [endpoint('h2', 'a'), endpoint('h1', 'b'), endpoint('h2', 'c')]),
    'network "blue" still has endpoints on host h1 (1 endpoint), host h2 (2 endpoints); remove them first',
  );
  assert.equal(
    endpointsInTheWay(blue, [endpoint(undefined, 'a')]),
    'network "blue" still has endpoints on this host (1 endpoint); remove them first',
  );
});
