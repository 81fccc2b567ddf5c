// The ovsnet CNI plugin driven as a runtime drives it (CNI_* environment, configuration on
// stdin) against a real daemon on a private OVS: ADD in every supported version gives a
// working interface and a result in that version's format, CHECK passes, DEL removes
// everything and is idempotent.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../controller/host/exec';
import { CRASH_AT_VARIABLE } from '../../../controller/crash-points';
import { Netns } from '../../harness/netns';
import { ping } from '../../harness/probes';
import { installPlugin, invokePlugin, sharedCniHost, untilNothingHeld, type CniHost } from '../../harness/cni';

const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'];

function conf(host: CniHost, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: 'cnitest',
    type: 'ovsnet',
    socket: host.socket,
    subnet: '10.91.0.0/24',
    ...extra,
  };
}

function call(
  host: CniHost,
  command: string,
  ns: Netns | undefined,
  config: Record<string, unknown>,
  id = 'c1',
  plugin = join(host.pluginDir, 'ovsnet'),
  args = '',
) {
  return invokePlugin(
    plugin,
    {
      CNI_COMMAND: command,
      CNI_CONTAINERID: id,
      CNI_NETNS: ns?.path ?? '',
      CNI_IFNAME: 'eth0',
      CNI_PATH: host.cniPath,
      ...(args !== '' ? { CNI_ARGS: args } : {}),
    },
    JSON.stringify(config),
  );
}

