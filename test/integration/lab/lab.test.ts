// The emulated multi-host lab (vagrant/lab) that the multi-host tests and benchmark run in:
// one 3-host lab with Docker, shared by the checks below, then removed; and a lab whose
// `up` is killed half-way, removed by `down` all the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { LAB_IMAGE, LAB_MAIN } from '../../../vagrant/emulation/lab';
import { readState } from '../../../vagrant/emulation/state';
import { run } from '../../../controller/host/exec';
import { startTestLab, labDownSync } from '../../harness/lab';
import { makeRunDir, onEmergency } from '../../harness/ledger';
import { DOCKER_BINARIES, ETCD_BINARIES, OVS_BINARIES, requireBinaries } from '../../harness/require';
import { until } from '../../harness/until';
import { footprint, leftovers } from './footprint';
import { clusterChecks } from './cluster-checks';
import { expiryProbes, overlayChecks } from './overlay-checks';
import { dockerMatrixChecks } from './docker-matrix-checks';
import { dockerSyncChecks } from './docker-sync-checks';
import { cliChecks } from './cli-checks';
import { traceChecks } from './trace-checks';
import { createOvsnetNetwork } from './docker-commands';

const LAB_BINARIES = [...OVS_BINARIES, ...DOCKER_BINARIES, ...ETCD_BINARIES];

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function labCli(...args: string[]): ReturnType<typeof run> {
  return run(process.execPath, [LAB_MAIN, ...args], { allowFailure: true, timeoutMs: 120_000 });
}

