// `ovsnet network create|ls|rm`, `ovsnet host ls` and `ovsnet attach --network` against a
// real daemon on one host, without etcd or Docker: a network made by name is listed with
// its endpoints, repeated creation is idempotent, a conflicting one fails saying why, a port
// attached with only --network gets an address of the network and reaches the others, and
// the network cannot be removed while it has endpoints, then goes with its gateway port.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { OvsInstance } from '../../harness/ovs';
import { Netns } from '../../harness/netns';
import { ovsnetDaemonFor, type OvsnetDaemon } from '../../harness/ovsnet-daemon';
import { sharedRig, type RigScope } from '../../harness/rig';
import { ovsNeeds, startOvs } from '../../harness/with-ovs';
import { ping } from '../../harness/probes';
import { until } from '../../harness/until';

const CLI = join(__dirname, '..', '..', '..', 'drivers', 'cli', 'main.js');

interface Host {
  ovs: OvsInstance;
  daemon: OvsnetDaemon;
  containers: [Netns, Netns];
}

async function startHost(scope: RigScope): Promise<Host> {
  const ovs = await startOvs(scope);
  const daemon = ovsnetDaemonFor(scope, ovs);
  await daemon.start();
  const containers: Netns[] = [];
  for (let i = 0; i < 2; i++) {
    const ns = await Netns.create('c');
    scope.defer(() => ns.destroy());
    containers.push(ns);
  }
  return { ovs, daemon, containers: containers as [Netns, Netns] };
}

interface Listed {
  id: string;
  key: string;
  icc: boolean;
  internal: boolean;
  ipv4: Array<{ pool: string; gateway?: string }>;
  endpointsPerHost: Record<string, number>;
}

