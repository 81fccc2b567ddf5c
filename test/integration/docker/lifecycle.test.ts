// The calls `docker network create` / `docker run -p` / `docker stop` / `docker network rm`
// make, in Docker's order and with the bodies cnm.md records, against the real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  CreateEndpointRequest,
  CreateNetworkRequest,
  JoinRequest,
  RequestAddressRequest,
  RequestPoolRequest,
} from '../../../drivers/docker/protocol';
import { startPluginDouble, type PluginDouble } from '../../harness/plugin-double';
import type { PluginAnswer } from '../../harness/plugin-client';

const NID = '9d1c3f0e5b2a4c6d8e7f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f';
const EID = 'e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f80910';
const PLUGIN_MIME = 'application/vnd.docker.plugins.v1.2+json';

test('activation and capabilities answer empty-bodied calls with the plugin media type', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  const activate = await call('Plugin.Activate');
  assert.equal(activate.status, 200);
  assert.equal(activate.contentType, PLUGIN_MIME);
  assert.deepEqual(activate.json, { Implements: ['NetworkDriver', 'IpamDriver'] });
  assert.deepEqual((await call('NetworkDriver.GetCapabilities')).json, { Scope: 'local', ConnectivityScope: 'global' });
  assert.deepEqual((await call('IpamDriver.GetCapabilities')).json, {
    RequiresMACAddress: false,
    RequiresRequestReplay: false,
  });
  assert.deepEqual((await call('IpamDriver.GetDefaultAddressSpaces')).json, {
    LocalDefaultAddressSpace: 'OvsnetLocal',
    GlobalDefaultAddressSpace: 'OvsnetGlobal',
  });
  assert.deepEqual(controller.methods(), ['defaultAddressSpaces']);
});

