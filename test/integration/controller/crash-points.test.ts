// The daemon killed (SIGKILL, by the OVSNET_TEST_CRASH_AT hook of controller/crash-points.ts)
// between the steps of CreateEndpoint, Join, Leave, DeleteEndpoint and DeleteNetwork, with a
// real OVS under it and the calls coming through the plugin socket as Docker makes them.
// After a restart without the hook the interrupted call is repeated (as Docker does) and the
// container's life goes on: it must reach its gateway, and once the container and its
// network are removed nothing may be left (ports, veths, flows by cookie, NAT rules for the
// published port, gateway addresses, IPAM addresses, store records). One host serves every
// crash point in turn.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CRASH_AT_VARIABLE, CRASH_POINTS, type CrashPoint } from '../../../controller/crash-points';
import { callControl } from '../../../controller/control/client';
import { attachEndpointId } from '../../../controller/attach/managed';
import { vethNamesFor } from '../../../controller/host/links';
import { controlSocket, takeFootprint, type Footprint } from '../../harness/footprint';
import { Netns } from '../../harness/netns';
import { ovsnetDaemonFor, type OvsnetDaemon } from '../../harness/ovsnet-daemon';
import type { OvsInstance } from '../../harness/ovs';
import { callPlugin, type PluginAnswer } from '../../harness/plugin-client';
import { ping } from '../../harness/probes';
import { sharedRig, type RigScope } from '../../harness/rig';
import { until } from '../../harness/until';
import { ovsNeeds, startOvs } from '../../harness/with-ovs';
import {
  abandonContainerAndNetwork,
  removeContainerAndNetwork,
  runContainer,
  type ContainerPlan,
  type PluginCaller,
} from './docker-lifecycle';

interface Scenario {
  point: CrashPoint;
  /** The plugin call the point lies in. */
  method: string;
  /** The daemon runs without its port pool (`--port-pool 0`), so Join makes a veth of its own. */
  ownVeth: boolean;
  /** After the crash Docker gives the container up (deletes the endpoint) instead of repeating the call. */
  rollback?: boolean;
}

/** Thrown instead of repeating the interrupted call when the scenario rolls back. */
class DockerGaveUp extends Error {}

const SCENARIOS: Scenario[] = [
  { point: 'create-endpoint:after-record', method: 'NetworkDriver.CreateEndpoint', ownVeth: false },
  { point: 'join:after-veth', method: 'NetworkDriver.Join', ownVeth: true },
  { point: 'join:after-claim', method: 'NetworkDriver.Join', ownVeth: false },
  { point: 'join:after-record', method: 'NetworkDriver.Join', ownVeth: false },
  { point: 'join:after-record', method: 'NetworkDriver.Join', ownVeth: true },
  { point: 'join:after-ready', method: 'NetworkDriver.Join', ownVeth: false },
  { point: 'join:after-veth', method: 'NetworkDriver.Join', ownVeth: true, rollback: true },
  { point: 'join:after-claim', method: 'NetworkDriver.Join', ownVeth: false, rollback: true },
  { point: 'join:after-record', method: 'NetworkDriver.Join', ownVeth: false, rollback: true },
  { point: 'join:after-ready', method: 'NetworkDriver.Join', ownVeth: false, rollback: true },
  { point: 'leave:after-record', method: 'NetworkDriver.Leave', ownVeth: false },
  { point: 'delete-endpoint:after-record', method: 'NetworkDriver.DeleteEndpoint', ownVeth: false },
  { point: 'delete-endpoint:after-record', method: 'NetworkDriver.DeleteEndpoint', ownVeth: true },
  { point: 'delete-endpoint:after-unlink', method: 'NetworkDriver.DeleteEndpoint', ownVeth: false },
  { point: 'delete-endpoint:after-unlink', method: 'NetworkDriver.DeleteEndpoint', ownVeth: true },
  { point: 'delete-network:after-record', method: 'NetworkDriver.DeleteNetwork', ownVeth: false },
];

/** Crash points on the way of `ovsnet attach` (the daemon's control socket) rather than Docker's calls. */
const ATTACH_POINTS: CrashPoint[] = ['create-joined:after-record'];

interface Host {
  ovs: OvsInstance;
  daemon: OvsnetDaemon;
  socket: string;
  /** What the host holds with no network: every scenario must end with exactly this. */
  baseline: Footprint;
  /** Whether the daemon now running was started with `--port-pool 0`. */
  poolOff: boolean;
}

/** The daemon's own arguments for a scenario: its port pool off when Join must make its own veth. */
function daemonArgsOf(scenario: Scenario): string[] {
  return scenario.ownVeth ? ['--port-pool', '0'] : [];
}

