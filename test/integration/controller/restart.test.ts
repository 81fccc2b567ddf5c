// The daemon as its own process: killed with SIGKILL and restarted while a container pings
// another, no packet is lost and no flow is replaced. Drift made by hand (a deleted flow,
// a foreign flow, a deleted port) is repaired within seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { OvsInstance } from '../../harness/ovs';
import { Netns } from '../../harness/netns';
import { makeRunDir } from '../../harness/ledger';
import { OVS_BINARIES, requireBinaries } from '../../harness/require';
import { withLogs } from '../../harness/failure-logs';
import { ping } from '../../harness/probes';
import { callControl } from '../../../controller/control/client';
import { sleep } from '../../../controller/ovs/private-ovs';
import { run, runOk } from '../../../controller/host/exec';
import { until } from '../../harness/until';

const CLI = join(__dirname, '..', '..', '..', 'drivers', 'cli', 'main.js');

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

test('kill -9 and restart of the daemon: no packet lost, no flow replaced; drift repaired', async (t) => {
  if (!requireBinaries(t, [...OVS_BINARIES, 'ping'])) return;
  const ovs = await OvsInstance.start();
  t.after(() => ovs.stop());
  const stateDir = makeRunDir('state');
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const control = join(stateDir, 'ovsnet.ctl');
  let daemon: ChildProcess | undefined;
  let output = '';
  const start = async (): Promise<void> => {
    daemon = ovs.netns.spawn(process.execPath, [
      CLI,
      'daemon',
      '--ovsdb',
      ovs.dbRemote,
      '--ovs-rundir',
      ovs.rundir,
      '--bridge',
      'br-int',
      '--datapath',
      'netdev',
      '--state-dir',
      stateDir,
      '--plugin-dir',
      join(stateDir, 'plugins'),
      '--log-level',
      'info',
    ]);
    daemon.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
    await until(
      'daemon ready',
      async () => output.split('\n').filter((l) => l.includes('ovsnet daemon is ready')).length > 0,
      30_000,
    );
  };
  t.after(() => daemon?.kill('SIGKILL'));
  const containers: Netns[] = [];
  t.after(async () => {
    for (const c of containers) await c.destroy();
  });
  await withLogs([ovs, { logs: () => output }], async () => {
    await start();
    await callControl(control, 'network.create', {
      id: 'n1',
      ipv4: [{ pool: '10.51.0.0/24', gateway: '10.51.0.1' }],
      ipv6: [],
      icc: true,
      internal: false,
    });
    const ips = ['10.51.0.2', '10.51.0.3'];
    for (const [i, ip] of ips.entries()) {
      const ns = await Netns.create('c');
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
    const [a] = containers as [Netns, Netns];
    assert.equal(await ping(a, ips[1] as string), true);

    // The inspection commands of the CLI, against this daemon.
    const cli = async (...args: string[]): Promise<string> =>
      runOk(process.execPath, [CLI, ...args, '--state-dir', stateDir]);
    const status = JSON.parse(await cli('status', '--json')) as Record<string, unknown>;
    assert.deepEqual([status['openflow'], status['networks'], status['endpoints']], ['connected', 1, 2]);
    assert.match(await cli('network', 'ls'), /^ID\s+KEY\s+TAG\s+SUBNETS[\s\S]*n1\s+n1\s+1\s+10\.51\.0\.0\/24/);
    assert.match(await cli('endpoint', 'ls'), /10\.51\.0\.2\/24[\s\S]*10\.51\.0\.3\/24/);
    const flows = await cli('flows');
    assert.match(
      flows,
      /table=classify,priority=100,.*in_port=\d+ actions=load:0x1->reg0\[0\.\.15\].*  # /,
      'flows carry the reason they exist',
    );
    assert.match(flows, /# answer ARP for 10\.51\.0\.2 with /);
    await callControl(control, 'network.create', {
      id: 'n2',
      ipv4: [{ pool: '10.52.0.0/24', gateway: '10.52.0.1' }],
      ipv6: [],
      icc: true,
      internal: false,
    });
    const onlyN2 = await cli('flows', '--network', 'n2');
    assert.match(onlyN2, /reg0=0x2\/0xffff|reg0=2\//, 'flows of n2 are listed');
    assert.doesNotMatch(onlyN2, /10\.51\.0\.2/, 'n1 endpoint flows are not');
    assert.ok(onlyN2.split('\n').length < flows.split('\n').length);
    await callControl(control, 'network.delete', { id: 'n2' });
    const allowed = await cli(
      'policy',
      'allow',
      '--network',
      'n1',
      '--from',
      ips[0] as string,
      '--to',
      ips[1] as string,
      '--proto',
      'tcp',
      '--port',
      '80',
    );
    const ruleId = /allowed: ([0-9a-f]{12})/.exec(allowed)?.[1] as string;
    assert.ok(ruleId, allowed);
    assert.match(
      await cli('policy', 'ls'),
      new RegExp(`${ruleId}\\s+n1\\s+10\\.51\\.0\\.2\\s+10\\.51\\.0\\.3\\s+tcp\\s+80`),
    );
    await cli('policy', 'rm', ruleId);
    assert.doesNotMatch(await cli('policy', 'ls'), new RegExp(ruleId));
    const bad = await run(
      process.execPath,
      [CLI, 'policy', 'allow', '--network', 'nope', '--from', 'a', '--to', 'b', '--state-dir', stateDir],
      { allowFailure: true },
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /network "nope" does not exist/);
    await ovs.ofctl('-O', 'OpenFlow13', 'dump-flows', 'br-int');
    await sleep(1000);
    const before = await ovs.ofctl('-O', 'OpenFlow13', 'dump-flows', 'br-int');
    await sleep(1500);

    // 8 s of pings every 20 ms, with a SIGKILL and a restart in the middle.
    const pinger = a.tryExec('ping', ['-n', '-q', '-i', '0.02', '-c', '400', '-W', '1', ips[1] as string], {
      timeoutMs: 60_000,
    });
    await sleep(1500);
    daemon?.kill('SIGKILL');
    await sleep(1000);
    output = '';
    await start();
    const result = await pinger;
    assert.match(result.stdout, /400 packets transmitted, 400 received, 0% packet loss/, result.stdout);
    const after = await ovs.ofctl('-O', 'OpenFlow13', 'dump-flows', 'br-int');
    assert.deepEqual(flowLines(after), flowLines(before), 'the same flows');
    assert.ok(
      Math.min(...durations(after)) >= 4,
      `no flow was re-added (youngest is ${Math.min(...durations(after))} s old)`,
    );

    // Drift: a flow deleted by hand comes back, a foreign flow goes, a deleted port returns.
    const victim = flowLines(before).find((l) => l.includes('arp_tpa=10.51.0.3')) as string;
    assert.ok(victim, 'the ARP responder flow for 10.51.0.3 exists');
    await ovs.ofctl('-O', 'OpenFlow13', 'del-flows', 'br-int', 'table=2,arp,arp_tpa=10.51.0.3');
    await ovs.ofctl('-O', 'OpenFlow13', 'add-flow', 'br-int', 'table=0,priority=999,actions=drop');
    await until('flows repaired', async () => {
      const now = flowLines(await ovs.ofctl('-O', 'OpenFlow13', 'dump-flows', 'br-int'));
      return now.includes(victim) && !now.some((l) => l.includes('priority=999'));
    });
    const port = ((await callControl(control, 'endpoint.ls', {})) as Array<{ hostIfname: string; ipv4: string }>).find(
      (e) => e.ipv4 === `${ips[1] as string}/24`,
    )?.hostIfname as string;
    assert.ok(port, 'the endpoint has a port');
    await ovs.vsctl('del-port', 'br-int', port);
    await until('port restored', async () => (await ovs.vsctl('list-ports', 'br-int')).split('\n').includes(port));
    await until('traffic restored', async () => ping(a, ips[1] as string, { timeoutMs: 500 }));
  });
});
