// The CNI plugin's pure parts: configuration keys, CNI_ARGS, result formats per version,
// the prevResult comparison of CHECK, and the daemon's one-at-a-time rule per interface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNetConf } from '../../../controller/cni/plugin/config';
import { parseCniArgs } from '../../../controller/cni/plugin/env';
import { addResult, prevResultProblems } from '../../../controller/cni/plugin/results';
import { CniError } from '../../../controller/cni/plugin/errors';
import { KeyedSerial } from '../../../controller/cni/serial';

const view = {
  networkId: 'cni-web',
  endpointId: 'e1',
  hostIfname: 'ovp0123456789a',
  mac: '02:42:0a:00:00:05',
  ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1' }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
};

test('configuration: subnets from "subnet", "ranges" or the IPAM plugin\'s ranges; ovsnet IPAM unless another is named', () => {
  const own = parseNetConf(
    JSON.stringify({ cniVersion: '1.0.0', name: 'web', type: 'ovsnet', subnet: '10.0.0.0/24', icc: false }),
  );
  assert.deepEqual(own.network, {
    name: 'web',
    subnets: [{ subnet: '10.0.0.0/24' }],
    delegatedIpam: false,
    icc: false,
  });
  assert.equal(own.socket, '/var/lib/ovsnet/ovsnet.ctl');
  const ranged = parseNetConf(
    JSON.stringify({
      cniVersion: '0.4.0',
      name: 'web',
      ranges: [[{ subnet: 'fd00::/64', gateway: 'fd00::1' }]],
      ipam: { type: 'ovsnet' },
    }),
  );
  assert.deepEqual(ranged.network.subnets, [{ subnet: 'fd00::/64', gateway: 'fd00::1' }]);
  const delegated = parseNetConf(
    JSON.stringify({ cniVersion: '1.0.0', name: 'web', ipam: { type: 'host-local', subnet: '10.1.0.0/16' } }),
  );
  assert.equal(delegated.delegateIpam, 'host-local');
  assert.deepEqual(delegated.network.subnets, [{ subnet: '10.1.0.0/16' }]);
});

test('configuration: a bad value names its key; a bad document or version has its own code', () => {
  const fails = (conf: unknown, code: number, pattern: RegExp): void =>
    assert.throws(
      () => parseNetConf(typeof conf === 'string' ? conf : JSON.stringify(conf)),
      (e: unknown) => e instanceof CniError && e.code === code && pattern.test(e.message),
    );
  fails('[1,2]', 6, /JSON object/);
  fails({ cniVersion: '0.1.0', name: 'x' }, 1, /0\.1\.0/);
  fails({ cniVersion: '1.0.0', name: 'x', vni: 0 }, 7, /"vni"/);
  fails({ cniVersion: '1.0.0', name: 'x', ranges: [[{ gateway: '10.0.0.1' }]] }, 7, /"ranges\[0\]\.subnet"/);
  fails({ cniVersion: '1.0.0', name: 'x', ipam: { type: 'host-local', subnet: 'nope' } }, 7, /"ipam\.subnet"/);
  fails({ cniVersion: '1.0.0', name: 'x', runtimeConfig: { ips: [1] } }, 7, /"runtimeConfig\.ips"/);
});

test('CNI_ARGS: KEY=VALUE pairs separated by semicolons', () => {
  assert.deepEqual(
    [...parseCniArgs('IgnoreUnknown=1;IP=10.0.0.9;K8S_POD_NAME=web-0')],
    [
      ['IgnoreUnknown', '1'],
      ['IP', '10.0.0.9'],
      ['K8S_POD_NAME', 'web-0'],
    ],
  );
  assert.throws(() => parseCniArgs('IP'), /CNI_ARGS/);
});

test('results: 1.0.0 has no per-address version, earlier versions do; a prevResult is extended', () => {
  const ctx = { ifname: 'eth0', netns: '/run/netns/x' };
  const v1 = addResult(view, { ...ctx, cniVersion: '1.0.0' });
  assert.deepEqual(v1, {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'ovp0123456789a' }, { name: 'eth0', mac: view.mac, sandbox: '/run/netns/x' }],
    ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 1 }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
    dns: {},
  });
  const v031 = addResult(view, { ...ctx, cniVersion: '0.3.1', dns: { nameservers: ['10.0.0.1'] } });
  assert.deepEqual((v031['ips'] as unknown[])[0], {
    version: '4',
    address: '10.0.0.5/24',
    gateway: '10.0.0.1',
    interface: 1,
  });
  assert.deepEqual(v031['dns'], { nameservers: ['10.0.0.1'] });
  const chained = addResult(view, {
    ...ctx,
    cniVersion: '1.0.0',
    prevResult: { interfaces: [{ name: 'x' }], ips: [] },
  });
  assert.equal((chained['ips'] as Array<{ interface: number }>)[0]?.interface, 2);
});

test('CHECK compares the prevResult with what the daemon holds', () => {
  const good = addResult(view, { ifname: 'eth0', netns: '/run/netns/x', cniVersion: '1.0.0' });
  assert.deepEqual(prevResultProblems(good, view, 'eth0', '/run/netns/x'), []);
  assert.match(prevResultProblems(good, view, 'eth0', '/run/netns/y').join(), /no interface eth0/);
  const otherIp = { ...good, ips: [{ address: '10.0.0.6/24', interface: 1 }] };
  assert.match(
    prevResultProblems(otherIp, view, 'eth0', '/run/netns/x').join(),
    /lacks eth0's address 10\.0\.0\.5\/24/,
  );
});

test('one CNI operation at a time per interface, others run side by side', async () => {
  const serial = new KeyedSerial();
  const order: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const add = serial.run('c1\0eth0', async () => {
    await gate;
    order.push('add');
  });
  const del = serial.run('c1\0eth0', async () => {
    order.push('del');
    await Promise.resolve();
  });
  await serial.run('c2\0eth0', async () => order.push('other'));
  release();
  await Promise.all([add, del]);
  assert.deepEqual(order, ['other', 'add', 'del']);
});

test('the Kubernetes node example is a configuration list the plugin accepts', () => {
  const path = join(__dirname, '..', '..', '..', '..', 'drivers', 'cni', 'examples', '10-ovsnet.conflist');
  const list = JSON.parse(readFileSync(path, 'utf8')) as {
    cniVersion: string;
    name: string;
    plugins: Array<{ type: string }>;
  };
  const ovsnet = list.plugins.find((p) => p.type === 'ovsnet');
  assert.ok(ovsnet);
  const conf = parseNetConf(JSON.stringify({ ...ovsnet, cniVersion: list.cniVersion, name: list.name }));
  assert.equal(conf.delegateIpam, 'host-local');
  assert.deepEqual(conf.network.subnets, [{ subnet: '10.244.1.0/24', gateway: '10.244.1.1' }]);
  assert.equal(conf.network.mtu, 1450);
  assert.equal(list.plugins.at(-1)?.type, 'portmap', 'portmap chained after ovsnet');
});
