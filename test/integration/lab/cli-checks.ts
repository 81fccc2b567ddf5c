// Checks of the cluster commands without Docker, run inside the lab test's shared lab
// (lab.test.ts): `ovsnet network create` on one host is the cluster's network everywhere,
// `ovsnet host ls` shows every host alive with its tunnel address, `attach --network` works
// on another host than the one that made the network, all hosts allocating from one /28 at
// once hand out every usable address exactly once and then fail saying the pool is
// exhausted, and `ovsnet host rm` refuses a live host but removes a dead one's endpoints.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Lab } from '../../../vagrant/emulation/lab';
import { startOvsnetDaemon } from '../../../vagrant/emulation/ovsnet-daemon';
import { isRunning, signal, waitGone } from '../../../vagrant/emulation/processes';
import { callControl } from '../../../controller/control/client';
import { isControllerError } from '../../../controller/errors';
import type { HostListing } from '../../../controller/cnm/host-listing';
import { Netns } from '../../harness/netns';
import { ping } from '../../harness/probes';
import { until } from '../../harness/until';
import { recordDaemon } from './cluster-checks';

/** The daemon's default --host-ttl (the lab passes none), and some slack for the expiry. */
const HOST_EXPIRY_MS = 15_000 + 10_000;
/** Endpoint requests each host keeps in flight while allocating from the /28. */
const IN_FLIGHT_PER_HOST = 3;

interface Listed {
  id: string;
  key: string;
  ipv4: Array<{ pool: string }>;
}

const ovsnetJson = async <T>(lab: Lab, host: string, ...args: string[]): Promise<T> =>
  JSON.parse(await lab.execOk(host, ['ovsnet', ...args, '--json'])) as T;

/** etcd's keys under a prefix of ovsnet's root, with their JSON values. */
async function etcdEntries(lab: Lab, prefix: string): Promise<Map<string, unknown>> {
  const lines = (await lab.execOk('h1', ['etcdctl', 'get', '--prefix', `/ovsnet/${prefix}`])).split('\n');
  const entries = new Map<string, unknown>();
  for (let i = 0; i + 1 < lines.length; i += 2)
    entries.set((lines[i] as string).slice('/ovsnet/'.length), JSON.parse(lines[i + 1] as string));
  return entries;
}