/** Restarts the daemon when the scenario needs the pool on and it is off, or the other way round. */
async function daemonFor(host: Host, scenario: Scenario): Promise<void> {
  if (host.poolOff === scenario.ownVeth) return;
  await host.daemon.stop();
  await host.daemon.start({}, daemonArgsOf(scenario));
  host.poolOff = scenario.ownVeth;
}

async function startHost(scope: RigScope): Promise<Host> {
  const ovs = await startOvs(scope);
  // No Docker engine here: none is asked about containers (not even the system's).
  const daemon = ovsnetDaemonFor(scope, ovs, { extraArgs: ['--docker-host', 'none'] });
  await daemon.start();
  return {
    ovs,
    daemon,
    socket: join(daemon.stateDir, 'plugins', 'ovsnet.sock'),
    baseline: await takeFootprint(ovs, daemon.stateDir),
    poolOff: false,
  };
}

function succeeded(method: string, answer: PluginAnswer): PluginAnswer {
  assert.equal(answer.status, 200, `${method}: ${answer.text}`);
  assert.equal(answer.json['Err'] ?? answer.json['Error'], undefined, `${method}: ${answer.text}`);
  return answer;
}

/**
 * Calls the plugin as Docker does; the scenario's call runs on a daemon armed with its
 * crash point, which must die there, and is repeated once the daemon is back.
 */
function callerFor(host: Host, scenario: Scenario): PluginCaller {
  return async (method, body) => {
    if (method !== scenario.method) return succeeded(method, await callPlugin(host.socket, method, body));
    await host.daemon.stop();
    await host.daemon.start({ [CRASH_AT_VARIABLE]: scenario.point }, daemonArgsOf(scenario));
    // Most points fail the call; those after the answer (the veth's removal) let it succeed.
    await callPlugin(host.socket, method, body).catch((error: unknown) => error);
    const exit = await host.daemon.exited(20_000);
    assert.equal(exit.signal, 'SIGKILL', `the daemon was killed at ${scenario.point}`);
    assert.match(host.daemon.logs(20), new RegExp(`crash point reached: ${scenario.point}`));
    await host.daemon.start({}, daemonArgsOf(scenario));
    if (scenario.rollback) throw new DockerGaveUp(`${method} failed`);
    return succeeded(`${method} repeated after the crash`, await callPlugin(host.socket, method, body));
  };
}

async function assertBackToBaseline(host: Host): Promise<void> {
  let now: Footprint | undefined;
  await until(
    'the host back to what it held before the container',
    async () => {
      now = await takeFootprint(host.ovs, host.daemon.stateDir);
      return JSON.stringify(now) === JSON.stringify(host.baseline);
    },
    20_000,
    200,
  ).catch(() => assert.deepEqual(now, host.baseline, 'nothing of the container or its network is left'));
}

