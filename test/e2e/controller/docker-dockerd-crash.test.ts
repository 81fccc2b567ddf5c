// dockerd killed with -9 under running containers on ovsnet networks, each scenario on a
// private dockerd of its own: with --live-restore the containers keep running, their ovsnet
// ports and traffic survive and everything still works once dockerd is back; without it the
// containers die with dockerd's return and nothing of them is left in OVS; and dockerd
// started while ovsnet is down, ovsnet a few seconds later (Docker's plugin retry finds it).
// While the containers live, a container pings one on another network ten times a second
// over a route that leaves only the switch between them: not one answer may come.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { withDockerHost, type DockerHost } from '../../harness/docker-host';
import { Netns } from '../../harness/netns';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';
import { assertConnected, assertNothingLeaked, containerIp, endpointPorts } from '../../harness/ovsnet-checks';
import { ping } from '../../harness/probes';
import { until } from '../../harness/until';
import { sleep } from '../../../controller/ovs/private-ovs';
import { flood } from '../../integration/controller/two-networks';

const DAEMON_ARGS = ['--unused-grace', '10'];

interface Layout {
  gateway: string;
  /** a's network namespace, seen from the host. */
  a: Netns;
  bIp: string;
  cIp: string;
}

/** ca and cb on n1, cc on n2; ca routes n2's subnet over its own link (only the switch can stop it). */
async function layout(t: TestContext, host: DockerHost, octet: number, runArgs: string[] = []): Promise<Layout> {
  const { docker, image } = host;
  await docker.docker(...ovsnetNetwork('n1', '--subnet', `10.${octet}.0.0/24`));
  await docker.docker(...ovsnetNetwork('n2', '--subnet', `10.${octet}.1.0/24`));
  for (const [name, net] of [
    ['ca', 'n1'],
    ['cb', 'n1'],
    ['cc', 'n2'],
  ] as const)
    await docker.docker('run', '-d', '--name', name, '--net', net, ...runArgs, image, 'sleep', '600');
  const gateway = `10.${octet}.0.1`;
  await assertConnected(docker, ['ca', 'cb'], 'n1', gateway);
  const pid = Number((await docker.docker('inspect', '-f', '{{.State.Pid}}', 'ca')).trim());
  const a = await Netns.attach('a', pid);
  t.after(() => a.destroy());
  await a.ip('route', 'add', `10.${octet}.1.0/24`, 'dev', 'eth0');
  return { gateway, a, bIp: await containerIp(docker, 'cb', 'n1'), cIp: await containerIp(docker, 'cc', 'n2') };
}

async function running(host: DockerHost): Promise<string[]> {
  return (await host.docker.docker('ps', '--format', '{{.Names}}')).split('\n').filter(Boolean).sort();
}

describe('dockerd kill -9 under ovsnet containers', () => {
  test('with --live-restore: containers, their ports and traffic survive; all works after dockerd returns', (t) =>
    withDockerHost(t, { daemonArgs: DAEMON_ARGS, dockerArgs: ['--live-restore'] }, async (host) => {
      const net = await layout(t, host, 85);
      const portsBefore = await endpointPorts(host.ovs, host.daemon);
      const probes = flood(net.a, net.cIp, 25);
      await host.docker.kill9();
      await sleep(2_000);
      assert.equal(await ping(net.a, net.bIp), true, 'a reaches b while dockerd is dead');
      assert.deepEqual(await endpointPorts(host.ovs, host.daemon), portsBefore, 'the containers keep their ports');
      await host.docker.startAfterCrash();
      assert.deepEqual(await running(host), ['ca', 'cb', 'cc'], 'the containers kept running');
      assert.equal(await probes, 0, 'not one cross-network ping was answered');
      await assertConnected(host.docker, ['ca', 'cb'], 'n1', net.gateway);
      await host.docker.docker('run', '-d', '--name', 'cd', '--net', 'n1', host.image, 'sleep', '600');
      await assertConnected(host.docker, ['ca', 'cb', 'cd'], 'n1', net.gateway);
      await assertNothingLeaked(host.ovs, host.daemon, 4);
    }));

  test('without --live-restore: the containers die when dockerd returns and nothing of them is left in OVS', (t) =>
    withDockerHost(t, { daemonArgs: DAEMON_ARGS }, async (host) => {
      const net = await layout(t, host, 86);
      const probes = flood(net.a, net.cIp, 15);
      await host.docker.kill9();
      await sleep(2_000);
      await host.docker.startAfterCrash();
      await until('the containers stopped', async () => (await running(host)).length === 0, 60_000, 500);
      assert.equal(await probes, 0, 'not one cross-network ping was answered');
      await assertNothingLeaked(host.ovs, host.daemon, 0);
      await host.docker.docker('start', 'ca', 'cb');
      await assertConnected(host.docker, ['ca', 'cb'], 'n1', net.gateway);
      await assertNothingLeaked(host.ovs, host.daemon, 2);
    }));

  test('dockerd started while ovsnet is down, ovsnet after it: Docker finds the plugin and containers come back', (t) =>
    withDockerHost(t, { daemonArgs: DAEMON_ARGS }, async (host) => {
      const net = await layout(t, host, 87, ['--restart', 'always']);
      await host.daemon.kill9();
      const dockerBack = host.docker.restart();
      await sleep(5_000);
      await host.daemon.start();
      await dockerBack;
      await until(
        'the --restart always containers running again',
        async () => JSON.stringify(await running(host)) === JSON.stringify(['ca', 'cb', 'cc']),
        90_000,
        500,
      );
      await assertConnected(host.docker, ['ca', 'cb'], 'n1', net.gateway);
      const fromA = await host.docker.tryDocker('exec', 'ca', 'ping', '-c', '2', '-W', '1', net.cIp);
      assert.notEqual(fromA.code, 0, 'n1 still cannot reach n2');
      await assertNothingLeaked(host.ovs, host.daemon, 3);
    }));
});
