// The daemon as its own process: killed with SIGKILL and restarted while a container pings
// another, no packet is lost and no flow is replaced. Drift made by hand (a deleted flow,
// a foreign flow, a deleted port) is repaired within seconds. The inspection commands of
// the CLI are checked against the same daemon.
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
import { sleep } from '../../../controller/ovs/private-ovs';
import { run, runOk } from '../../../controller/host/exec';
import { until } from '../../harness/until';

const CLI = join(__dirname, '..', '..', '..', 'drivers', 'cli', 'main.js');
const IPS = ['10.51.0.2', '10.51.0.3'] as const;

function flowLines(dump: string): string[] {
  return dump
    .split('\n')
    .filter((l) => l.includes('cookie='))
    .map((l) => l.replace(/ duration=[^,]+,| n_packets=\d+,| n_bytes=\d+,| idle_age=\d+,| hard_age=\d+,/g, '').trim())
    .sort();
}

function durations(dump: string): number[] {
  return [...dump.matchAll(/duration=([\d.]+)s/g)].map((m) => Number(m[1]));
}

interface Host {
  ovs: OvsInstance;
  daemon: OvsnetDaemon;
  control: string;
  /** The two containers of network n1, at IPS. */
  containers: [Netns, Netns];
}

/** A private OVS, `ovsnet daemon` on it, and network n1 with two containers joined over the control socket. */
async function startHost(scope: RigScope): Promise<Host> {
  const ovs = await startOvs(scope);
  const daemon = ovsnetDaemonFor(scope, ovs);
  await daemon.start();
  const control = join(daemon.stateDir, 'ovsnet.ctl');
  await callControl(control, 'network.create', {
    id: 'n1',
    ipv4: [{ pool: '10.51.0.0/24', gateway: '10.51.0.1' }],
    ipv6: [],
    icc: true,
    internal: false,
  });
  const containers: Netns[] = [];
  for (const [i, ip] of IPS.entries()) {
    const ns = await Netns.create('c');
    scope.defer(() => ns.destroy());
    containers.push(ns);
    const endpointId = `restart-ep-${i}-000000`;
    const created = (await callControl(control, 'endpoint.create', { networkId: 'n1', endpointId, ipv4: ip })) as {
      mac: string;
    };
    const joined = (await callControl(control, 'endpoint.join', {
      networkId: 'n1',
      endpointId,
      sandboxKey: ns.path,
    })) as { containerIfname: string };
    await ovs.netns.ip('link', 'set', 'dev', joined.containerIfname, 'netns', ns.path);
    await ns.ip('link', 'set', 'dev', joined.containerIfname, 'name', 'eth0');
    await ns.ip('link', 'set', 'dev', 'eth0', 'address', created.mac);
    await ns.ip('addr', 'add', `${ip}/24`, 'dev', 'eth0');
    await ns.ip('link', 'set', 'dev', 'eth0', 'up');
  }
  return { ovs, daemon, control, containers: containers as [Netns, Netns] };
}

