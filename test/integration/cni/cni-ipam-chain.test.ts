// The ovsnet CNI plugin with a delegated IPAM plugin (Debian's host-local), inside a chain
// (a plugin before it, tuning after it), and killed in the middle of an ADD: addresses come
// from host-local and go back to it, results carry the chain along, and nothing is left
// behind once DEL runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Netns } from '../../harness/netns';
import { ping } from '../../harness/probes';
import { invokePlugin, REFERENCE_PLUGINS, sharedCniHost, untilNothingHeld, type CniHost } from '../../harness/cni';
import { cniCall, ovsnetConf } from '../../harness/cni-calls';

function hostLocal(host: CniHost): Record<string, unknown> {
  return {
    name: 'delegated',
    ipam: {
      type: 'host-local',
      dataDir: join(host.dir, 'host-local'),
      ranges: [[{ subnet: '10.94.0.0/24', rangeStart: '10.94.0.100', rangeEnd: '10.94.0.110', gateway: '10.94.0.1' }]],
    },
  };
}

function reservations(host: CniHost): string[] {
  const dir = join(host.dir, 'host-local', 'delegated');
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
}

describe('CNI IPAM delegation, chaining and interrupted ADDs', () => {
  const rig = sharedCniHost();

  test('host-local hands out the address, ovsnet wires it; DEL gives it back to host-local', (t) =>
    rig.run(t, async (host) => {
      const [a, b] = [await Netns.create('c'), await Netns.create('c')];
      t.after(() => Promise.all([a.destroy(), b.destroy()]));
      const config = ovsnetConf(host, hostLocal(host));
      const first = await cniCall(host, 'ADD', a, config, { containerId: 'hl-a' });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const second = await cniCall(host, 'ADD', b, config, { containerId: 'hl-b' });
      assert.equal(second.code, 0, second.stdout);
      const ipOf = (r: typeof first) =>
        ((r.json['ips'] as Array<{ address: string }>)[0]?.address ?? '').split('/')[0] ?? '';
      assert.deepEqual([ipOf(first), ipOf(second)].sort(), ['10.94.0.100', '10.94.0.101']);
      assert.deepEqual(reservations(host).sort(), ['10.94.0.100', '10.94.0.101']);
      assert.ok(await ping(a, ipOf(second)), 'containers on the delegated network reach each other');
      assert.ok(await ping(a, '10.94.0.1'), 'and their gateway');
      const checked = await cniCall(host, 'CHECK', a, { ...config, prevResult: first.json }, { containerId: 'hl-a' });
      assert.equal(checked.code, 0, checked.stdout);
      for (const [ns, id] of [
        [a, 'hl-a'],
        [b, 'hl-b'],
      ] as const)
        assert.equal((await cniCall(host, 'DEL', ns, config, { containerId: id })).code, 0);
      assert.deepEqual(reservations(host), [], 'host-local holds nothing after DEL');
      assert.deepEqual(await host.daemon.cli('endpoint', 'ls'), []);
    }));

  test('a refused ADD gives the delegated address back', (t) =>
    rig.run(t, async (host) => {
      const ns = await Netns.create('c');
      t.after(() => ns.destroy());
      const config = ovsnetConf(host, { ...hostLocal(host), icc: false });
      const refused = await cniCall(host, 'ADD', ns, config, { containerId: 'hl-x' });
      // The network exists with ICC on: the configuration contradicts it.
      assert.equal(refused.json['code'], 7, refused.stdout);
      assert.match(String(refused.json['msg']), /"icc"/);
      assert.deepEqual(reservations(host), []);
    }));

  test('after another plugin and before tuning: prevResult is carried along and tuning applies to eth0', (t) =>
    rig.run(t, async (host) => {
      const ns = await Netns.create('c');
      t.after(() => ns.destroy());
      const before = {
        cniVersion: '1.0.0',
        interfaces: [{ name: 'lo0', sandbox: ns.path }],
        ips: [],
        routes: [],
        dns: {},
      };
      const config = ovsnetConf(host, { name: 'chained', subnet: '10.95.0.0/24', prevResult: before });
      const added = await cniCall(host, 'ADD', ns, config, { containerId: 'ch' });
      assert.equal(added.code, 0, added.stdout);
      const result = added.json as { interfaces: Array<{ name: string }>; ips: Array<{ interface: number }> };
      assert.deepEqual(
        result.interfaces.map((i) => i.name).filter((n) => !n.startsWith('ov')),
        ['lo0', 'eth0'],
      );
      assert.equal(result.ips[0]?.interface, 2, 'the address points at eth0 after the earlier interface');
      const tuning = await invokePlugin(
        join(REFERENCE_PLUGINS, 'tuning'),
        { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'ch', CNI_NETNS: ns.path, CNI_IFNAME: 'eth0', CNI_PATH: host.cniPath },
        JSON.stringify({ cniVersion: '1.0.0', name: 'chained', type: 'tuning', mtu: 1400, prevResult: added.json }),
      );
      assert.equal(tuning.code, 0, tuning.stdout + tuning.stderr);
      assert.match(await ns.exec('ip', ['link', 'show', 'eth0']), /mtu 1400/);
      const { prevResult: _p, ...plain } = config;
      void _p;
      assert.equal((await cniCall(host, 'DEL', ns, plain, { containerId: 'ch' })).code, 0);
    }));

  test('a plugin killed in the middle of ADD leaves nothing once DEL runs; DEL also works with the namespace gone', (t) =>
    rig.run(t, async (host) => {
      const config = ovsnetConf(host, { name: 'killed', subnet: '10.96.0.0/24' });
      for (let i = 0; i < 3; i++) {
        const ns = await Netns.create('c');
        const child = spawn(join(host.pluginDir, 'ovsnet'), [], {
          env: {
            PATH: process.env['PATH'],
            CNI_COMMAND: 'ADD',
            CNI_CONTAINERID: `k${i}`,
            CNI_NETNS: ns.path,
            CNI_IFNAME: 'eth0',
            CNI_PATH: host.cniPath,
          },
          stdio: ['pipe', 'ignore', 'ignore'],
        });
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin.end(JSON.stringify(config));
        await new Promise((resolve) => setTimeout(resolve, 250 + 300 * i));
        child.kill('SIGKILL');
        await exited;
        if (i === 2) await ns.destroy(); // the runtime may already have removed the namespace
        const deleted = await cniCall(host, 'DEL', i === 2 ? undefined : ns, config, { containerId: `k${i}` });
        assert.equal(deleted.code, 0, deleted.stdout);
        await ns.destroy();
      }
      // The daemon finishes or undoes what each killed call started, then DEL removes it.
      await untilNothingHeld(host, '10.96.0.0/24', '10.96.0.1', 500);
      const ports = (await host.ovs.vsctl('list-ports', 'br-int'))
        .split('\n')
        .filter((p) => p.startsWith('ovs') && !p.startsWith('ovsgw'));
      assert.deepEqual(ports, [], 'no endpoint port left on the bridge');
    }));
});