describe('the daemon killed between the steps of each plugin call', () => {
  const rig = sharedRig({ needs: ovsNeeds({ needs: ['ping', 'iptables-save'] }), start: startHost });

  test('every crash point has a scenario', () => {
    assert.deepEqual(
      [...new Set([...SCENARIOS.map((s) => s.point), ...ATTACH_POINTS])].sort(),
      [...CRASH_POINTS].sort(),
    );
  });

  for (const [index, scenario] of SCENARIOS.entries()) {
    const kind = scenario.ownVeth ? 'own veth' : 'pooled veth';
    const outcome = scenario.rollback
      ? 'Docker gives the container up, nothing leaks'
      : 'the repeated call completes, the container works, nothing leaks';
    test(`${scenario.point} (${kind}): ${outcome}`, (t) =>
      rig.run(t, async (host) => {
        await daemonFor(host, scenario);
        const sandbox = await Netns.create('c');
        t.after(() => sandbox.destroy());
        const plan: ContainerPlan = {
          networkId: randomBytes(32).toString('hex'),
          endpointId: randomBytes(32).toString('hex'),
          subnet: `10.97.${index}.0/24`,
          hostPort: 18_100 + index,
          ownVeth: scenario.ownVeth,
          host: host.ovs.netns,
          sandbox,
        };
        const calls = callerFor(host, scenario);
        let address = '';
        const call: PluginCaller = async (method, body) => {
          const answer = await calls(method, body);
          if (method === 'IpamDriver.RequestAddress') address = String(answer.json['Address']).split('/')[0] as string;
          return answer;
        };
        const container = await runContainer(call, plan).catch(async (error: unknown) => {
          if (!(error instanceof DockerGaveUp)) throw error;
          await abandonContainerAndNetwork(call, plan, address);
          return undefined;
        });
        if (container === undefined) {
          await assertBackToBaseline(host);
          return;
        }
        await until('the container reaching its gateway', () => ping(sandbox, container.gateway), 15_000, 100);
        const wired = await takeFootprint(host.ovs, host.daemon.stateDir);
        assert.ok(wired.ports.includes(container.hostIfname), `its port ${container.hostIfname} is on the bridge`);
        assert.ok(wired.flowObjects.includes(`endpoint:${container.ofport}`), 'its port has flows');
        assert.ok(
          wired.natRules.some((r) => r.includes(`--dport ${plan.hostPort}`)),
          `host port ${plan.hostPort} is published`,
        );
        await removeContainerAndNetwork(call, plan, container.ip);
        await assertBackToBaseline(host);
      }));
  }

  /** A network made through the control socket, and an `ovsnet attach add-port` request into `sandbox`. */
  async function attachSetup(host: Host, sandbox: Netns, subnet: string) {
    const control = controlSocket(host.daemon.stateDir);
    const network = `attach-${subnet.split('.')[2] ?? '0'}`;
    const prefix = subnet.replace(/\.0\/24$/, '');
    await callControl(control, 'network.create', {
      id: network,
      name: network,
      ipv4: [{ pool: subnet, gateway: `${prefix}.1` }],
      ipv6: [],
      icc: true,
      internal: false,
    });
    const request = (container: string, netns: Netns) => ({
      bridge: 'br-int',
      ifname: 'eth1',
      container,
      address: `${prefix}.5/24`,
      network,
      target: { given: container, aliases: [container], nsPath: netns.path },
    });
    const vethOf = (container: string): string => vethNamesFor(attachEndpointId(container, 'eth1')).host;
    return {
      control,
      network,
      gateway: `${prefix}.1`,
      request: request('c-attach', sandbox),
      requestFor: request,
      vethOf,
    };
  }

  test('create-joined:after-record (hand attach): the restart removes the unfinished endpoint, the repeated attach completes, nothing leaks', (t) =>
    rig.run(t, async (host) => {
      const sandbox = await Netns.create('c');
      t.after(() => sandbox.destroy());
      const { control, network, gateway, request, vethOf } = await attachSetup(host, sandbox, '10.97.200.0/24');
      const args = host.poolOff ? ['--port-pool', '0'] : [];
      await host.daemon.stop();
      await host.daemon.start({ [CRASH_AT_VARIABLE]: 'create-joined:after-record' }, args);
      await callControl(control, 'attach.add', request, 20_000).catch((error: unknown) => error);
      const exit = await host.daemon.exited(20_000);
      assert.equal(exit.signal, 'SIGKILL', 'the daemon was killed after storing the endpoint');
      await host.daemon.start({}, args);
      // The attach never answered: the restart's sweep takes its endpoint and veth away.
      await until(
        'the unfinished endpoint and its veth to be gone',
        async () =>
          (await callControl(control, 'endpoint.ls', {})).length === 0 &&
          !(await takeFootprint(host.ovs, host.daemon.stateDir)).veths.includes(vethOf('c-attach')),
        15_000,
        100,
      );
      const answer = await callControl(control, 'attach.add', request, 30_000);
      assert.equal(answer.port, vethOf('c-attach'));
      await until('the sandbox reaching its gateway', () => ping(sandbox, gateway), 15_000, 100);
      assert.ok(
        (await takeFootprint(host.ovs, host.daemon.stateDir)).ports.includes(answer.port),
        'its port is on the bridge',
      );
      await callControl(control, 'attach.remove', { target: request.target, ifname: 'eth1' });
      await callControl(control, 'network.delete', { id: network });
      await assertBackToBaseline(host);
    }));

  test('an attach the store refuses (its address taken) leaves no veth, port or endpoint of its own', (t) =>
    rig.run(t, async (host) => {
      const first = await Netns.create('c');
      t.after(() => first.destroy());
      const second = await Netns.create('c');
      t.after(() => second.destroy());
      const { control, network, gateway, request, requestFor, vethOf } = await attachSetup(
        host,
        first,
        '10.97.201.0/24',
      );
      await callControl(control, 'attach.add', request, 30_000);
      await assert.rejects(callControl(control, 'attach.add', requestFor('c-taken', second), 30_000), /already used/);
      const after = await takeFootprint(host.ovs, host.daemon.stateDir);
      assert.ok(after.veths.includes(vethOf('c-attach')), 'control: the first attach has its veth');
      assert.ok(!after.veths.includes(vethOf('c-taken')), 'the refused attach left no veth');
      assert.ok(!after.ports.includes(vethOf('c-taken')), 'nor a port');
      assert.deepEqual(
        (await callControl(control, 'endpoint.ls', {})).map((e) => e.hostIfname),
        [vethOf('c-attach')],
        'nor an endpoint',
      );
      assert.equal(await ping(first, gateway), true, 'the first attach works');
      await callControl(control, 'attach.remove', { target: request.target, ifname: 'eth1' });
      await callControl(control, 'network.delete', { id: network });
      await assertBackToBaseline(host);
    }));
});
