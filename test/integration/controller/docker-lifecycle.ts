// One container's life as Docker drives it through the plugin socket, with the bodies
// Docker sends: `docker network create`, `docker run -p` (the container end moved into its
// sandbox as libnetwork does), `docker rm -f`, `docker network rm`. Each call goes
// through `call`, so a test can crash the daemon inside any one of them and repeat it.
import assert from 'node:assert/strict';
import type { Netns } from '../../harness/netns';
import type { PluginAnswer } from '../../harness/plugin-client';

export type PluginCaller = (method: string, body: Record<string, unknown>) => Promise<PluginAnswer>;

export interface ContainerPlan {
  networkId: string;
  endpointId: string;
  /** An IPv4 /24 of its own. */
  subnet: string;
  /** A host port published to the container's port 80. */
  hostPort: number;
  /** The network sets `-o ovsnet.mtu=1400` (with the daemon's pool off, the endpoint gets a veth of its own). */
  ownVeth: boolean;
  /** The namespace of the daemon and its bridge, where the veths are made. */
  host: Netns;
  sandbox: Netns;
}

export interface RunningContainer {
  ip: string;
  gateway: string;
  hostIfname: string;
  ofport: number;
}

const PORTMAP = (hostPort: number): unknown[] => [
  { Proto: 6, IP: '', Port: 80, HostIP: '', HostPort: hostPort, HostPortEnd: hostPort },
];

/** Creates the network and runs the container in its sandbox. */
export async function runContainer(call: PluginCaller, plan: ContainerPlan): Promise<RunningContainer> {
  const poolId = await createNetwork(call, plan);
  const address = String(
    (await call('IpamDriver.RequestAddress', { PoolID: poolId, Address: '', Options: {} })).json['Address'],
  );
  const endpointRef = { NetworkID: plan.networkId, EndpointID: plan.endpointId };
  await call('NetworkDriver.CreateEndpoint', {
    ...endpointRef,
    Interface: { Address: address, AddressIPv6: '', MacAddress: '' },
    Options: {
      'com.docker.network.endpoint.exposedports': [{ Proto: 6, Port: 80 }],
      'com.docker.network.portmap': PORTMAP(plan.hostPort),
    },
  });
  const joined = await call('NetworkDriver.Join', { ...endpointRef, SandboxKey: plan.sandbox.path, Options: {} });
  const srcName = (joined.json['InterfaceName'] as { SrcName: string }).SrcName;
  const gateway = String(joined.json['Gateway']);
  await call('NetworkDriver.ProgramExternalConnectivity', {
    ...endpointRef,
    Options: {
      'com.docker.network.endpoint.exposedports': [{ Proto: 6, Port: 80 }],
      'com.docker.network.portmap': PORTMAP(plan.hostPort),
    },
  });
  const info = (await call('NetworkDriver.EndpointOperInfo', endpointRef)).json['Value'] as Record<string, string>;
  await plugIntoSandbox(plan, srcName, info['ovsnet.mac'] as string, address, gateway);
  return {
    ip: address.split('/')[0] as string,
    gateway,
    hostIfname: info['ovsnet.host_ifname'] as string,
    ofport: Number(info['ovsnet.ofport']),
  };
}

/** `docker rm -f` of the container, then `docker network rm`. */
export async function removeContainerAndNetwork(call: PluginCaller, plan: ContainerPlan, ip: string): Promise<void> {
  const endpointRef = { NetworkID: plan.networkId, EndpointID: plan.endpointId };
  for (const method of [
    'NetworkDriver.RevokeExternalConnectivity',
    'NetworkDriver.Leave',
    'NetworkDriver.DeleteEndpoint',
  ])
    await call(method, endpointRef);
  await call('IpamDriver.ReleaseAddress', { PoolID: `OvsnetLocal/${plan.subnet}`, Address: ip });
  await removeNetwork(call, plan);
}

/**
 * What libnetwork does when Join fails: the endpoint is deleted and its address released
 * (no Leave: nothing was joined); then `docker network rm`.
 */
export async function abandonContainerAndNetwork(call: PluginCaller, plan: ContainerPlan, ip: string): Promise<void> {
  await call('NetworkDriver.DeleteEndpoint', { NetworkID: plan.networkId, EndpointID: plan.endpointId });
  await call('IpamDriver.ReleaseAddress', { PoolID: `OvsnetLocal/${plan.subnet}`, Address: ip });
  await removeNetwork(call, plan);
}

async function removeNetwork(call: PluginCaller, plan: ContainerPlan): Promise<void> {
  const poolId = `OvsnetLocal/${plan.subnet}`;
  await call('IpamDriver.ReleaseAddress', { PoolID: poolId, Address: gatewayOf(plan.subnet) });
  await call('IpamDriver.ReleasePool', { PoolID: poolId });
  await call('NetworkDriver.DeleteNetwork', { NetworkID: plan.networkId });
}

function gatewayOf(subnet: string): string {
  return subnet.replace(/\.0\/24$/, '.1');
}

async function createNetwork(call: PluginCaller, plan: ContainerPlan): Promise<string> {
  const pool = await call('IpamDriver.RequestPool', {
    AddressSpace: 'OvsnetLocal',
    Pool: plan.subnet,
    SubPool: '',
    Options: {},
    V6: false,
  });
  const poolId = String(pool.json['PoolID']);
  const gateway = await call('IpamDriver.RequestAddress', {
    PoolID: poolId,
    Address: '',
    Options: { RequestAddressType: 'com.docker.network.gateway' },
  });
  await call('NetworkDriver.CreateNetwork', {
    NetworkID: plan.networkId,
    Options: {
      'com.docker.network.enable_ipv4': true,
      'com.docker.network.enable_ipv6': false,
      'com.docker.network.generic': plan.ownVeth ? { 'ovsnet.mtu': '1400' } : {},
    },
    IPv4Data: [{ AddressSpace: 'OvsnetLocal', Pool: plan.subnet, Gateway: String(gateway.json['Address']) }],
    IPv6Data: [],
  });
  return poolId;
}

/** What libnetwork does with the answer to Join: the container end becomes the sandbox's eth0. */
async function plugIntoSandbox(
  plan: ContainerPlan,
  srcName: string,
  mac: string,
  address: string,
  gateway: string,
): Promise<void> {
  assert.ok(srcName, 'Join names the container end');
  const { sandbox } = plan;
  await plan.host.ip('link', 'set', 'dev', srcName, 'netns', sandbox.path);
  await sandbox.ip('link', 'set', 'dev', srcName, 'name', 'eth0');
  await sandbox.ip('link', 'set', 'dev', 'eth0', 'address', mac);
  await sandbox.ip('addr', 'add', address, 'dev', 'eth0');
  await sandbox.ip('link', 'set', 'dev', 'eth0', 'up');
  await sandbox.ip('route', 'add', 'default', 'via', gateway);
}
