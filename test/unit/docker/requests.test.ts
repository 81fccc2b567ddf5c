import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  toAddressRequest,
  toCreateNetwork,
  toEndpointSpec,
  toJoin,
  toPoolRequest,
  toPublish,
  toReleaseAddress,
  endpointRefOf,
} from '../../../drivers/docker/requests';
import { describeError } from '../../../drivers/docker/errors';
import type { PortBindingWire } from '../../../drivers/docker/protocol';
import { ControllerError } from '../../../controller/api';

const NID = '4f1c2a9e0b7d';
const EID = 'a1b2c3d4e5f6';

function refusedWith(pattern: RegExp): (error: Error & { code?: string }) => boolean {
  return (error) => {
    assert.equal(error.code, 'INVALID_ARGUMENT', error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

test('CreateNetwork as Docker sends it becomes a NetworkSpec with plain gateway and aux addresses', () => {
  const body = {
    NetworkID: NID,
    Options: {
      'com.docker.network.enable_ipv4': true,
      'com.docker.network.enable_ipv6': true,
      'com.docker.network.generic': { 'ovsnet.icc': 'false', 'ovsnet.mtu': '1450', 'ovsnet.name': 'web' },
    },
    IPv4Data: [
      {
        AddressSpace: 'LocalDefault',
        Pool: '172.20.0.0/16',
        Gateway: '172.20.0.1/16',
        AuxAddresses: { host1: '172.20.0.5/16' },
      },
    ],
    IPv6Data: [{ AddressSpace: 'LocalDefault', Pool: 'fd00:20::/64', Gateway: 'fd00:20::1/64' }],
  };
  const { spec, ignoredOptions } = toCreateNetwork(body);
  assert.deepEqual(spec, {
    id: NID,
    ipv4: [{ pool: '172.20.0.0/16', gateway: '172.20.0.1', auxAddresses: { host1: '172.20.0.5' } }],
    ipv6: [{ pool: 'fd00:20::/64', gateway: 'fd00:20::1' }],
    icc: false,
    internal: false,
    mtu: 1450,
    key: 'web',
  });
  assert.deepEqual(ignoredOptions, []);
});

test('CreateNetwork tolerates null Options and IPv6Data, and a pool without gateway', () => {
  const { spec } = toCreateNetwork({
    NetworkID: NID,
    Options: null,
    IPv4Data: [{ AddressSpace: 'x', Pool: '10.50.0.0/24' }],
    IPv6Data: null,
  });
  assert.deepEqual(spec, { id: NID, ipv4: [{ pool: '10.50.0.0/24' }], ipv6: [], icc: true, internal: false });
});

const createNetworkRefusals: Array<[string, unknown, RegExp]> = [
  ['missing NetworkID', { IPv4Data: [] }, /^NetworkID is missing$/],
  ['empty NetworkID', { NetworkID: '' }, /^NetworkID is missing$/],
  ['numeric NetworkID', { NetworkID: 7 }, /NetworkID must be a string, got a number/],
  ['IPv4Data not an array', { NetworkID: NID, IPv4Data: {} }, /IPv4Data must be an array/],
  ['pool missing', { NetworkID: NID, IPv4Data: [{ AddressSpace: 'x' }] }, /IPv4Data\[0\]\.Pool is missing/],
  [
    'pool not CIDR',
    { NetworkID: NID, IPv4Data: [{ Pool: '10.0.0.0' }] },
    /IPv4Data\[0\]\.Pool must be an address with a prefix length/,
  ],
  [
    'v6 pool in IPv4Data',
    { NetworkID: NID, IPv4Data: [{ Pool: 'fd00::/64' }] },
    /IPv4Data\[0\]\.Pool fd00::\/64 is not an IPv4 subnet/,
  ],
  [
    'gateway outside pool',
    { NetworkID: NID, IPv4Data: [{ Pool: '10.0.0.0/24', Gateway: '10.0.1.1/24' }] },
    /IPv4Data\[0\]\.Gateway 10\.0\.1\.1\/24 is not inside the pool 10\.0\.0\.0\/24/,
  ],
  [
    'gateway without prefix',
    { NetworkID: NID, IPv4Data: [{ Pool: '10.0.0.0/24', Gateway: '10.0.0.1' }] },
    /IPv4Data\[0\]\.Gateway must be an address with a prefix length/,
  ],
  [
    'aux outside pool',
    { NetworkID: NID, IPv6Data: [{ Pool: 'fd00::/64', AuxAddresses: { a: 'fd01::5/64' } }] },
    /IPv6Data\[0\]\.AuxAddresses\["a"\] fd01::5\/64 is not inside the pool/,
  ],
  ['bad option', { NetworkID: NID, Options: { 'com.docker.network.generic': { 'ovsnet.vni': 'x' } } }, /ovsnet\.vni/],
];
for (const [name, body, pattern] of createNetworkRefusals) {
  test(`CreateNetwork refused: ${name}`, () => {
    assert.throws(() => toCreateNetwork(body as Record<string, unknown>), refusedWith(pattern));
  });
}

test('CreateEndpoint keeps what Docker set and leaves the rest for the controller', () => {
  assert.deepEqual(
    toEndpointSpec({
      NetworkID: NID,
      EndpointID: EID,
      Interface: { Address: '10.50.0.2/24', AddressIPv6: '', MacAddress: '' },
      Options: {},
    }),
    { networkId: NID, endpointId: EID, ipv4: '10.50.0.2/24' },
  );
  assert.deepEqual(
    toEndpointSpec({
      NetworkID: NID,
      EndpointID: EID,
      Interface: { Address: '10.50.0.2/24', AddressIPv6: 'fd00::2/64', MacAddress: '02:AA:bb:cc:dd:ee' },
      Options: null,
    }),
    { networkId: NID, endpointId: EID, ipv4: '10.50.0.2/24', ipv6: 'fd00::2/64', mac: '02:aa:bb:cc:dd:ee' },
  );
  // Very old Docker sent "Interface": null.
  assert.deepEqual(toEndpointSpec({ NetworkID: NID, EndpointID: EID, Interface: null }), {
    networkId: NID,
    endpointId: EID,
  });
});

test('CreateEndpoint refusals name the field', () => {
  assert.throws(() => toEndpointSpec({ NetworkID: NID }), refusedWith(/^EndpointID is missing$/));
  assert.throws(() => toEndpointSpec({ EndpointID: EID }), refusedWith(/^NetworkID is missing$/));
  assert.throws(
    () => toEndpointSpec({ NetworkID: NID, EndpointID: EID, Interface: { MacAddress: 'zz' } }),
    refusedWith(/Interface\.MacAddress must look like/),
  );
  assert.throws(
    () => toEndpointSpec({ NetworkID: NID, EndpointID: EID, Interface: { Address: 'fd00::2/64' } }),
    refusedWith(/Interface\.Address fd00::2\/64 is not an IPv4 address/),
  );
  assert.throws(
    () => toEndpointSpec({ NetworkID: NID, EndpointID: EID, Interface: 'eth0' }),
    refusedWith(/Interface must be an object/),
  );
});

test('Join needs a SandboxKey; Leave-style bodies need both ids', () => {
  assert.deepEqual(
    toJoin({
      NetworkID: NID,
      EndpointID: EID,
      SandboxKey: '/var/run/docker/netns/abc',
      Options: { 'com.docker.network.portmap': [] },
    }),
    {
      networkId: NID,
      endpointId: EID,
      sandboxKey: '/var/run/docker/netns/abc',
    },
  );
  assert.throws(() => toJoin({ NetworkID: NID, EndpointID: EID }), refusedWith(/^SandboxKey is missing$/));
  assert.throws(() => endpointRefOf({ NetworkID: NID, EndpointID: null }), refusedWith(/^EndpointID is missing$/));
});

test('ProgramExternalConnectivity portmap becomes PortBindings', () => {
  const portmap: PortBindingWire[] = [
    { Proto: 6, IP: '', Port: 80, HostIP: '', HostPort: 8080, HostPortEnd: 8080 },
    { Proto: 17, IP: '', Port: 53, HostIP: '127.0.0.1', HostPort: 5353, HostPortEnd: 5360 },
    { Proto: 132, IP: '', Port: 9, HostIP: '0.0.0.0', HostPort: 0, HostPortEnd: 0 },
  ];
  const options = {
    'com.docker.network.endpoint.exposedports': [{ Proto: 6, Port: 80 }],
    'com.docker.network.portmap': portmap,
  };
  assert.deepEqual(toPublish({ NetworkID: NID, EndpointID: EID, Options: options }).ports, [
    { proto: 'tcp', containerPort: 80, hostPort: 8080 },
    { proto: 'udp', containerPort: 53, hostPort: 5353, hostIp: '127.0.0.1', hostPortEnd: 5360 },
    { proto: 'sctp', containerPort: 9, hostPort: 0 },
  ]);
  assert.deepEqual(toPublish({ NetworkID: NID, EndpointID: EID, Options: null }).ports, []);
  assert.deepEqual(
    toPublish({ NetworkID: NID, EndpointID: EID, Options: { 'com.docker.network.portmap': null } }).ports,
    [],
  );
});

test('portmap refusals name the entry and field', () => {
  const bad = (entry: unknown): Record<string, unknown> => ({
    NetworkID: NID,
    EndpointID: EID,
    Options: { 'com.docker.network.portmap': [entry] },
  });
  assert.throws(
    () => toPublish(bad({ Proto: 1, Port: 80, HostPort: 1 })),
    refusedWith(/portmap\[0\]\.Proto 1 is not supported: use 6 \(tcp\), 17 \(udp\) or 132 \(sctp\)/),
  );
  assert.throws(
    () => toPublish(bad({ Proto: 6, Port: 0, HostPort: 1 })),
    refusedWith(/portmap\[0\]\.Port must be an integer from 1 to 65535, got 0/),
  );
  assert.throws(() => toPublish(bad({ Proto: 6, Port: 80 })), refusedWith(/portmap\[0\]\.HostPort is missing/));
  assert.throws(
    () => toPublish(bad({ Proto: 6, Port: 80, HostPort: 90, HostPortEnd: 85 })),
    refusedWith(/HostPortEnd 85 is below HostPort 90/),
  );
  assert.throws(
    () => toPublish(bad({ Proto: 6, Port: 80, HostPort: 90, HostIP: 'localhost' })),
    refusedWith(/HostIP must be an IP address/),
  );
  assert.throws(
    () => toPublish({ NetworkID: NID, EndpointID: EID, Options: { 'com.docker.network.portmap': 'x' } }),
    refusedWith(/portmap must be an array/),
  );
});

test('RequestPool: dynamic, explicit with sub-pool, IPv6, options', () => {
  assert.deepEqual(toPoolRequest({ AddressSpace: 'LocalDefault', Pool: '', SubPool: '', Options: null, V6: false }), {
    addressSpace: 'LocalDefault',
    v6: false,
  });
  assert.deepEqual(
    toPoolRequest({
      AddressSpace: 'LocalDefault',
      Pool: '10.50.0.0/16',
      SubPool: '10.50.1.0/24',
      Options: { 'ovsnet.x': 'y' },
      V6: false,
    }),
    {
      addressSpace: 'LocalDefault',
      pool: '10.50.0.0/16',
      subPool: '10.50.1.0/24',
      v6: false,
      options: { 'ovsnet.x': 'y' },
    },
  );
  assert.deepEqual(toPoolRequest({ AddressSpace: 'LocalDefault', Pool: 'fd00:1::/64', V6: true }), {
    addressSpace: 'LocalDefault',
    pool: 'fd00:1::/64',
    v6: true,
  });
  assert.throws(() => toPoolRequest({ Pool: '10.0.0.0/8' }), refusedWith(/^AddressSpace is missing$/));
  assert.throws(
    () => toPoolRequest({ AddressSpace: 'L', Pool: '10.0.0.0/8', V6: true }),
    refusedWith(/Pool 10\.0\.0\.0\/8 is not an IPv6 subnet but V6 is true/),
  );
  assert.throws(
    () => toPoolRequest({ AddressSpace: 'L', SubPool: '10.0.0.0/24' }),
    refusedWith(/SubPool \(--ip-range\) needs a Pool/),
  );
  assert.throws(() => toPoolRequest({ AddressSpace: 'L', V6: 'yes' }), refusedWith(/V6 must be true or false/));
  assert.throws(
    () => toPoolRequest({ AddressSpace: 'L', Options: { a: 1 } }),
    refusedWith(/Options\["a"\] must be a string/),
  );
});

test('RequestAddress recognises gateway, endpoint and aux requests', () => {
  assert.deepEqual(
    toAddressRequest({ PoolID: 'p1', Address: '', Options: { RequestAddressType: 'com.docker.network.gateway' } }),
    { poolId: 'p1', kind: 'gateway' },
  );
  assert.deepEqual(
    toAddressRequest({
      PoolID: 'p1',
      Address: '10.50.0.254',
      Options: { RequestAddressType: 'com.docker.network.gateway' },
    }),
    {
      poolId: 'p1',
      address: '10.50.0.254',
      kind: 'gateway',
    },
  );
  assert.deepEqual(
    toAddressRequest({ PoolID: 'p1', Address: '', Options: { 'com.docker.network.endpoint.name': 'web1' } }),
    { poolId: 'p1', kind: 'endpoint', owner: 'web1' },
  );
  assert.deepEqual(toAddressRequest({ PoolID: 'p1', Address: '10.50.0.9', Options: null }), {
    poolId: 'p1',
    address: '10.50.0.9',
    kind: 'aux',
  });
  assert.deepEqual(toAddressRequest({ PoolID: 'p1' }), { poolId: 'p1' });
  assert.throws(() => toAddressRequest({ Address: '10.0.0.1' }), refusedWith(/^PoolID is missing$/));
  assert.throws(
    () => toAddressRequest({ PoolID: 'p1', Address: '10.0.0.300' }),
    refusedWith(/Address must be an IP address without prefix, got "10\.0\.0\.300"/),
  );
  assert.deepEqual(toReleaseAddress({ PoolID: 'p1', Address: 'FD00::0:5' }), { poolId: 'p1', address: 'fd00::5' });
  assert.throws(() => toReleaseAddress({ PoolID: 'p1' }), refusedWith(/^Address is missing$/));
});

test('error descriptions: controller refusals verbatim, bugs generic', () => {
  assert.deepEqual(
    describeError(new ControllerError('CONFLICT', 'network n1 still has 2 endpoints'), 'NetworkDriver.DeleteNetwork'),
    {
      message: 'ovsnet: network n1 still has 2 endpoints',
      expected: true,
    },
  );
  assert.match(
    describeError(new ControllerError('UNAVAILABLE', 'ovsdb down'), 'x').message,
    /ovsdb down \(ovsnet cannot reach Open vSwitch/,
  );
  assert.deepEqual(describeError(new TypeError('secret internals'), 'NetworkDriver.Join'), {
    message: 'ovsnet: unexpected failure in NetworkDriver.Join (see the ovsnet log)',
    expected: false,
  });
  assert.equal(describeError(new ControllerError('INTERNAL', 'bad state'), 'm').expected, false);
});
