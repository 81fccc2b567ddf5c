// `ovsnet trace` across hosts, in the lab test's shared lab (lab.test.ts): Docker containers
// on two networks spanning the hosts, one open (GRE), one with ICC off (VXLAN) and one
// allow rule. Each trace runs on the sending host with `--peer` naming the other hosts'
// daemons (their state directories), follows the frame into the tunnel and on at the
// receiving host, and ends in one verdict, which must agree with a real ping of the same
// cell. A trace run on the receiving host, from the remote container, starts at the tunnel.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_IMAGE, type Lab } from '../../../vagrant/emulation/lab';
import type { TraceReport } from '../../../controller/api';
import { until } from '../../harness/until';
import { createOvsnetNetwork } from './docker-commands';

const OPEN = { name: 'tr-open', subnet: '10.90.0.0/24', options: ['-o', 'ovsnet.tunnel=gre'] };
const POLICY = { name: 'tr-pol', subnet: '10.91.0.0/24', options: ['-o', 'ovsnet.icc=false'] };
const TRACE_HOSTS = ['h1', 'h2', 'h3'];

interface Cell {
  /** The host the trace and the ping run on. */
  on: string;
  from: string;
  to: string;
  /** The verdict a ping proves: delivered, or dropped. */
  delivered: boolean;
  why: string;
  /** Traced on the receiving host, from the remote container: no --peer, starts at the tunnel. */
  atIngress?: boolean;
}

async function addressOf(lab: Lab, host: string, container: string, network: string): Promise<string> {
  const format = `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`;
  return (await lab.execOk(host, ['docker', 'inspect', '--format', format, container])).trim();
}

async function pings(lab: Lab, host: string, container: string, address: string): Promise<boolean> {
  return (await lab.exec(host, ['docker', 'exec', container, 'ping', '-c1', '-W1', address])).code === 0;
}