// The tests run in order on one host; the restart tests compare what was there before.
describe('the daemon as its own process', () => {
  const rig = sharedRig({ needs: ovsNeeds({ needs: ['ping'] }), start: startHost });
  const cli = (host: Host, ...args: string[]): Promise<string> =>
    runOk(process.execPath, [CLI, ...args, '--state-dir', host.daemon.stateDir]);
  const dumpFlows = (host: Host): Promise<string> => host.ovs.ofctl('-O', 'OpenFlow13', 'dump-flows', 'br-int');

  test('containers joined over the control socket reach each other', (t) =>
    rig.run(t, async ({ containers: [a] }) => {
      assert.equal(await ping(a, IPS[1]), true);
    }));

  test('ovsnet status reports the switch connected and what the daemon holds', (t) =>
    rig.run(t, async (host) => {
      const status = JSON.parse(await cli(host, 'status', '--json')) as Record<string, unknown>;
      assert.deepEqual([status['openflow'], status['networks'], status['endpoints']], ['connected', 1, 2]);
    }));

  test('ovsnet network ls and endpoint ls list the network and its endpoints', (t) =>
    rig.run(t, async (host) => {
      assert.match(await cli(host, 'network', 'ls'), /^ID\s+KEY\s+TAG\s+SUBNETS[\s\S]*n1\s+n1\s+1\s+10\.51\.0\.0\/24/);
      assert.match(await cli(host, 'endpoint', 'ls'), /10\.51\.0\.2\/24[\s\S]*10\.51\.0\.3\/24/);
    }));

  test('ovsnet flows prints every flow with the reason it exists', (t) =>
    rig.run(t, async (host) => {
      const flows = await cli(host, 'flows');
      assert.match(
        flows,
        /table=classify,priority=100,.*in_port=\d+ actions=load:0x1->reg0\[0\.\.15\].* {2}# /,
        'flows carry the reason they exist',
      );
      assert.match(flows, /# answer ARP for 10\.51\.0\.2 with /);
    }));

  test("ovsnet flows --network lists only that network's flows", (t) =>
    rig.run(t, async (host) => {
      const flows = await cli(host, 'flows');
      await callControl(host.control, 'network.create', {
        id: 'n2',
        ipv4: [{ pool: '10.52.0.0/24', gateway: '10.52.0.1' }],
        ipv6: [],
        icc: true,
        internal: false,
      });
      const onlyN2 = await cli(host, 'flows', '--network', 'n2');
      assert.match(onlyN2, /reg0=0x2\/0xffff|reg0=2\//, 'flows of n2 are listed');
      assert.doesNotMatch(onlyN2, /10\.51\.0\.2/, 'n1 endpoint flows are not');
      assert.ok(onlyN2.split('\n').length < flows.split('\n').length);
      await callControl(host.control, 'network.delete', { id: 'n2' });
    }));

  test('ovsnet policy allow, ls and rm add, list and remove a rule', (t) =>
    rig.run(t, async (host) => {
      const allowed = await cli(
        host,
        'policy',
        'allow',
        '--network',
        'n1',
        '--from',
        IPS[0],
        '--to',
        IPS[1],
        '--proto',
        'tcp',
        '--port',
        '80',
      );
      const ruleId = /allowed: ([0-9a-f]{12})/.exec(allowed)?.[1] as string;
      assert.ok(ruleId, allowed);
      assert.match(
        await cli(host, 'policy', 'ls'),
        new RegExp(`${ruleId}\\s+n1\\s+10\\.51\\.0\\.2\\s+10\\.51\\.0\\.3\\s+tcp\\s+80`),
      );
      await cli(host, 'policy', 'rm', ruleId);
      assert.doesNotMatch(await cli(host, 'policy', 'ls'), new RegExp(ruleId));
    }));

  test('ovsnet policy allow on an unknown network fails and says so', (t) =>
    rig.run(t, async (host) => {
      const bad = await run(
        process.execPath,
        [CLI, 'policy', 'allow', '--network', 'nope', '--from', 'a', '--to', 'b', '--state-dir', host.daemon.stateDir],
        { allowFailure: true },
      );
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /network "nope" does not exist/);
    }));

  let flowsBefore = '';
  test('kill -9 and restart of the daemon during pings every 20 ms lose no packet', (t) =>
    rig.run(t, async (host) => {
      await dumpFlows(host);
      await sleep(1000);
      flowsBefore = await dumpFlows(host);
      await sleep(1500);
      // 8 s of pings, with a SIGKILL and a restart in the middle.
      const pinger = host.containers[0].tryExec('ping', ['-n', '-q', '-i', '0.02', '-c', '400', '-W', '1', IPS[1]], {
        timeoutMs: 60_000,
      });
      await sleep(1500);
      await host.daemon.kill9();
      await sleep(1000);
      await host.daemon.start();
      const result = await pinger;
      assert.match(result.stdout, /400 packets transmitted, 400 received, 0% packet loss/, result.stdout);
    }));

  test('the restarted daemon replaced no flow', (t) =>
    rig.run(t, async (host) => {
      assert.ok(flowsBefore, 'the flows from before the restart (the test before)');
      const after = await dumpFlows(host);
      assert.deepEqual(flowLines(after), flowLines(flowsBefore), 'the same flows');
      assert.ok(
        Math.min(...durations(after)) >= 4,
        `no flow was re-added (youngest is ${Math.min(...durations(after))} s old)`,
      );
    }));

  test('a flow deleted by hand comes back and a foreign flow goes', (t) =>
    rig.run(t, async (host) => {
      const victim = flowLines(await dumpFlows(host)).find((l) => l.includes('arp_tpa=10.51.0.3')) as string;
      assert.ok(victim, 'the ARP responder flow for 10.51.0.3 exists');
      await host.ovs.ofctl('-O', 'OpenFlow13', 'del-flows', 'br-int', 'table=2,arp,arp_tpa=10.51.0.3');
      await host.ovs.ofctl('-O', 'OpenFlow13', 'add-flow', 'br-int', 'table=0,priority=999,actions=drop');
      await until('flows repaired', async () => {
        const now = flowLines(await dumpFlows(host));
        return now.includes(victim) && !now.some((l) => l.includes('priority=999'));
      });
    }));

  test('a port deleted by hand comes back, and its traffic with it', (t) =>
    rig.run(t, async (host) => {
      const endpoints = (await callControl(host.control, 'endpoint.ls', {})) as Array<{
        hostIfname: string;
        ipv4: string;
      }>;
      const port = endpoints.find((e) => e.ipv4 === `${IPS[1]}/24`)?.hostIfname as string;
      assert.ok(port, 'the endpoint has a port');
      await host.ovs.vsctl('del-port', 'br-int', port);
      await until('port restored', async () =>
        (await host.ovs.vsctl('list-ports', 'br-int')).split('\n').includes(port),
      );
      await until('traffic restored', async () => ping(host.containers[0], IPS[1], { timeoutMs: 500 }));
    }));
});
