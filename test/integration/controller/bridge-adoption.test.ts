// A br-int made by someone else (standalone, OpenFlow 1.0, a controller of its own) is
// adopted and corrected, saying what changed; later drift of fail_mode is repaired while
// containers run, and a flood of cross-network probes gets no answer throughout.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { OvsInstance } from '../../harness/ovs';
import { Netns } from '../../harness/netns';
import { ovsnetDaemonFor, type OvsnetDaemon } from '../../harness/ovsnet-daemon';
import { sharedRig, type RigScope } from '../../harness/rig';
import { ovsNeeds, startOvs } from '../../harness/with-ovs';
import { ping } from '../../harness/probes';
import { callControl } from '../../../controller/control/client';
import { until } from '../../harness/until';

interface Host {
  ovs: OvsInstance;
  daemon: OvsnetDaemon;
  /** a and b in network n1, c in network n2. */
  a: Netns;
  b: Netns;
  c: Netns;
}

const IP = { a: '10.61.0.2', b: '10.61.0.3', c: '10.62.0.2' } as const;

async function join1(host: { ovs: OvsInstance; control: string }, scope: RigScope, network: string, ip: string) {
  const ns = await Netns.create('c');
  scope.defer(() => ns.destroy());
  const endpointId = `adopt-${ip.replace(/\./g, '-')}-0000`;
  const created = (await callControl(host.control, 'endpoint.create', {
    networkId: network,
    endpointId,
    ipv4: ip,
  })) as {
    mac: string;
  };
  const joined = (await callControl(host.control, 'endpoint.join', {
    networkId: network,
    endpointId,
    sandboxKey: ns.path,
  })) as { containerIfname: string };
  await host.ovs.netns.ip('link', 'set', 'dev', joined.containerIfname, 'netns', ns.path);
  await ns.ip('link', 'set', 'dev', joined.containerIfname, 'name', 'eth0');
  await ns.ip('link', 'set', 'dev', 'eth0', 'address', created.mac);
  await ns.ip('addr', 'add', `${ip}/24`, 'dev', 'eth0');
  await ns.ip('link', 'set', 'dev', 'eth0', 'up');
  return ns;
}

async function startHost(scope: RigScope): Promise<Host> {
  const ovs = await startOvs(scope);
  // Someone made br-int before ovsnet, with every setting wrong.
  await ovs.vsctl(
    'add-br',
    'br-int',
    '--',
    'set',
    'bridge',
    'br-int',
    'datapath_type=netdev',
    'fail_mode=standalone',
    'protocols=OpenFlow10',
    '--',
    'set-controller',
    'br-int',
    'tcp:127.0.0.1:1',
  );
  const daemon = ovsnetDaemonFor(scope, ovs);
  await daemon.start();
  const control = join(daemon.stateDir, 'ovsnet.ctl');
  for (const [id, subnet] of [
    ['n1', '10.61.0'],
    ['n2', '10.62.0'],
  ] as const)
    await callControl(control, 'network.create', {
      id,
      ipv4: [{ pool: `${subnet}.0/24`, gateway: `${subnet}.1` }],
      ipv6: [],
      icc: true,
      internal: false,
    });
  const a = await join1({ ovs, control }, scope, 'n1', IP.a);
  const b = await join1({ ovs, control }, scope, 'n1', IP.b);
  const c = await join1({ ovs, control }, scope, 'n2', IP.c);
  // a reaches n2's subnet on its own link: only the switch stands between a and c.
  await a.ip('route', 'add', '10.62.0.0/24', 'dev', 'eth0');
  return { ovs, daemon, a, b, c };
}

/** Pings every 10 ms for `seconds`; the number of answers. */
async function flood(from: Netns, ip: string, seconds: number): Promise<number> {
  const count = seconds * 100;
  const result = await from.tryExec('ping', ['-n', '-i', '0.01', '-c', String(count), '-W', '1', ip], {
    timeoutMs: seconds * 1000 + 15_000,
  });
  return Number(/(\d+) received/.exec(result.stdout)?.[1] ?? 'NaN');
}

describe('a pre-existing integration bridge', () => {
  const rig = sharedRig({ needs: ovsNeeds({ needs: ['ping'] }), start: startHost });
  const column = async (host: Host, name: string): Promise<string> =>
    (await host.ovs.vsctl('get', 'bridge', 'br-int', name)).trim();

  test('is adopted: fail_mode, protocols and controller corrected, and the log says what changed', (t) =>
    rig.run(t, async (host) => {
      assert.equal(await column(host, 'fail_mode'), 'secure');
      assert.equal(await column(host, 'protocols'), '[OpenFlow13]');
      assert.equal(await column(host, 'controller'), '[]');
      assert.match(host.daemon.logs(), /adopted an existing bridge/);
      assert.match(host.daemon.logs(), /fail_mode standalone -> secure/);
      assert.match(host.daemon.logs(), /protocols OpenFlow10 -> OpenFlow13/);
      assert.equal(await ping(host.a, IP.b), true, 'containers of one network reach each other');
      assert.equal(await ping(host.a, IP.c), false, 'across networks they do not');
    }));

  test('fail_mode set to standalone under running containers: restored at once, no cross-network answer meanwhile', (t) =>
    rig.run(t, async (host) => {
      const probes = flood(host.a, IP.c, 4);
      await new Promise((r) => setTimeout(r, 1000));
      await host.ovs.vsctl('set', 'bridge', 'br-int', 'fail_mode=standalone');
      const answered = await probes;
      assert.equal(answered, 0, 'not one cross-network ping was answered');
      await until('fail_mode restored', async () => (await column(host, 'fail_mode')) === 'secure', 10_000);
      assert.match(host.daemon.logs(), /bridge settings drifted; restoring them/);
      await until('n1 traffic back', () => ping(host.a, IP.b), 10_000);
      assert.equal(await ping(host.a, IP.c), false);
    }));

  test('a controller added by hand is removed', (t) =>
    rig.run(t, async (host) => {
      await host.ovs.vsctl('set-controller', 'br-int', 'tcp:127.0.0.1:2');
      await until('controller removed', async () => (await column(host, 'controller')) === '[]', 10_000);
      await until('n1 traffic back', () => ping(host.a, IP.b), 10_000);
      assert.equal(await ping(host.a, IP.c), false);
    }));
});
