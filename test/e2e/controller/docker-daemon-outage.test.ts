// The ovsnet daemon unavailable while Docker works: frozen (SIGSTOP) for 60 s, and killed
// and left down for 2 minutes, each on a private dockerd of its own (the two run side by
// side to keep the file's time near the longer outage). Meanwhile `docker run`,
// `docker rm -f` and `docker network rm` are issued. Each either completes or fails with an
// error naming the ovsnet plugin; once the daemon is back, every container that exists
// works and nothing of the removed ones is left (endpoints, ports, veths, addresses), and
// ovsnet's networks are exactly Docker's.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { withDockerHost, type DockerHost } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';
import { assertAddressesHeld, assertConnected, assertNothingLeaked, containerIp } from '../../harness/ovsnet-checks';
import { sleep } from '../../../controller/ovs/private-ovs';
import { until } from '../../harness/until';

interface Outage {
  name: string;
  /** How long the daemon is unavailable. */
  ms: number;
  begin(host: DockerHost): Promise<void>;
  end(host: DockerHost): Promise<void>;
}

const FROZEN: Outage = {
  name: 'frozen (SIGSTOP) for 60 s',
  ms: 60_000,
  begin: async ({ daemon }) => {
    process.kill(daemonPid(daemon), 'SIGSTOP');
  },
  end: async ({ daemon }) => {
    process.kill(daemonPid(daemon), 'SIGCONT');
  },
};

const STOPPED: Outage = {
  name: 'killed and left down for 2 minutes',
  ms: 120_000,
  begin: ({ daemon }) => daemon.kill9(),
  end: ({ daemon }) => daemon.start(),
};

function daemonPid(daemon: DockerHost['daemon']): number {
  const pid = daemon.pid;
  if (pid === undefined) throw new Error('the ovsnet daemon is not running');
  return pid;
}

async function names(host: DockerHost, ...filter: string[]): Promise<string[]> {
  return (await host.docker.docker('ps', '-a', ...filter, '--format', '{{.Names}}')).split('\n').filter(Boolean).sort();
}

async function ovsnetNetworksMatchDocker(host: DockerHost): Promise<void> {
  const docker = (
    await host.docker.docker('network', 'ls', '--no-trunc', '--filter', 'driver=ovsnet', '--format', '{{.ID}}')
  )
    .split('\n')
    .filter(Boolean)
    .sort();
  const ovsnet = ((await host.daemon.cli('network', 'ls')) as Array<{ id: string }>).map((n) => n.id).sort();
  assert.deepEqual(ovsnet, docker, "ovsnet's networks are Docker's");
}

async function outageScenario(t: TestContext, outage: Outage, octet: number): Promise<void> {
  await withDockerHost(t, { daemonArgs: ['--unused-grace', '10'] }, async (host) => {
    const { docker, image } = host;
    const gateway = `10.${octet}.0.1`;
    await docker.docker(...ovsnetNetwork('n1', '--subnet', `10.${octet}.0.0/24`));
    await docker.docker(...ovsnetNetwork('n2', '--subnet', `10.${octet}.1.0/24`));
    for (const name of ['stays', 'removed'])
      await docker.docker('run', '-d', '--name', name, '--net', 'n1', image, 'sleep', '600');
    await assertConnected(docker, ['stays', 'removed'], 'n1', gateway);

    await outage.begin(host);
    const started = Date.now();
    let results;
    try {
      const run = docker.tryDocker('run', '-d', '--name', 'added', '--net', 'n1', image, 'sleep', '600');
      await sleep(2_000);
      const rm = docker.tryDocker('rm', '-f', 'removed');
      await sleep(2_000);
      const networkRm = docker.tryDocker('network', 'rm', 'n2');
      await sleep(Math.max(0, outage.ms - (Date.now() - started)));
      await outage.end(host);
      results = { run: await run, rm: await rm, networkRm: await networkRm };
    } finally {
      if (outage === FROZEN && host.daemon.pid !== undefined) process.kill(host.daemon.pid, 'SIGCONT');
    }
    for (const [call, result] of Object.entries(results)) {
      t.diagnostic(`${outage.name}: ${call} exit ${result.code} ${result.stderr.trim()}`);
      // A failure says which plugin failed, so an operator knows where to look.
      if (result.code !== 0) assert.match(result.stderr, /ovsnet/, `${call} fails with a clear error`);
    }

    // What a failed `docker run` leaves is Docker's own record, removed as an operator would.
    if (results.run.code !== 0) await docker.tryDocker('rm', '-f', 'added');
    const existing = await names(host);
    if (results.rm.code === 0) assert.ok(!existing.includes('removed'), 'a removed container is gone');
    else await docker.docker('rm', '-f', 'removed');
    const running = await names(host, '--filter', 'status=running');
    assert.deepEqual(running, await names(host), 'every container that exists runs');
    await assertConnected(docker, running, 'n1', gateway);
    await assertNothingLeaked(host.ovs, host.daemon, running.length);
    const ips = await Promise.all(running.map((name) => containerIp(docker, name, 'n1')));
    await assertAddressesHeld(host.daemon, [
      gateway,
      ...ips,
      ...(results.networkRm.code === 0 ? [] : [`10.${octet}.1.1`]),
    ]);
    await until(
      'the removed network gone from ovsnet too',
      async () => {
        try {
          await ovsnetNetworksMatchDocker(host);
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      500,
    ).catch(() => ovsnetNetworksMatchDocker(host));

    // And the network serves new containers as before.
    await docker.docker('run', '-d', '--name', 'after', '--net', 'n1', image, 'sleep', '600');
    await assertConnected(docker, [...running, 'after'], 'n1', gateway);
  });
}

describe('the ovsnet daemon unavailable while Docker works', { concurrency: true }, () => {
  test(FROZEN.name, (t) => outageScenario(t, FROZEN, 83));
  test(STOPPED.name, (t) => outageScenario(t, STOPPED, 84));
});
