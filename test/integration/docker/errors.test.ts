// Wrong and unusual calls: what each answers, that the right error field is used, that the
// controller sees nothing half-parsed, and that the server keeps serving afterwards.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ControllerError } from '../../../controller/api';
import { startPluginDouble, type PluginDouble } from '../../harness/plugin-double';

const NID = 'n0000000000000000000000000000001';
const EID = 'e0000000000000000000000000000001';

test('malformed JSON: HTTP 200 with Err for the network driver and Error for IPAM', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  const network = await call('NetworkDriver.CreateNetwork', '{"NetworkID": "abc",');
  assert.equal(network.status, 200);
  assert.match(String(network.json['Err']), /^ovsnet: the body of NetworkDriver\.CreateNetwork is not valid JSON/);
  assert.equal(network.json['Error'], undefined);
  const ipam = await call('IpamDriver.RequestPool', 'not json at all');
  assert.equal(ipam.status, 200);
  assert.match(String(ipam.json['Error']), /^ovsnet: the body of IpamDriver\.RequestPool is not valid JSON/);
  assert.equal(ipam.json['Err'], undefined);
  const array = await call('NetworkDriver.Join', '[1,2]');
  assert.match(String(array.json['Err']), /must be a JSON object/);
  assert.deepEqual(controller.calls, []);
});

test('bodies are parsed whatever the Content-Type; "null" and empty bodies read as {}', async (t) => {
  const { call } = await startPluginDouble(t);
  const text = await call(
    'NetworkDriver.CreateNetwork',
    JSON.stringify({ NetworkID: NID, IPv4Data: [{ Pool: '10.1.0.0/24' }] }),
    { headers: { 'Content-Type': 'text/plain' } },
  );
  assert.deepEqual(text.json, {});
  const form = await call('NetworkDriver.DeleteNetwork', JSON.stringify({ NetworkID: NID }), {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.deepEqual(form.json, {});
  assert.deepEqual((await call('Plugin.Activate', 'null')).json, { Implements: ['NetworkDriver', 'IpamDriver'] });
  assert.deepEqual((await call('Plugin.Activate', '{}\n')).json, { Implements: ['NetworkDriver', 'IpamDriver'] });
  // An empty body where fields are required is what Docker's retry of a call interrupted
  // by an ovsnet restart looks like: the answer says so. "null" names the first missing field.
  assert.match(
    String((await call('NetworkDriver.Leave')).json['Err']),
    /^ovsnet: NetworkDriver\.Leave arrived with an empty body: Docker resent a call that an ovsnet restart interrupted/,
  );
  assert.match(
    String((await call('IpamDriver.ReleasePool')).json['Error']),
    /^ovsnet: IpamDriver\.ReleasePool arrived with an empty body/,
  );
  assert.deepEqual((await call('NetworkDriver.Leave', 'null')).json, { Err: 'ovsnet: NetworkID is missing' });
});

test('missing and mistyped fields are named and never reach the controller', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  const cases: Array<[string, object, string, RegExp]> = [
    ['NetworkDriver.CreateNetwork', { Options: {} }, 'Err', /NetworkID is missing/],
    ['NetworkDriver.CreateEndpoint', { NetworkID: NID, Interface: {} }, 'Err', /EndpointID is missing/],
    ['NetworkDriver.Join', { NetworkID: NID, EndpointID: EID }, 'Err', /SandboxKey is missing/],
    [
      'NetworkDriver.DeleteEndpoint',
      { NetworkID: 5, EndpointID: EID },
      'Err',
      /NetworkID must be a string, got a number/,
    ],
    [
      'NetworkDriver.ProgramExternalConnectivity',
      { NetworkID: NID, EndpointID: EID, Options: { 'com.docker.network.portmap': [{ Proto: 6 }] } },
      'Err',
      /portmap\[0\]\.Port is missing/,
    ],
    [
      'NetworkDriver.CreateNetwork',
      { NetworkID: NID, Options: { 'com.docker.network.generic': { 'ovsnet.tunnel': 'geneve' } } },
      'Err',
      /invalid value "geneve" for option ovsnet\.tunnel: accepted values are vxlan or gre/,
    ],
    ['IpamDriver.RequestPool', { Pool: '10.0.0.0/24', V6: false }, 'Error', /AddressSpace is missing/],
    ['IpamDriver.RequestAddress', { Address: '10.0.0.1' }, 'Error', /PoolID is missing/],
    ['IpamDriver.ReleaseAddress', { PoolID: 'p' }, 'Error', /Address is missing/],
  ];
  for (const [method, body, field, pattern] of cases) {
    const answer = await call(method, body);
    assert.equal(answer.status, 200, method);
    assert.deepEqual(Object.keys(answer.json), [field], method);
    assert.match(String(answer.json[field]), pattern, method);
  }
  assert.deepEqual(controller.calls, []);
});

test('unknown methods get 404 JSON in the field of their driver', async (t) => {
  const { call } = await startPluginDouble(t);
  const unknown = await call('NetworkDriver.GwAllocCheck', { Options: {} });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.json, { Err: 'ovsnet: unknown plugin method "NetworkDriver.GwAllocCheck"' });
  const unknownIpam = await call('IpamDriver.Frobnicate', {});
  assert.equal(unknownIpam.status, 404);
  assert.deepEqual(Object.keys(unknownIpam.json), ['Error']);
  assert.equal((await call('', {})).status, 404);
  assert.equal((await call('VolumeDriver.Create', {})).status, 404);
});

