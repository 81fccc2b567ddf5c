// Checks of the cluster store across the lab's hosts, run inside the lab test's shared lab
// (lab.test.ts): every daemon is a live host in etcd, a network created through one host's
// dockerd is known on the others within 2 s, and a killed daemon's host record expires after
// its TTL and comes back with the daemon.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { Lab } from '../../../vagrant/emulation/lab';
import { startOvsnetDaemon } from '../../../vagrant/emulation/ovsnet-daemon';
import { isRunning, signal, waitGone } from '../../../vagrant/emulation/processes';
import { readState, writeState, type ProcessRecord } from '../../../vagrant/emulation/state';
import { until } from '../../harness/until';
import { createOvsnetNetwork } from './docker-commands';

/** The daemon's default --host-ttl: the lab passes none. */
const HOST_TTL_MS = 15_000;

interface HostEntry {
  id: string;
  tunnelIp: string;
  since: string;
}

async function liveHosts(lab: Lab): Promise<Array<[string, string]>> {
  const values = await lab.execOk('h1', ['etcdctl', 'get', '--prefix', '--print-value-only', '/ovsnet/hosts/']);
  return values
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as HostEntry)
    .map((h): [string, string] => [h.id, h.tunnelIp])
    .sort(([a], [b]) => a.localeCompare(b));
}

async function networkIds(lab: Lab, host: string): Promise<string[]> {
  const listed = JSON.parse(await lab.execOk(host, ['ovsnet', 'network', 'ls', '--json'])) as Array<{ id: string }>;
  return listed.map((n) => n.id);
}

/** Replaces the host's ovsnet process in the lab's state file, so status and down know it. */
export function recordDaemon(lab: Lab, host: string, started: ProcessRecord): void {
  const state = readState(lab.dir);
  if (!state) throw new Error(`no lab state in ${lab.dir}`);
  state.processes = [...state.processes.filter((p) => !(p.role === 'ovsnet' && p.host === host)), started];
  writeState(state);
}

/** What else to check while a host is expired, and once it is back (the overlay's part). */
export interface ExpiryProbes {
  whileExpired(): Promise<void>;
  afterReturn(): Promise<void>;
}

export async function clusterChecks(t: TestContext, lab: Lab, expiry?: ExpiryProbes): Promise<void> {
  const hosts = lab.hosts;
  const expectedHosts = hosts.map((h): [string, string] => [h.name, h.underlayIp]);

  await t.test('every daemon is a live host in etcd, with its underlay address as tunnel address', async () => {
    assert.ok(lab.daemonOptions.includes('etcd'), `the lab passes --etcd: ${lab.daemonOptions.join(' ')}`);
    assert.deepEqual(await liveHosts(lab), expectedHosts);
    await Promise.all(
      hosts.map(async (h) => {
        const status = JSON.parse(await lab.execOk(h.name, ['ovsnet', 'status', '--json'])) as Record<string, unknown>;
        assert.equal(status['hostId'], h.name);
        assert.equal(status['tunnelIp'], h.underlayIp);
        assert.equal(status['clusterStore'], lab.plan.etcd.url);
        assert.equal(status['clusterStoreReachable'], 'yes');
      }),
    );
  });

  await t.test("a network created through h1's dockerd is known on h2 and h3 within 2 s", async () => {
    const id = (await lab.execOk('h1', createOvsnetNetwork('10.78.0.0/24', 'shared'))).trim();
    const created = performance.now();
    const others = hosts.filter((h) => h.name !== 'h1').map((h) => h.name);
    const seen = await Promise.all(
      others.map(async (name) => {
        await until(`${name} to list the network`, async () => (await networkIds(lab, name)).includes(id), 2_000, 20);
        return performance.now() - created;
      }),
    );
    t.diagnostic(`listed on ${others.join(', ')} after ${seen.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);
    // Each host gives the network a gateway port of its own, once its watch told it.
    const detail = JSON.parse(await lab.execOk('h2', ['ovsnet', 'network', 'inspect', id, '--json'])) as {
      network: { gatewayIfname: string };
    };
    await Promise.all(
      hosts.map((h) =>
        until(`${h.name} to have the gateway port`, async () =>
          (await lab.execOk(h.name, ['ovs-vsctl', 'list-ports', 'br-int']))
            .split('\n')
            .includes(detail.network.gatewayIfname),
        ),
      ),
    );
  });

  await t.test(
    "a killed daemon's host record expires after the TTL; restarting the daemon brings it back",
    async () => {
      const h3 = lab.host('h3');
      const daemon = lab.processes().find((p) => p.role === 'ovsnet' && p.host === 'h3');
      assert.ok(daemon && isRunning(daemon), "h3's daemon runs");
      signal(daemon, 'SIGKILL');
      const killed = performance.now();
      assert.deepEqual(await waitGone([daemon], 5_000), [], 'the daemon is gone');
      assert.deepEqual(await liveHosts(lab), expectedHosts, 'right after the kill, h3 still counts as alive');
      await until(
        "h3's record to expire",
        async () => !(await liveHosts(lab)).some(([id]) => id === 'h3'),
        HOST_TTL_MS + 10_000,
        200,
      );
      const expiredAfter = performance.now() - killed;
      await expiry?.whileExpired();
      t.diagnostic(`h3's record expired ${(expiredAfter / 1000).toFixed(1)} s after the kill`);
      // The lease was renewed at most a third of the TTL before the kill.
      assert.ok(expiredAfter >= (HOST_TTL_MS * 2) / 3 - 1_000, `expired after ${expiredAfter.toFixed(0)} ms`);

      await startOvsnetDaemon(lab.plan, h3, new Set(lab.daemonOptions), (started) => recordDaemon(lab, 'h3', started));
      await until('h3 to be a live host again', async () => (await liveHosts(lab)).some(([id]) => id === 'h3'), 5_000);
      assert.deepEqual(await liveHosts(lab), expectedHosts);
      assert.ok((await networkIds(lab, 'h3')).length > 0, "h3's daemon serves the cluster's networks again");
      await expiry?.afterReturn();
    },
  );
}