export async function traceChecks(t: TestContext, lab: Lab): Promise<void> {
  await t.test('ovsnet trace across hosts: one verdict per path, agreeing with real pings', async () => {
    for (const n of [OPEN, POLICY]) {
      await lab.execOk('h1', createOvsnetNetwork(n.subnet, n.name, ...n.options));
      for (const host of TRACE_HOSTS)
        await until(
          `${host} to list ${n.name}`,
          async () =>
            (await lab.execOk(host, ['docker', 'network', 'ls', '--format', '{{.Name}}'])).split('\n').includes(n.name),
          10_000,
        );
    }
    const owner = new Map<string, string>();
    const address = new Map<string, string>();
    await Promise.all(
      TRACE_HOSTS.map(async (host) => {
        for (const n of [OPEN, POLICY]) {
          const name = `${n.name}-${host}`;
          await lab.execOk(host, ['docker', 'run', '-d', '--name', name, '--net', n.name, LAB_IMAGE, 'sleep', '3600']);
          owner.set(name, host);
          address.set(name, await addressOf(lab, host, name, n.name));
        }
      }),
    );
    const at = (name: string): string => address.get(name) as string;
    const policyId = (await lab.execOk('h1', ['docker', 'network', 'inspect', '-f', '{{.Id}}', POLICY.name])).trim();
    await lab.execOk('h2', [
      'ovsnet',
      'policy',
      'allow',
      '--network',
      policyId,
      '--from',
      at(`${POLICY.name}-h1`),
      '--to',
      at(`${POLICY.name}-h2`),
      '--proto',
      'icmp',
    ]);
    await until(
      'the open network across hosts',
      () => pings(lab, 'h1', `${OPEN.name}-h1`, at(`${OPEN.name}-h2`)),
      15_000,
    );
    await until('the allowed pair', () => pings(lab, 'h1', `${POLICY.name}-h1`, at(`${POLICY.name}-h2`)), 15_000);

    const cells: Cell[] = [
      { on: 'h1', from: `${OPEN.name}-h1`, to: `${OPEN.name}-h2`, delivered: true, why: 'same network, across hosts' },
      { on: 'h3', from: `${OPEN.name}-h3`, to: `${OPEN.name}-h1`, delivered: true, why: 'same network, across hosts' },
      { on: 'h1', from: `${OPEN.name}-h1`, to: `${POLICY.name}-h2`, delivered: false, why: 'another network' },
      { on: 'h1', from: `${POLICY.name}-h1`, to: `${POLICY.name}-h3`, delivered: false, why: 'ICC off, no rule' },
      { on: 'h1', from: `${POLICY.name}-h1`, to: `${POLICY.name}-h2`, delivered: true, why: 'allow rule' },
      {
        on: 'h2',
        from: `${OPEN.name}-h1`,
        to: `${OPEN.name}-h2`,
        delivered: true,
        why: 'same network, traced where it arrives',
        atIngress: true,
      },
      {
        on: 'h2',
        from: `${POLICY.name}-h3`,
        to: `${POLICY.name}-h2`,
        delivered: false,
        why: 'ICC off, no rule, traced where it arrives',
        atIngress: true,
      },
      {
        on: 'h2',
        from: `${POLICY.name}-h1`,
        to: `${POLICY.name}-h2`,
        delivered: true,
        why: 'allow rule, traced where it arrives',
        atIngress: true,
      },
    ];
    const peers = (self: string): string[] =>
      TRACE_HOSTS.filter((h) => h !== self).flatMap((h) => ['--peer', lab.host(h).stateDir]);
    const results = [];
    for (const cell of cells) {
      const argv = ['ovsnet', 'trace', '--from', at(cell.from), '--to', at(cell.to), '--json'];
      const report = JSON.parse(
        await lab.execOk(cell.on, cell.atIngress ? argv : [...argv, ...peers(cell.on)]),
      ) as TraceReport;
      const sender = owner.get(cell.from) as string;
      const ping = await pings(lab, sender, cell.from, at(cell.to));
      const verdict = report.switch.verdict;
      results.push({
        cell: `${cell.from} -> ${cell.to} on ${cell.on} (${cell.why})`,
        ping,
        verdict: verdict.kind,
        simulatorAgrees: report.simulator === undefined,
        summary: verdict.summary,
        hosts: report.hosts,
        legHosts: report.switch.legs.map((l) => l.host),
        firstFrame: report.switch.legs[0]?.frame ?? '',
      });
    }
    for (const r of results) t.diagnostic(`${r.cell}: ping ${String(r.ping)}, ${r.verdict}: ${r.summary}`);
    assert.deepEqual(
      results.filter((r) => r.ping !== (r.verdict === 'delivered') || !r.simulatorAgrees).map((r) => r.cell),
      [],
      'every verdict agrees with its ping, and the simulator with the switch',
    );
    assert.deepEqual(
      results.map((r) => r.ping),
      cells.map((c) => c.delivered),
      'the pings show the matrix the policy makes',
    );
    // Delivered across hosts: the path ran on both switches, the receiving host's last.
    const across = results[0] as (typeof results)[number];
    assert.deepEqual(across.hosts, ['h1', 'h2']);
    assert.equal(across.legHosts.at(-1), 'h2');
    assert.match(across.summary, /over gre \(tun_dst 172\.31\.0\.\d+, VNI \d+\).*there, delivered to /);
    const ingress = results[5] as (typeof results)[number];
    assert.match(ingress.firstFrame, /in_port=65279,tun_src=172\.31\.0\.\d+,tun_id=0x[0-9a-f]+,/, 'GRE tunnel ingress');
    assert.match((results[6] as (typeof results)[number]).summary, /ICC is off on network tr-pol/);

    // The text form names the tunnel, the host it goes to and the VNI, and each leg's host.
    const text = await lab.execOk('h1', [
      'ovsnet',
      'trace',
      '--from',
      at(`${OPEN.name}-h1`),
      '--to',
      at(`${OPEN.name}-h3`),
      ...peers('h1'),
    ]);
    assert.match(text, /across h1 -> h3/);
    assert.match(text, /^leg 2 on h3: .* arrives over gre \(tun_src 172\.31\.0\.\d+, VNI \d+\)$/m);
    assert.match(text, /^verdict: DELIVERED: sent to host h3 over gre/m);
    // Without --peer the trace ends at the tunnel and says how to go on.
    const alone = JSON.parse(
      await lab.execOk('h1', [
        'ovsnet',
        'trace',
        '--from',
        at(`${OPEN.name}-h1`),
        '--to',
        at(`${OPEN.name}-h3`),
        '--json',
      ]),
    ) as TraceReport;
    assert.equal(alone.switch.verdict.kind, 'tunnelled');
    assert.match(alone.switch.verdict.summary, /add --peer/);
  });
}