export async function cliChecks(t: TestContext, lab: Lab): Promise<void> {
  const hosts = lab.hosts;
  const control = (name: string): string => join(lab.host(name).stateDir, 'ovsnet.ctl');

  await t.test('ovsnet network create on h1 is listed by ovsnet network ls on h2 and h3', async () => {
    await lab.execOk('h1', ['ovsnet', 'network', 'create', 'clinet', '--subnet', '10.85.0.0/24']);
    const created = performance.now();
    // Watched through the control sockets (a CLI process per poll would time node's start-up).
    await Promise.all(
      ['h2', 'h3'].map(async (name) => {
        await until(
          `${name} to know clinet`,
          async () => (await callControl(control(name), 'network.ls', {})).some((n) => n.key === 'clinet'),
          10_000,
          20,
        );
        t.diagnostic(`${name} knows clinet ${(performance.now() - created).toFixed(0)} ms after its creation`);
      }),
    );
    for (const name of ['h2', 'h3']) {
      const listed = await ovsnetJson<Listed[]>(lab, name, 'network', 'ls');
      assert.ok(
        listed.some((n) => n.key === 'clinet' && n.ipv4[0]?.pool === '10.85.0.0/24'),
        `${name}: ${JSON.stringify(listed.map((n) => n.key))}`,
      );
    }
  });

  await t.test('ovsnet host ls on every host shows all three alive with their tunnel addresses', async () => {
    const expected = hosts.map((h) => [h.name, h.underlayIp, true]);
    for (const h of hosts) {
      const listed = await ovsnetJson<HostListing[]>(lab, h.name, 'host', 'ls');
      assert.deepEqual(
        listed.map((l) => [l.id, l.tunnelIp, l.alive]),
        expected,
        h.name,
      );
    }
    assert.match(await lab.execOk('h2', ['ovsnet', 'host', 'ls']), /^HOST\s+TUNNEL IP\s+ALIVE\s+SINCE\s+ENDPOINTS$/m);
  });

  await t.test('attach --network on h2 joins the network h1 made, with an address it picks', async (t2) => {
    const ns = await Netns.create('c');
    t2.after(() => ns.destroy());
    await lab.execOk('h2', [
      'ovsnet',
      'attach',
      'add-port',
      'br-int',
      'eth1',
      'clim',
      `--netns=${ns.path}`,
      '--network=clinet',
    ]);
    assert.match(await ns.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth1']), / 10\.85\.0\.\d+\/24 /);
    assert.equal(await ping(ns, '10.85.0.1'), true, "h2's gateway of the network answers");
    const [clinet] = (await ovsnetJson<Listed[]>(lab, 'h1', 'network', 'ls')).filter((n) => n.key === 'clinet');
    assert.deepEqual((clinet as unknown as { endpointsPerHost: unknown }).endpointsPerHost, { h2: 1 });
    await lab.execOk('h2', ['ovsnet', 'attach', 'del-port', 'br-int', 'eth1', 'clim']);
  });

  await t.test(
    'all hosts allocating from one /28 at once: 13 distinct addresses, then only "exhausted", no half record',
    async () => {
      const networkId = (
        await lab.execOk('h1', ['ovsnet', 'network', 'create', 'tiny', '--subnet', '10.85.1.0/28'])
      ).trim();
      for (const h of hosts)
        await until(`${h.name} to know tiny`, async () =>
          (await callControl(control(h.name), 'network.ls', {})).some((n) => n.id === networkId),
        );
      const made: Array<{ host: string; endpointId: string; ipv4: string }> = [];
      const failures: Array<{ host: string; message: string; exhausted: boolean }> = [];
      const started = performance.now();
      await Promise.all(
        hosts.flatMap((h) =>
          Array.from({ length: IN_FLIGHT_PER_HOST }, async (_, worker) => {
            for (let n = 0; ; n++) {
              const endpointId = `alloc-${h.name}-${worker}-${String(n).padStart(4, '0')}`;
              try {
                const info = await callControl(control(h.name), 'endpoint.create', { networkId, endpointId });
                made.push({ host: h.name, endpointId, ipv4: info.ipv4 as string });
              } catch (error) {
                failures.push({
                  host: h.name,
                  message: (error as Error).message,
                  exhausted: isControllerError(error, 'EXHAUSTED'),
                });
                return;
              }
            }
          }),
        ),
      );
      t.diagnostic(
        `${made.length} addresses handed out in ${(performance.now() - started).toFixed(0)} ms: ${hosts.map((h) => `${h.name} ${made.filter((m) => m.host === h.name).length}`).join(', ')}`,
      );
      assert.equal(made.length, 13, '/28: 16 addresses less network, broadcast and gateway');
      assert.equal(new Set(made.map((m) => m.ipv4)).size, made.length, 'no address twice');
      assert.equal(failures.length, hosts.length * IN_FLIGHT_PER_HOST, 'every worker stopped at its first failure');
      for (const f of failures) {
        assert.ok(f.exhausted, `${f.host}: ${f.message}`);
        assert.match(f.message, /network "tiny" has no free address left/);
      }
      const addresses = await etcdEntries(lab, `addr/${networkId}/`);
      const endpoints = await etcdEntries(lab, `ep/${networkId}/`);
      assert.deepEqual(
        [...addresses].map(([key, owner]) => [key.split('/')[2], owner]).sort(),
        [...endpoints.values()]
          .map((e) => [(e as { ipv4: string }).ipv4.split('/')[0] as string, (e as { endpointId: string }).endpointId])
          .sort(),
        'every addr/ key has its endpoint and every endpoint its addr/ key',
      );
      assert.equal(endpoints.size, 13);
      for (const m of made)
        await callControl(control(m.host), 'endpoint.delete', { networkId, endpointId: m.endpointId });
      await lab.execOk('h1', ['ovsnet', 'network', 'rm', 'tiny']);
    },
  );

  await t.test('ovsnet host rm refuses a live host', async () => {
    const refused = await lab.exec('h1', ['ovsnet', 'host', 'rm', 'h2']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /host "h2" is alive \(its lease is current\)/);
  });

  await t.test(
    'a stopped host is listed dead once its lease expires; host rm then removes its endpoints; it comes back',
    async () => {
      const networkId = (await callControl(control('h1'), 'network.ls', {})).find((n) => n.key === 'clinet')
        ?.id as string;
      const ours = ['gone-h3-0001', 'gone-h3-0002'];
      const addresses: string[] = [];
      for (const endpointId of ours)
        addresses.push((await callControl(control('h3'), 'endpoint.create', { networkId, endpointId })).ipv4 ?? '');
      const daemon = lab.processes().find((p) => p.role === 'ovsnet' && p.host === 'h3');
      assert.ok(daemon && isRunning(daemon), "h3's daemon runs");
      signal(daemon, 'SIGTERM');
      assert.deepEqual(await waitGone([daemon], 15_000), [], 'the daemon stopped');
      const stopped = performance.now();
      const h3 = async (): Promise<HostListing | undefined> =>
        (await callControl(control('h1'), 'host.ls', {})).find((h) => h.id === 'h3');
      await until('h3 to be listed as not alive', async () => (await h3())?.alive === false, HOST_EXPIRY_MS, 250);
      t.diagnostic(`h3 listed dead ${((performance.now() - stopped) / 1000).toFixed(1)} s after its daemon stopped`);
      const dead = await h3();
      assert.equal(dead?.tunnelIp, undefined);
      assert.ok((dead?.endpoints ?? 0) >= ours.length, `h3 still owns its endpoints: ${JSON.stringify(dead)}`);
      assert.match(await lab.execOk('h1', ['ovsnet', 'host', 'ls']), /^h3\s+-\s+no\s+-\s+\d+$/m);

      const removed = await ovsnetJson<{ removed: string[] }>(lab, 'h1', 'host', 'rm', 'h3');
      for (const id of ours) assert.ok(removed.removed.includes(id), `${id} removed: ${removed.removed.join(', ')}`);
      assert.equal(await h3(), undefined, 'h3 is no longer listed');
      const left = [
        ...(await etcdEntries(lab, `ep/${networkId}/`)).keys(),
        ...(await etcdEntries(lab, `addr/${networkId}/`)).keys(),
      ];
      for (const id of ours) assert.ok(!left.some((k) => k.endsWith(`/${id}`)), `no record of ${id} is left`);
      for (const a of addresses)
        assert.ok(!left.includes(`addr/${networkId}/${a.split('/')[0] as string}`), `${a} is free again`);

      await startOvsnetDaemon(lab.plan, lab.host('h3'), new Set(lab.daemonOptions), (started) =>
        recordDaemon(lab, 'h3', started),
      );
      await until('h3 to be alive again', async () => (await h3())?.alive === true, 10_000, 100);
      assert.equal((await h3())?.endpoints, 0, 'h3 came back without the endpoints it lost');
    },
  );
}