test('HTTP verbs other than POST get 405', async (t) => {
  const { call } = await startPluginDouble(t);
  const get = await call('Plugin.Activate', undefined, { httpMethod: 'GET' });
  assert.equal(get.status, 405);
  assert.match(String(get.json['Err']), /must be called with POST, not GET/);
});

/** The plugin with network NID and its endpoint EID (10.9.0.2) in the controller double. */
async function pluginWithEndpoint(t: TestContext): Promise<PluginDouble> {
  const double = await startPluginDouble(t);
  await double.call('NetworkDriver.CreateNetwork', {
    NetworkID: NID,
    IPv4Data: [{ Pool: '10.9.0.0/24', Gateway: '10.9.0.1/24' }],
  });
  await double.call('NetworkDriver.CreateEndpoint', {
    NetworkID: NID,
    EndpointID: EID,
    Interface: { Address: '10.9.0.2/24' },
  });
  return double;
}

const JOIN = { NetworkID: NID, EndpointID: EID, SandboxKey: '/var/run/docker/netns/z' };

test('controller refusals reach Docker with their message', async (t) => {
  const { call, controller } = await pluginWithEndpoint(t);
  const conflict = await call('NetworkDriver.DeleteNetwork', { NetworkID: NID });
  assert.deepEqual(conflict.json, { Err: `ovsnet: network ${NID} still has 1 endpoint(s)` });

  controller.failNext('requestAddress', new ControllerError('EXHAUSTED', 'pool p has no free address'));
  const exhausted = await call('IpamDriver.RequestAddress', { PoolID: 'p', Address: '', Options: {} });
  assert.match(String(exhausted.json['Error']), /^ovsnet: pool p has no free address \(no free address left/);
});

test('controller bugs answer generically and are logged', async (t) => {
  const { call, controller, lines } = await pluginWithEndpoint(t);
  controller.failNext('join', new TypeError("Cannot read properties of undefined (reading 'ofport')"));
  const bug = await call('NetworkDriver.Join', JOIN);
  assert.deepEqual(bug.json, { Err: 'ovsnet: unexpected failure in NetworkDriver.Join (see the ovsnet log)' });
  const logged = lines().find((l) => l['msg'] === 'plugin call failed unexpectedly');
  assert.ok(logged, 'the bug is logged');
  assert.equal(logged['method'], 'NetworkDriver.Join');
  assert.match(JSON.stringify(logged['err']), /reading 'ofport'/);

  controller.failNext('requestPool', 'a thrown string');
  assert.match(
    String((await call('IpamDriver.RequestPool', { AddressSpace: 'x', V6: false })).json['Error']),
    /unexpected failure in IpamDriver\.RequestPool/,
  );
});

test('after failed calls the server still serves, with the state unchanged', async (t) => {
  const { call, controller } = await pluginWithEndpoint(t);
  await call('NetworkDriver.DeleteNetwork', { NetworkID: NID });
  controller.failNext('join', new TypeError("Cannot read properties of undefined (reading 'ofport')"));
  await call('NetworkDriver.Join', JOIN);
  const join = await call('NetworkDriver.Join', JOIN);
  assert.equal(join.json['Gateway'], '10.9.0.1');
  assert.ok(controller.networks.has(NID));
});

test('an IPAM answer without a prefix is reported as a controller bug, not passed to Docker', async (t) => {
  const { call, controller } = await startPluginDouble(t);
  controller.requestAddress = () => Promise.resolve('10.0.0.7');
  const answer = await call('IpamDriver.RequestAddress', { PoolID: 'p', Address: '', Options: {} });
  assert.match(
    String(answer.json['Error']),
    /internal error in IpamDriver\.RequestAddress: the controller returned "10\.0\.0\.7"/,
  );
});

test('large bodies are refused with 413 and the connection still answers JSON', async (t) => {
  const { call } = await startPluginDouble(t);
  const answer = await call(
    'NetworkDriver.CreateNetwork',
    JSON.stringify({ NetworkID: NID, pad: 'x'.repeat(2 << 20) }),
  );
  assert.equal(answer.status, 413);
  assert.match(String(answer.json['Err']), /larger than/);
});

function rawExchange(socketPath: string, bytes: string, hangUp: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.on('connect', () => {
      socket.write(bytes);
      if (hangUp) setTimeout(() => socket.destroy(), 50);
    });
  });
}

test('broken HTTP and clients that hang up mid-body do not disturb the server', async (t) => {
  const { plugin, call, controller } = await startPluginDouble(t);
  const garbage = await rawExchange(plugin.socketPath, 'THIS IS NOT HTTP\r\n\r\n', false);
  assert.match(garbage, /^HTTP\/1\.1 400 Bad Request/);
  const partial = 'POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"NetworkID":';
  assert.equal(await rawExchange(plugin.socketPath, partial, true), '');
  assert.deepEqual(controller.calls, [], 'half a body is never acted on');
  assert.deepEqual((await call('Plugin.Activate')).json, { Implements: ['NetworkDriver', 'IpamDriver'] });
});