test('network create, run -p 8080:80, stop and network rm pass through in order', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  // docker network create -d ovsnet --ipam-driver ovsnet --subnet 10.50.0.0/24 -o ovsnet.mtu=1450 n1
  const poolRequest: RequestPoolRequest = {
    AddressSpace: 'OvsnetLocal',
    Pool: '10.50.0.0/24',
    SubPool: '',
    Options: {},
    V6: false,
  };
  const pool = await call('IpamDriver.RequestPool', poolRequest);
  assert.deepEqual(pool.json, { PoolID: 'OvsnetLocal/10.50.0.0/24', Pool: '10.50.0.0/24', Data: {} });
  const gatewayRequest: RequestAddressRequest = {
    PoolID: 'OvsnetLocal/10.50.0.0/24',
    Address: '',
    Options: { RequestAddressType: 'com.docker.network.gateway' },
  };
  const gateway = await call('IpamDriver.RequestAddress', gatewayRequest);
  assert.deepEqual(gateway.json, { Address: '10.50.0.1/24', Data: {} });
  const createNetwork: CreateNetworkRequest = {
    NetworkID: NID,
    Options: {
      'com.docker.network.enable_ipv4': true,
      'com.docker.network.enable_ipv6': false,
      'com.docker.network.generic': { 'ovsnet.mtu': '1450' },
    },
    IPv4Data: [{ AddressSpace: 'OvsnetLocal', Pool: '10.50.0.0/24', Gateway: '10.50.0.1/24' }],
    IPv6Data: [],
  };
  assert.deepEqual((await call('NetworkDriver.CreateNetwork', createNetwork)).json, {});
  assert.deepEqual(controller.networks.get(NID), {
    id: NID,
    ipv4: [{ pool: '10.50.0.0/24', gateway: '10.50.0.1' }],
    ipv6: [],
    icc: true,
    internal: false,
    mtu: 1450,
  });

  // docker run --net n1 -p 8080:80 busybox
  const address = await call('IpamDriver.RequestAddress', {
    PoolID: 'OvsnetLocal/10.50.0.0/24',
    Address: '',
    Options: { 'com.docker.network.endpoint.name': 'web' },
  });
  assert.deepEqual(address.json, { Address: '10.50.0.2/24', Data: {} });
  const createEndpoint: CreateEndpointRequest = {
    NetworkID: NID,
    EndpointID: EID,
    Interface: { Address: '10.50.0.2/24', AddressIPv6: '', MacAddress: '' },
    Options: {
      'com.docker.network.endpoint.exposedports': [{ Proto: 6, Port: 80 }],
      'com.docker.network.portmap': [{ Proto: 6, IP: '', Port: 80, HostIP: '', HostPort: 8080, HostPortEnd: 8080 }],
    },
  };
  const endpoint = await call('NetworkDriver.CreateEndpoint', createEndpoint);
  assert.deepEqual(
    endpoint.json,
    { Interface: { MacAddress: '02:00:00:00:00:01' } },
    'only the MAC Docker left empty comes back',
  );
  const joinRequest: JoinRequest = {
    NetworkID: NID,
    EndpointID: EID,
    SandboxKey: '/var/run/docker/netns/5e1f0c2d9a8b',
    Options: { 'com.docker.network.endpoint.exposedports': [{ Proto: 6, Port: 80 }], 'com.docker.network.portmap': [] },
  };
  const join = await call('NetworkDriver.Join', joinRequest);
  assert.deepEqual(join.json, { InterfaceName: { SrcName: 'ovse1d2c3b4_c', DstPrefix: 'eth' }, Gateway: '10.50.0.1' });
  const pec = await call('NetworkDriver.ProgramExternalConnectivity', {
    NetworkID: NID,
    EndpointID: EID,
    Options: {
      'com.docker.network.endpoint.exposedports': [{ Proto: 6, Port: 80 }],
      'com.docker.network.portmap': [{ Proto: 6, IP: '', Port: 80, HostIP: '', HostPort: 8080, HostPortEnd: 8080 }],
    },
  });
  assert.deepEqual(pec.json, {});
  assert.deepEqual(controller.published.get(EID), [{ proto: 'tcp', containerPort: 80, hostPort: 8080 }]);
  const info = await call('NetworkDriver.EndpointOperInfo', { NetworkID: NID, EndpointID: EID });
  assert.deepEqual(info.json, {
    Value: {
      'ovsnet.mac': '02:00:00:00:00:01',
      'ovsnet.host_ifname': 'ovse1d2c3b4',
      'ovsnet.container_ifname': 'ovse1d2c3b4_c',
      'ovsnet.ipv4': '10.50.0.2/24',
      'ovsnet.ofport': '32769',
      'ovsnet.sandbox': '/var/run/docker/netns/5e1f0c2d9a8b',
    },
  });

  // docker stop
  for (const method of [
    'NetworkDriver.RevokeExternalConnectivity',
    'NetworkDriver.Leave',
    'NetworkDriver.DeleteEndpoint',
  ]) {
    assert.deepEqual((await call(method, { NetworkID: NID, EndpointID: EID })).json, {}, method);
  }
  assert.deepEqual(
    (await call('IpamDriver.ReleaseAddress', { PoolID: 'OvsnetLocal/10.50.0.0/24', Address: '10.50.0.2' })).json,
    {},
  );

  // docker network rm n1
  assert.deepEqual(
    (await call('IpamDriver.ReleaseAddress', { PoolID: 'OvsnetLocal/10.50.0.0/24', Address: '10.50.0.1' })).json,
    {},
  );
  assert.deepEqual((await call('IpamDriver.ReleasePool', { PoolID: 'OvsnetLocal/10.50.0.0/24' })).json, {});
  assert.deepEqual((await call('NetworkDriver.DeleteNetwork', { NetworkID: NID })).json, {});

  assert.deepEqual(controller.methods(), [
    'requestPool',
    'requestAddress',
    'createNetwork',
    'requestAddress',
    'createEndpoint',
    'join',
    'publishPorts',
    'endpointInfo',
    'unpublishPorts',
    'leave',
    'deleteEndpoint',
    'releaseAddress',
    'releaseAddress',
    'releasePool',
    'deleteNetwork',
  ]);
  assert.deepEqual(controller.calls[1]?.args, [{ poolId: 'OvsnetLocal/10.50.0.0/24', kind: 'gateway' }]);
  assert.deepEqual(controller.calls[3]?.args, [{ poolId: 'OvsnetLocal/10.50.0.0/24', kind: 'endpoint', owner: 'web' }]);
  assert.deepEqual(controller.calls[5]?.args, [NID, EID, '/var/run/docker/netns/5e1f0c2d9a8b']);
  assert.equal(controller.networks.size, 0);
  assert.equal(controller.endpoints.size, 0);
  assert.equal(controller.pools.size, 0);
});

/** An --internal dual-stack network with one endpoint, as Docker creates them; the CreateEndpoint answer. */
async function internalEndpoint(call: PluginDouble['call']): Promise<PluginAnswer> {
  await call('NetworkDriver.CreateNetwork', {
    NetworkID: NID,
    Options: { 'com.docker.network.internal': true, 'com.docker.network.enable_ipv6': true },
    IPv4Data: [{ AddressSpace: 'x', Pool: '10.60.0.0/24', Gateway: '10.60.0.1/24' }],
    IPv6Data: [{ AddressSpace: 'x', Pool: 'fd00:60::/64', Gateway: 'fd00:60::1/64' }],
  });
  return call('NetworkDriver.CreateEndpoint', {
    NetworkID: NID,
    EndpointID: EID,
    Interface: { Address: '10.60.0.5/24', AddressIPv6: 'fd00:60::5/64', MacAddress: '02:42:0a:3c:00:05' },
    Options: { 'com.docker.network.endpoint.macaddress': 'AkIKPAAF' },
  });
}

