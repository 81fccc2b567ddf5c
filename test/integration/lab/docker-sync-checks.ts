// Networks created once for every host, checked with the lab's real dockerds (run inside the
// lab test's shared lab, lab.test.ts): `docker network create` on h1 appears in `docker
// network ls` on h2 and h3, containers on two hosts share it with distinct addresses, a
// clashing create on h2 is refused naming the network, and `docker network rm` on h2 removes
// it from every host once no host has a container in it, and not before.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { LAB_IMAGE, type Lab } from '../../../vagrant/emulation/lab';
import { until } from '../../harness/until';
import { createOvsnetNetwork } from './docker-commands';

const NAME = 'everywhere';
const SUBNET = '10.79.0.0/24';

async function hasNetwork(lab: Lab, host: string, name: string): Promise<boolean> {
  const names = await lab.execOk(host, ['docker', 'network', 'ls', '--format', '{{.Name}}']);
  return names.split('\n').includes(name);
}

async function addressOf(lab: Lab, host: string, container: string): Promise<string> {
  const format = `{{(index .NetworkSettings.Networks "${NAME}").IPAddress}}`;
  return (await lab.execOk(host, ['docker', 'inspect', '--format', format, container])).trim();
}

const create = createOvsnetNetwork;

/** Waits until `host`'s `docker network ls` does (or does not) list the network; returns the ms it took. */
async function untilListed(lab: Lab, host: string, listed: boolean, since: number, withinMs: number): Promise<number> {
  await until(
    `${host} to ${listed ? 'list' : 'no longer list'} ${NAME}`,
    async () => (await hasNetwork(lab, host, NAME)) === listed,
    withinMs,
    20,
  );
  return performance.now() - since;
}