describe('ovsnet network and host commands on one host', () => {
  const rig = sharedRig({ needs: ovsNeeds({ needs: ['ping'] }), start: startHost });
  const attach = (host: Host, ...args: string[]) =>
    host.ovs.netns.tryExec(process.execPath, [CLI, 'attach', ...args], { env: host.ovs.env, timeoutMs: 60_000 });
  const listed = async (host: Host): Promise<Listed[]> => (await host.daemon.cli('network', 'ls')) as Listed[];
  let blueId = '';

  test('network create makes a network by name, listed with its settings; the same request again is the same network', (t) =>
    rig.run(t, async (host) => {
      const created = await host.daemon.tryCli('network', 'create', 'blue', '--subnet', '10.91.0.0/24', '--icc=false');
      assert.equal(created.code, 0, created.stderr);
      blueId = created.stdout.trim();
      assert.match(blueId, /^[0-9a-f]{64}$/);
      const [blue, ...others] = await listed(host);
      assert.deepEqual(others, []);
      assert.deepEqual(
        [blue?.id, blue?.key, blue?.icc, blue?.internal, blue?.ipv4, blue?.endpointsPerHost],
        [blueId, 'blue', false, false, [{ pool: '10.91.0.0/24', gateway: '10.91.0.1' }], {}],
      );
      const again = await host.daemon.tryCli('network', 'create', 'blue', '--subnet', '10.91.0.0/24', '--icc=false');
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout.trim(), blueId);
      const table = await host.daemon.tryCli('network', 'ls');
      assert.match(table.stdout, /^ID\s+KEY\s+TAG\s+SUBNETS\s+VNI\s+TUNNEL\s+ICC\s+INTERNAL\s+ENDPOINTS$/m);
      assert.match(
        table.stdout,
        new RegExp(
          `^${blueId.slice(0, 12)}\\s+blue\\s+\\d+\\s+10\\.91\\.0\\.0/24\\s+vxlan\\s+false\\s+false\\s+0$`,
          'm',
        ),
      );
    }));

  test('a taken name with other settings, an overlapping subnet and bad options fail and change nothing', (t) =>
    rig.run(t, async (host) => {
      const cases: Array<[string[], number, RegExp]> = [
        [
          ['blue', '--subnet', '10.91.0.0/24', '--internal'],
          1,
          /network "blue" already exists with other settings: icc false \(asked true\); internal false \(asked true\)/,
        ],
        [
          ['red', '--subnet', '10.91.0.128/25'],
          1,
          /subnet 10\.91\.0\.128\/25 overlaps 10\.91\.0\.0\/24 of network "blue"/,
        ],
        [
          ['red', '--subnet', '10.92.0.0/24', '--gateway', '10.93.0.1'],
          1,
          /gateway 10\.93\.0\.1 is outside subnet 10\.92\.0\.0\/24/,
        ],
        [['red', '--subnet', '10.92.0.0/24', '--tunnel', 'geneve'], 2, /--tunnel must be vxlan or gre/],
      ];
      for (const [argv, code, message] of cases) {
        const result = await host.daemon.tryCli('network', 'create', ...argv);
        assert.equal(result.code, code, argv.join(' '));
        assert.match(result.stderr, message);
      }
      assert.deepEqual(
        (await listed(host)).map((n) => n.key),
        ['blue'],
      );
    }));

  test('attach --network without --ipaddress gives each port an address of the network; they reach each other and the gateway', (t) =>
    rig.run(t, async (host) => {
      for (const [i, ns] of host.containers.entries()) {
        const added = await attach(host, 'add-port', 'br-int', 'eth1', `m${i}`, `--netns=${ns.path}`, '--network=blue');
        assert.equal(added.code, 0, added.stderr);
      }
      const addresses = await Promise.all(
        host.containers.map(async (ns) => ns.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth1'])),
      );
      assert.match(addresses[0] as string, / 10\.91\.0\.2\/24 /);
      assert.match(addresses[1] as string, / 10\.91\.0\.3\/24 /);
      assert.equal(await ping(host.containers[0], '10.91.0.1'), true, 'the gateway');
      // ICC is off on blue: the two reach each other only once a rule allows it.
      assert.equal(await ping(host.containers[0], '10.91.0.3'), false, 'icc off holds for ports attached this way');
      await host.daemon.cli('policy', 'allow', '--network', blueId, '--from', '10.91.0.2', '--to', '10.91.0.3');
      await until('the allow rule to let m0 reach m1', () => ping(host.containers[0], '10.91.0.3'), 10_000);
      const [blue] = await listed(host);
      assert.deepEqual(blue?.endpointsPerHost, { local: 2 });
    }));

  test('network rm refuses while endpoints remain and says where; afterwards it removes the network and its gateway port', (t) =>
    rig.run(t, async (host) => {
      const refused = await host.daemon.tryCli('network', 'rm', 'blue');
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /network "blue" still has endpoints on this host \(2 endpoints\); remove them first/,
      );
      for (const i of [0, 1]) {
        const removed = await attach(host, 'del-port', 'br-int', 'eth1', `m${i}`);
        assert.equal(removed.code, 0, removed.stderr);
      }
      const gone = await host.daemon.tryCli('network', 'rm', 'blue');
      assert.equal(gone.code, 0, gone.stderr);
      assert.deepEqual(await listed(host), []);
      await until(
        'the gateway port to go',
        async () => !(await host.ovs.vsctl('list-ports', 'br-int')).split('\n').some((p) => p.startsWith('ovsgw')),
        10_000,
      );
      const unknown = await host.daemon.tryCli('network', 'rm', 'blue');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no network "blue"/);
    }));

  test('host ls on a single host lists no cluster hosts; host rm says there is no such host', (t) =>
    rig.run(t, async (host) => {
      assert.deepEqual(await host.daemon.cli('host', 'ls'), []);
      const rm = await host.daemon.tryCli('host', 'rm', 'h9');
      assert.equal(rm.code, 1);
      assert.match(rm.stderr, /no host "h9" is known/);
    }));
});