test('a 3-host lab with Docker: own OVS, underlay, shared etcd, daemons and engines per host; down leaves nothing', async (t) => {
  if (!requireBinaries(t, LAB_BINARIES)) return;
  const progress: string[] = [];
  const upStarted = performance.now();
  const { lab, down } = await startTestLab({ hosts: 3, docker: true, log: (line) => progress.push(line) });
  t.diagnostic(`up (3 hosts, Docker): ${seconds(performance.now() - upStarted)}`);
  for (const line of progress.splice(0)) t.diagnostic(line);
  let removed = false;
  t.after(async () => {
    if (!removed) await down();
  });
  const hosts = lab.hosts;

  await t.test('each host runs its own Open vSwitch with br-int, and br-phy holding its underlay address', async () => {
    const ids = await Promise.all(
      hosts.map(async (h) => {
        const bridges = (await lab.execOk(h.name, ['ovs-vsctl', 'list-br'])).split('\n').filter(Boolean);
        assert.deepEqual(bridges.sort(), ['br-int', 'br-phy'], h.name);
        assert.match(await lab.execOk(h.name, ['ovs-vsctl', 'list-ports', 'br-phy']), /^ul0$/m, h.name);
        assert.match(await lab.execOk(h.name, ['ovs-appctl', 'version']), /Open vSwitch/, `${h.name} ovs-vswitchd`);
        const address = await lab.execOk(h.name, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'br-phy']);
        assert.ok(address.includes(` ${h.underlayIp}/24 `), `${h.name} br-phy: ${address}`);
        return (await lab.execOk(h.name, ['ovs-vsctl', 'get', 'Open_vSwitch', '.', '_uuid'])).trim();
      }),
    );
    assert.equal(new Set(ids).size, hosts.length, 'every host has a database of its own');
  });

  await t.test('every host reaches every other host over the underlay', async () => {
    const pairs = hosts.flatMap((a) => hosts.filter((b) => b !== a).map((b) => [a, b] as const));
    const results = await Promise.all(
      pairs.map(async ([a, b]) => ({
        pair: `${a.name} -> ${b.name}`,
        code: (await lab.exec(a.name, ['ping', '-c', '1', '-W', '2', b.underlayIp])).code,
      })),
    );
    assert.deepEqual(
      results.filter((r) => r.code !== 0).map((r) => r.pair),
      [],
    );
  });

  await t.test('one etcd serves every host over the underlay', async () => {
    const value = `written-on-h1-${Date.now()}`;
    await lab.execOk('h1', ['etcdctl', 'put', '/lab-test/key', value]);
    for (const h of hosts) {
      const health = await lab.exec(h.name, ['etcdctl', 'endpoint', 'health']);
      assert.equal(health.code, 0, `${h.name}: ${health.stderr}`);
      // etcdctl reports health on stderr
      assert.match(health.stdout + health.stderr, /172\.31\.0\.254:2379 is healthy/, h.name);
      assert.equal((await lab.execOk(h.name, ['etcdctl', 'get', '--print-value-only', '/lab-test/key'])).trim(), value);
    }
  });

  await t.test("each host's ovsnet daemon answers on its control socket and drives that host's OVS", async () => {
    await Promise.all(
      hosts.map(async (h) => {
        const explicit = JSON.parse(
          await lab.execOk(h.name, ['ovsnet', 'status', '--state-dir', h.stateDir, '--json']),
        ) as Record<string, unknown>;
        assert.equal(explicit['ovsdb'], `unix:${h.ovsDir}/db.sock`, h.name);
        assert.equal(explicit['ovsdbConnected'], true, h.name);
        assert.equal(explicit['openflow'], 'connected', h.name);
      }),
    );
    // Inside a host, `ovsnet` finds that host's daemon without being told.
    const implicit = JSON.parse(await lab.execOk('h2', ['ovsnet', 'status', '--json'])) as Record<string, unknown>;
    assert.equal(implicit['ovsdb'], `unix:${lab.host('h2').ovsDir}/db.sock`);
  });

  await t.test("each host's dockerd is its own and uses that host's ovsnet", async () => {
    await Promise.all(
      hosts.map(async (h, i) => {
        assert.equal((await lab.execOk(h.name, ['docker', 'info', '--format', '{{.Name}}'])).trim(), h.name);
        await lab.execOk(h.name, ['docker', 'image', 'inspect', '--format', '{{.Id}}', LAB_IMAGE]);
        const id = (await lab.execOk(h.name, createOvsnetNetwork(`10.77.${i + 1}.0/24`, `lab-${h.name}`))).trim();
        const networks = JSON.parse(await lab.execOk(h.name, ['ovsnet', 'network', 'ls', '--json'])) as Array<{
          id: string;
        }>;
        assert.ok(
          networks.some((n) => n.id === id),
          `${h.name}'s daemon serves the network its dockerd created`,
        );
      }),
    );
    // This container stays: down must remove it too.
    await lab.execOk('h1', ['docker', 'run', '-d', '--name', 'probe', '--net', 'lab-h1', LAB_IMAGE, 'sleep', '600']);
    const ping = await lab.exec('h1', ['docker', 'exec', 'probe', 'ping', '-c1', '-W5', '10.77.1.1']);
    assert.equal(ping.code, 0, `a container on h1 reaches its gateway: ${ping.stdout}${ping.stderr}`);
    // The daemon, inside its host, turned IPv6 off on the switch's end of the container's
    // veth (through its own /proc/sys): OVS pays for every address on a port.
    const hostEnds = (await lab.execOk('h1', ['ip', '-o', 'link', 'show', 'type', 'veth']))
      .split('\n')
      .map((line) => /^\d+: (ovp[^:@\s]*)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    assert.ok(hostEnds.length > 0, 'the container has a veth whose host end is on h1');
    for (const name of hostEnds) {
      assert.doesNotMatch(await lab.execOk('h1', ['ip', '-o', 'addr', 'show', 'dev', name]), /inet6/, name);
      assert.equal((await lab.execOk('h1', ['sysctl', '-n', `net.ipv6.conf.${name}.disable_ipv6`])).trim(), '1');
    }
  });

  const overlay = await overlayChecks(t, lab);
  await dockerMatrixChecks(t, lab);
  await clusterChecks(t, lab, expiryProbes(overlay));
  await dockerSyncChecks(t, lab);
  await traceChecks(t, lab);
  await cliChecks(t, lab);

  await t.test('the lab command line runs commands inside a host and returns their exit status', async () => {
    const hostname = await labCli('exec', '--dir', lab.dir, 'h2', '--', 'hostname');
    assert.equal(hostname.stdout.trim(), 'h2', hostname.stderr);
    assert.equal((await labCli('exec', '--dir', lab.dir, 'h3', '--', 'sh', '-c', 'exit 3')).code, 3);
    const status = JSON.parse((await labCli('status', '--dir', lab.dir, '--json')).stdout) as {
      complete: boolean;
      hosts: Array<{ running: Record<string, boolean> }>;
    };
    assert.equal(status.complete, true);
    assert.deepEqual(
      status.hosts.map((h) => Object.values(h.running).every(Boolean)),
      [true, true, true],
    );
  });

  await t.test('down removes every namespace, process, cgroup and directory, containers included', async () => {
    const containerPid = Number(
      (await lab.execOk('h1', ['docker', 'inspect', '--format', '{{.State.Pid}}', 'probe'])).trim(),
    );
    assert.ok(containerPid > 1, 'the container runs');
    const before = footprint(lab.plan, lab.processes(), [containerPid]);
    assert.equal(before.namespaces.length, hosts.length + 1, 'a namespace per host and the underlay');
    assert.ok(before.processes.some((p) => p.pid === containerPid));
    const downStarted = performance.now();
    await down((line) => t.diagnostic(line));
    removed = true;
    t.diagnostic(`down (3 hosts, Docker, one container): ${seconds(performance.now() - downStarted)}`);
    assert.deepEqual(leftovers(before), []);
  });
});

test('down removes everything after `up` was killed with SIGKILL half-way', async (t) => {
  if (!requireBinaries(t, LAB_BINARIES)) return;
  const dir = makeRunDir('lab');
  const unregister = onEmergency(() => labDownSync(dir));
  t.after(() => {
    labDownSync(dir);
    unregister();
  });
  const up = spawn(process.execPath, [LAB_MAIN, 'up', '--hosts', '2', '--docker', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  up.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  up.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => up.once('exit', () => resolve()));
  // Killed while the daemons and engines are being started: the busiest moment of `up`.
  await until(
    '`lab up` to start a dockerd',
    () => up.exitCode !== null || (readState(dir)?.processes ?? []).some((p) => p.role === 'dockerd'),
    60_000,
    20,
  );
  assert.equal(up.exitCode, null, `up was still running when killed:\n${output}`);
  up.kill('SIGKILL');
  await exited;
  const state = readState(dir);
  assert.ok(state, 'the state file was written');
  assert.equal(state.complete, false, `up was killed before it finished:\n${output}`);
  const before = footprint(state.plan, state.processes);
  assert.equal(before.namespaces.length, 3, 'both hosts and the underlay existed when up was killed');
  assert.ok(before.processes.length >= 5, `etcd, OVS and more were running: ${before.processes.length}`);

  const started = performance.now();
  const down = await labCli('down', '--dir', dir);
  t.diagnostic(`down after a killed up: ${seconds(performance.now() - started)}`);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(leftovers(before), []);
});