export async function dockerSyncChecks(t: TestContext, lab: Lab): Promise<void> {
  const others = ['h2', 'h3'];

  await t.test('the networks created at once on every host (lab-h1, lab-h2, lab-h3) are on every host', async () => {
    const made = lab.hosts.map((h) => `lab-${h.name}`);
    for (const host of lab.hosts)
      for (const name of made)
        await until(`${host.name} to list ${name}`, () => hasNetwork(lab, host.name, name), 5_000);
  });

  await t.test('a network created with docker on h1 appears in docker network ls on h2 and h3 within 2 s', async () => {
    assert.ok(
      lab.daemonOptions.includes('docker-host'),
      `the lab passes --docker-host: ${lab.daemonOptions.join(' ')}`,
    );
    const started = performance.now();
    await lab.execOk('h1', create(SUBNET, NAME));
    const created = performance.now();
    const seen = await Promise.all(others.map((h) => untilListed(lab, h, true, created, 2_000)));
    t.diagnostic(
      `docker network create on h1 took ${(created - started).toFixed(0)} ms; listed on ${others
        .map((h, i) => `${h} after ${(seen[i] as number).toFixed(0)} ms`)
        .join(', ')}`,
    );
    const ovsnetNetworks = JSON.parse(await lab.execOk('h3', ['ovsnet', 'network', 'ls', '--json'])) as Array<{
      name?: string;
      key: string;
    }>;
    assert.equal(ovsnetNetworks.filter((n) => n.key === NAME).length, 1, 'one cluster network, known by its name');
  });

  await t.test('containers on h1 and h2 join it with distinct addresses from its subnet', async () => {
    await lab.execOk('h1', ['docker', 'run', '-d', '--name', 'sync-c1', '--net', NAME, LAB_IMAGE, 'sleep', '600']);
    await lab.execOk('h2', ['docker', 'run', '-d', '--name', 'sync-c2', '--net', NAME, LAB_IMAGE, 'sleep', '600']);
    const a1 = await addressOf(lab, 'h1', 'sync-c1');
    const a2 = await addressOf(lab, 'h2', 'sync-c2');
    t.diagnostic(`h1's container: ${a1}, h2's container: ${a2}`);
    assert.match(a1, /^10\.79\.0\.\d+$/);
    assert.match(a2, /^10\.79\.0\.\d+$/);
    assert.notEqual(a1, a2);
    assert.ok(![a1, a2].includes('10.79.0.1'), 'the gateway address is no container’s');
    // Each container reaches its own host's gateway port, which has the network's gateway address.
    for (const [host, container] of [
      ['h1', 'sync-c1'],
      ['h2', 'sync-c2'],
    ] as const) {
      const ping = await lab.exec(host, ['docker', 'exec', container, 'ping', '-c1', '-W5', '10.79.0.1']);
      assert.equal(ping.code, 0, `${host}: ${ping.stdout}${ping.stderr}`);
    }
    await lab.execOk('h2', ['docker', 'rm', '-f', 'sync-c2']);
  });

  await t.test('a clashing create on h2 is refused naming the existing network', async () => {
    const sameName = await lab.exec('h2', create('10.79.0.0/16', NAME));
    assert.notEqual(sameName.code, 0);
    assert.match(sameName.stderr, new RegExp(`${NAME}.*already exists`), 'Docker itself knows the name here');
    const sameKey = await lab.exec('h2', create('10.80.0.0/24', 'elsewhere', '-o', `ovsnet.name=${NAME}`));
    assert.notEqual(sameKey.code, 0);
    assert.match(
      sameKey.stderr,
      /the name "everywhere" already belongs to network "everywhere" \(10\.79\.0\.0\/24, created on host h1\), whose settings differ: subnets 10\.80\.0\.0\/24/,
    );
    const overlapping = await lab.exec('h2', create('10.79.0.0/25', 'overlapping'));
    assert.notEqual(overlapping.code, 0);
    assert.match(
      overlapping.stderr,
      /overlaps pool 10\.79\.0\.0\/24 already in use by network "everywhere" \(10\.79\.0\.0\/24, created on host h1\)/,
    );
    for (const host of lab.hosts)
      for (const refused of ['elsewhere', 'overlapping'])
        assert.equal(await hasNetwork(lab, host.name, refused), false, `${host.name} has no ${refused}`);
  });

  await t.test(
    'docker network rm on h2 while h1 has a container keeps the network, refusing with h1 named',
    async () => {
      const logBefore = readFileSync(lab.host('h2').daemonLog, 'utf8').length;
      const removed = await lab.exec('h2', ['docker', 'network', 'rm', NAME]);
      const removedAt = performance.now();
      // Docker 20.10 removes its own copy whatever the driver answers and only logs the
      // refusal; the cluster network stays, so h2's copy comes back.
      t.diagnostic(`docker network rm on h2: exit ${removed.code} ${removed.stderr.trim()}`);
      const refusal = /network \\?"everywhere\\?" .* is still in use on host h1 \(1 endpoint\)/;
      if (removed.code !== 0) assert.match(removed.stderr, refusal);
      else {
        await until('ovsnet on h2 to log its refusal', () =>
          refusal.test(readFileSync(lab.host('h2').daemonLog, 'utf8').slice(logBefore)),
        );
        const back = await untilListed(lab, 'h2', true, removedAt, 2_000);
        t.diagnostic(`h2's copy was back after ${back.toFixed(0)} ms`);
      }
      for (const host of ['h1', 'h3']) assert.ok(await hasNetwork(lab, host, NAME), `${host} still has it`);
      assert.equal(await addressOf(lab, 'h1', 'sync-c1').then((a) => a !== ''), true, "h1's container is still on it");
    },
  );

  await t.test('once no host has a container in it, docker network rm on h2 removes it from every host', async () => {
    await lab.execOk('h1', ['docker', 'rm', '-f', 'sync-c1']);
    const started = performance.now();
    await lab.execOk('h2', ['docker', 'network', 'rm', NAME]);
    const gone = await Promise.all(lab.hosts.map((h) => untilListed(lab, h.name, false, started, 5_000)));
    t.diagnostic(
      `gone from ${lab.hosts.map((h, i) => `${h.name} after ${(gone[i] as number).toFixed(0)} ms`).join(', ')}`,
    );
    const ovsnetNetworks = JSON.parse(await lab.execOk('h1', ['ovsnet', 'network', 'ls', '--json'])) as Array<{
      key: string;
    }>;
    assert.equal(ovsnetNetworks.filter((n) => n.key === NAME).length, 0, 'the cluster network is gone');
    const pools = await lab.execOk('h1', ['ovsnet', 'ipam', 'ls', '--json']);
    assert.ok(!pools.includes(SUBNET), `its pool was given back by every host: ${pools}`);
    for (const host of lab.hosts) {
      const log = readFileSync(host.daemonLog, 'utf8');
      assert.ok(!log.includes('cannot make this host’s Docker network match'), `${host.name}'s sync had no trouble`);
    }
  });
}