test('CreateEndpoint never echoes fields Docker set', async (t) => {
  const { call } = await startPluginDouble(t);
  const endpoint = await internalEndpoint(call);
  assert.deepEqual(endpoint.json, {});
});

test('on an --internal network Join answers without a gateway', async (t) => {
  const { call } = await startPluginDouble(t);
  await internalEndpoint(call);
  const join = await call('NetworkDriver.Join', {
    NetworkID: NID,
    EndpointID: EID,
    SandboxKey: '/var/run/docker/netns/x',
    Options: null,
  });
  assert.deepEqual(join.json, { InterfaceName: { SrcName: 'ovse1d2c3b4_c', DstPrefix: 'eth' } });
});

/** An IPv6 pool and its gateway from ovsnet IPAM: the pool's answer and the gateway with its prefix. */
async function ipv6PoolAndGateway(call: PluginDouble['call']): Promise<{ pool6: PluginAnswer; gateway: string }> {
  const pool6 = await call('IpamDriver.RequestPool', {
    AddressSpace: 'OvsnetLocal',
    Pool: '',
    SubPool: '',
    Options: null,
    V6: true,
  });
  const gw6 = await call('IpamDriver.RequestAddress', {
    PoolID: pool6.json['PoolID'],
    Address: '',
    Options: { RequestAddressType: 'com.docker.network.gateway' },
  });
  return { pool6, gateway: String(gw6.json['Address']) };
}

test('IPv6 pools and their gateways come from ovsnet IPAM', async (t) => {
  const { call } = await startPluginDouble(t);
  const { pool6, gateway } = await ipv6PoolAndGateway(call);
  assert.equal(pool6.json['Pool'], 'fd00:1::/64');
  assert.equal(gateway, 'fd00:1::1/64');
});

test('dual-stack Join returns both gateways as plain addresses', async (t) => {
  const { call } = await startPluginDouble(t);
  const { gateway } = await ipv6PoolAndGateway(call);
  await call('NetworkDriver.CreateNetwork', {
    NetworkID: NID,
    Options: { 'com.docker.network.enable_ipv6': true },
    IPv4Data: [{ AddressSpace: 'x', Pool: '10.70.0.0/24', Gateway: '10.70.0.1/24' }],
    IPv6Data: [{ AddressSpace: 'x', Pool: 'fd00:1::/64', Gateway: gateway }],
  });
  await call('NetworkDriver.CreateEndpoint', {
    NetworkID: NID,
    EndpointID: EID,
    Interface: { Address: '10.70.0.2/24', AddressIPv6: 'fd00:1::2/64', MacAddress: '' },
  });
  const join = await call('NetworkDriver.Join', {
    NetworkID: NID,
    EndpointID: EID,
    SandboxKey: '/var/run/docker/netns/y',
  });
  assert.deepEqual(join.json, {
    InterfaceName: { SrcName: 'ovse1d2c3b4_c', DstPrefix: 'eth' },
    Gateway: '10.70.0.1',
    GatewayIPv6: 'fd00:1::1',
  });
});

test('discovery, AllocateNetwork and FreeNetwork are accepted without touching the controller', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  const discovery = { DiscoveryType: 1, DiscoveryData: { Address: '10.0.0.2', BindAddress: '', Self: false } };
  assert.deepEqual((await call('NetworkDriver.DiscoverNew', discovery)).json, {});
  assert.deepEqual((await call('NetworkDriver.DiscoverDelete', discovery)).json, {});
  assert.deepEqual(
    (
      await call('NetworkDriver.AllocateNetwork', {
        NetworkID: NID,
        Options: { 'ovsnet.vni': '42' },
        IPv4Data: [],
        IPv6Data: null,
      })
    ).json,
    { Options: {} },
  );
  assert.match(
    String(
      (await call('NetworkDriver.AllocateNetwork', { NetworkID: NID, Options: { 'ovsnet.vni': '0' } })).json['Err'],
    ),
    /ovsnet\.vni/,
  );
  assert.deepEqual((await call('NetworkDriver.FreeNetwork', { NetworkID: NID })).json, {});
  assert.deepEqual(controller.calls, []);
});
