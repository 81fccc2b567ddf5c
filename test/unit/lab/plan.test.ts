// The lab's plan (names, addresses, directories decided before anything exists) and the
// ovsnet daemon command line each host gets, including the multi-host options that are
// passed only once this ovsnet documents them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { daemonArgs, documentedOptions, OVSNET_CLI } from '../../../vagrant/emulation/ovsnet-daemon';
import { labNamespaces, planLab } from '../../../vagrant/emulation/plan';

test('hosts h1..hN get their own namespace, underlay address, directories and container cgroup', () => {
  const plan = planLab({ hosts: 3, docker: true, tunnel: 'gre', dir: '/tmp/lab' }, 'ovlab12');
  assert.deepEqual(
    plan.hosts.map((h) => [h.name, h.netns, h.underlayIp, h.ovsDir, h.stateDir, h.pluginDir, h.docker?.cgroupParent]),
    [1, 2, 3].map((i) => [
      `h${i}`,
      `ovlab12-h${i}`,
      `172.31.0.${i}`,
      `/tmp/lab/h${i}/ovs`,
      `/tmp/lab/h${i}/state`,
      `/tmp/lab/h${i}/plugins`,
      `ovlab12-h${i}`,
    ]),
  );
  assert.equal(plan.etcd.url, 'http://172.31.0.254:2379');
  assert.equal(plan.tunnel, 'gre');
  assert.deepEqual(labNamespaces(plan), ['ovlab12-h1', 'ovlab12-h2', 'ovlab12-h3', 'ovlab12-ul']);
});

test('without --docker no host has an engine; host counts outside 1..250 and odd prefixes are refused', () => {
  const plan = planLab({ hosts: 250, docker: false, tunnel: 'vxlan', dir: '/l' }, 'p');
  assert.equal(plan.hosts.at(-1)?.underlayIp, '172.31.0.250');
  assert.ok(plan.hosts.every((h) => h.docker === undefined));
  for (const hosts of [0, 251, 1.5])
    assert.throws(() => planLab({ hosts, docker: false, tunnel: 'vxlan', dir: '/l' }, 'p'), /--hosts/);
  assert.throws(() => planLab({ hosts: 1, docker: false, tunnel: 'vxlan', dir: '/l' }, 'Bad Prefix'), /prefix/);
});

test('documentedOptions reads every --option of a help text, not words that merely contain dashes', () => {
  const help = '  --state-dir DIR   where\n  --etcd URL[,URL]  store (see --etcd-prefix)\n  x--not-an-option';
  assert.deepEqual([...documentedOptions(help)].sort(), ['etcd', 'etcd-prefix', 'state-dir']);
});

test('each daemon gets its own OVS, state and plugin directory; cluster options only when documented', () => {
  const plan = planLab({ hosts: 2, docker: true, tunnel: 'vxlan', dir: '/lab' }, 'ovlx');
  const h2 = plan.hosts[1]!;
  const singleHost = daemonArgs(plan, h2, new Set(['ovsdb', 'state-dir']));
  assert.deepEqual(singleHost, [
    'daemon',
    '--ovsdb',
    'unix:/lab/h2/ovs/db.sock',
    '--ovs-rundir',
    '/lab/h2/ovs',
    '--bridge',
    'br-int',
    '--datapath',
    'netdev',
    '--state-dir',
    '/lab/h2/state',
    '--plugin-dir',
    '/lab/h2/plugins',
  ]);
  const cluster = daemonArgs(plan, h2, new Set(['etcd', 'tunnel-ip', 'docker-host']));
  assert.deepEqual(cluster.slice(singleHost.length), [
    '--etcd',
    'http://172.31.0.254:2379',
    '--tunnel-ip',
    '172.31.0.2',
    '--docker-host',
    'unix:///lab/h2/docker/docker.sock',
  ]);
  const noDocker = planLab({ hosts: 1, docker: false, tunnel: 'vxlan', dir: '/lab' }, 'ovlx');
  assert.ok(!daemonArgs(noDocker, noDocker.hosts[0]!, new Set(['docker-host'])).includes('--docker-host'));
  const noDockerCluster = daemonArgs(noDocker, noDocker.hosts[0]!, new Set(['etcd', 'docker-host', 'no-docker-sync']));
  assert.deepEqual(noDockerCluster.slice(-3), ['--etcd', 'http://172.31.0.254:2379', '--no-docker-sync']);
});

test('every option the lab always passes is one this ovsnet documents', () => {
  const help = spawnSync(process.execPath, [OVSNET_CLI, 'daemon', '--help'], { encoding: 'utf8' }).stdout;
  const documented = documentedOptions(help);
  const plan = planLab({ hosts: 1, docker: false, tunnel: 'vxlan', dir: '/lab' }, 'ovlx');
  const used = daemonArgs(plan, plan.hosts[0]!, documented)
    .filter((arg) => arg.startsWith('--'))
    .map((arg) => arg.slice(2));
  assert.ok(used.length >= 6);
  assert.deepEqual(
    used.filter((option) => !documented.has(option)),
    [],
  );
});