describe('CNI ADD, CHECK and DEL against a real daemon', () => {
  const rig = sharedCniHost();

  for (const version of VERSIONS) {
    test(`cniVersion ${version}: ADD wires eth0 and answers in ${version}'s format; CHECK passes; DEL removes it`, (t) =>
      rig.run(t, async (host) => {
        const ns = await Netns.create('c');
        t.after(() => ns.destroy());
        const config = conf(host, { cniVersion: version });
        const added = await call(host, 'ADD', ns, config, `v${version}`);
        assert.equal(added.code, 0, added.stdout + added.stderr);
        const result = added.json as {
          cniVersion: string;
          interfaces: Array<{ name: string; mac?: string; sandbox?: string }>;
          ips: Array<{ version?: string; address: string; gateway?: string; interface?: number }>;
          routes: Array<{ dst: string; gw?: string }>;
        };
        assert.equal(result.cniVersion, version);
        const sandboxIf = result.interfaces[1];
        assert.equal(sandboxIf?.name, 'eth0');
        assert.equal(sandboxIf?.sandbox, ns.path);
        const ip = result.ips[0];
        assert.ok(ip?.address.startsWith('10.91.0.'), `address from the subnet: ${ip?.address}`);
        assert.equal(ip?.gateway, '10.91.0.1');
        assert.equal(ip?.interface, 1);
        assert.equal(ip?.version, version === '1.0.0' ? undefined : '4', 'only pre-1.0 results carry "version"');
        assert.deepEqual(result.routes, [{ dst: '0.0.0.0/0', gw: '10.91.0.1' }]);
        const link = await ns.exec('ip', ['-o', 'addr', 'show', 'dev', 'eth0']);
        assert.match(link, new RegExp(`inet ${(ip?.address ?? '').replace(/\./g, '\\.')}`));
        assert.ok(await ping(ns, '10.91.0.1'), 'the container reaches its gateway');

        if (version === '0.4.0' || version === '1.0.0') {
          const checked = await call(host, 'CHECK', ns, { ...config, prevResult: result }, `v${version}`);
          assert.equal(checked.code, 0, checked.stdout);
          assert.equal(checked.stdout, '');
        }
        const deleted = await call(host, 'DEL', ns, config, `v${version}`);
        assert.equal(deleted.code, 0, deleted.stdout);
        assert.equal(deleted.stdout, '');
        assert.equal((await ns.tryExec('ip', ['link', 'show', 'eth0'])).code !== 0, true, 'eth0 is gone');
        const again = await call(host, 'DEL', ns, config, `v${version}`);
        assert.equal(again.code, 0, `a second DEL succeeds: ${again.stdout}`);
        const endpoints = (await host.daemon.cli('endpoint', 'ls')) as unknown[];
        assert.equal(endpoints.length, 0);
      }));
  }

  test('the C shim and the Node plugin forward alike: escapes, non-ASCII text and a large configuration survive', (t) =>
    rig.run(t, async (host) => {
      const shim = join(host.pluginDir, 'ovsnet');
      const node = installPlugin(join(host.dir, 'node-bin'), 'script');
      const [a, b] = [await Netns.create('c'), await Netns.create('c')];
      const dns = {
        nameservers: ['10.91.0.53'],
        search: ['ünïcødé.example', 'tab\there "quoted" back\\slash', 'emoji 🛰 line\nbreak'],
      };
      const small = conf(host, { name: 'forwarded', subnet: '10.87.0.0/24', dns });
      const large = { ...small, padding: 'x'.repeat(300_000) };
      const args = 'IgnoreUnknown=1;NOTE=quote"back\\slash ü';
      t.after(async () => {
        await call(host, 'DEL', a, small, 'vianode', node);
        await call(host, 'DEL', b, small, 'viashim', shim);
        await Promise.all([a.destroy(), b.destroy()]);
      });
      const byNode = await call(host, 'ADD', a, small, 'vianode', node, args);
      const byShim = await call(host, 'ADD', b, large, 'viashim', shim, args);
      for (const [who, added, ns] of [
        ['Node', byNode, a],
        ['shim', byShim, b],
      ] as const) {
        assert.equal(added.code, 0, `${who}: ${added.stdout}${added.stderr}`);
        assert.deepEqual(added.json['dns'], dns, `${who}: the configuration's dns comes back byte for byte`);
        const mac = (added.json['interfaces'] as Array<{ mac?: string }>)[1]?.mac ?? '';
        assert.match(await ns.exec('ip', ['link', 'show', 'eth0']), new RegExp(`link/ether ${mac}`), who);
      }
      assert.deepEqual(Object.keys(byShim.json).sort(), Object.keys(byNode.json).sort());
      assert.ok(await ping(a, '10.87.0.1'), 'the container wired through the Node plugin reaches its gateway');
      assert.ok(await ping(b, '10.87.0.1'), 'the container wired through the shim reaches its gateway');
      // Each deletes what the other added.
      assert.equal((await call(host, 'DEL', a, small, 'vianode', shim)).code, 0);
      assert.equal((await call(host, 'DEL', b, small, 'viashim', node)).code, 0);
      const left = ((await host.daemon.cli('endpoint', 'ls')) as Array<{ networkId: string }>).length;
      assert.equal(left, 0, 'both endpoints are gone');
    }));

  test('ovsnet-netns-run.sh runs a command in a new namespace on the network, then removes both', (t) =>
    rig.run(t, async (host) => {
      const script = join(__dirname, '..', '..', '..', '..', 'drivers', 'cni', 'ovsnet-netns-run.sh');
      const file = join(host.dir, 'run.conf');
      writeFileSync(file, JSON.stringify(conf(host, { name: 'netnsrun', subnet: '10.90.0.0/24' })));
      const ran = await run(
        script,
        ['-f', file, 'sh', '-c', 'ip -o -4 addr show dev eth0 && ping -c 1 -W 2 10.90.0.1'],
        {
          env: { ...process.env, CNI_PATH: host.cniPath },
          allowFailure: true,
        },
      );
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, /eth0\s+inet 10\.90\.0\.\d+\/24/);
      assert.match(ran.stdout, /1 received/);
      const failed = await run(script, ['-f', file, 'sh', '-c', 'exit 3'], {
        env: { ...process.env, CNI_PATH: host.cniPath },
        allowFailure: true,
      });
      assert.equal(failed.code, 3, "the command's exit status comes back");
      assert.deepEqual(await host.daemon.cli('endpoint', 'ls'), [], 'DEL ran after each command');
      assert.doesNotMatch((await run('ip', ['netns', 'list'])).stdout, /^ovsnet-run-/m, 'the namespaces are gone');
    }));

  test('a network without a subnet gets a dynamic pool; CNI_ARGS IP= and MAC= pick the address and MAC', (t) =>
    rig.run(t, async (host) => {
      const [a, b] = [await Netns.create('c'), await Netns.create('c')];
      const dynamic = conf(host, { name: 'dynamic', subnet: undefined });
      const fixed = conf(host, { name: 'fixed', subnet: '10.89.0.0/24' });
      t.after(async () => {
        await call(host, 'DEL', a, dynamic, 'dyn');
        await call(host, 'DEL', b, fixed, 'fix');
        await Promise.all([a.destroy(), b.destroy()]);
      });
      const added = await call(host, 'ADD', a, dynamic, 'dyn');
      assert.equal(added.code, 0, added.stdout);
      const address = (added.json['ips'] as Array<{ address: string }>)[0]?.address ?? '';
      assert.match(
        address,
        /^10\.(1[2-9][0-9]|2[0-5][0-9])\.\d+\.\d+\/24$/,
        `a dynamic /24 from 10.128.0.0/9: ${address}`,
      );
      const picked = await invokePlugin(
        join(host.pluginDir, 'ovsnet'),
        {
          CNI_COMMAND: 'ADD',
          CNI_CONTAINERID: 'fix',
          CNI_NETNS: b.path,
          CNI_IFNAME: 'eth0',
          CNI_PATH: host.cniPath,
          CNI_ARGS: 'IgnoreUnknown=1;IP=10.89.0.77;MAC=02:00:00:00:00:77',
        },
        JSON.stringify(fixed),
      );
      assert.equal(picked.code, 0, picked.stdout);
      assert.equal((picked.json['ips'] as Array<{ address: string }>)[0]?.address, '10.89.0.77/24');
      assert.match(await b.exec('ip', ['link', 'show', 'eth0']), /link\/ether 02:00:00:00:00:77/);
    }));

  for (const next of ['repeated', 'given up'] as const) {
    const outcome =
      next === 'repeated'
        ? 'repeated after the restart it completes (same address), and DEL leaves nothing'
        : 'a DEL after the restart leaves nothing, its address included';
    test(`an ADD whose daemon died after storing the endpoint, ${next}: ${outcome}`, (t) =>
      rig.run(t, async (host) => {
        const ns = await Netns.create('c');
        t.after(() => ns.destroy());
        const subnet = next === 'repeated' ? '10.86.0' : '10.85.0';
        const config = conf(host, { name: `crashed-${subnet.split('.')[1] ?? ''}`, subnet: `${subnet}.0/24` });
        await host.daemon.stop();
        // Without the port pool an ADD makes its veth and stores its endpoint in one step.
        await host.daemon.start({ [CRASH_AT_VARIABLE]: 'create-joined:after-record' }, ['--port-pool', '0']);
        try {
          const interrupted = await call(host, 'ADD', ns, config, 'crashed');
          assert.notEqual(interrupted.code, 0, 'the interrupted ADD failed');
          const exit = await host.daemon.exited(20_000);
          assert.equal(exit.signal, 'SIGKILL', 'the daemon died after storing the endpoint');
        } finally {
          // The shared host goes on with a daemon that has no crash point armed.
          await host.daemon.kill9();
          await host.daemon.start({}, ['--port-pool', '0']);
        }
        if (next === 'repeated') {
          const added = await call(host, 'ADD', ns, config, 'crashed');
          assert.equal(added.code, 0, added.stdout + added.stderr);
          assert.equal((added.json as { ips: Array<{ address: string }> }).ips[0]?.address, `${subnet}.2/24`);
          assert.ok(await ping(ns, `${subnet}.1`), 'the container reaches its gateway');
        }
        const deleted = await call(host, 'DEL', ns, config, 'crashed');
        assert.equal(deleted.code, 0, deleted.stdout);
        await untilNothingHeld(host, `${subnet}.0/24`, `${subnet}.1`, 200);
        await host.daemon.stop();
        await host.daemon.start();
      }));
  }
});
