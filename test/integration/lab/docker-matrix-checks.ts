// The reachability matrix across the lab's three hosts with Docker containers (run inside
// the lab test's shared lab, lab.test.ts): two networks made once with `docker network
// create` on h1 — one with ICC off and an allow rule, one `--internal` — span every host
// (Docker sync creates them on h2 and h3), a container of each runs on every host, and
// each cell of the matrix is a real ping between containers. Once over VXLAN, once GRE.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { LAB_IMAGE, type Lab } from '../../../vagrant/emulation/lab';
import { until } from '../../harness/until';
import { createOvsnetNetwork } from './docker-commands';

interface MatrixNetwork {
  name: string;
  subnet: string;
  options: string[];
}

const networksFor = (tunnel: 'vxlan' | 'gre', base: number): MatrixNetwork[] =>
  [
    { name: `dpol-${tunnel}`, subnet: `10.${base}.0.0/24`, options: ['-o', 'ovsnet.icc=false'] },
    { name: `dint-${tunnel}`, subnet: `10.${base + 1}.0.0/24`, options: ['--internal'] },
  ].map((n) => ({ ...n, options: [...n.options, '-o', `ovsnet.tunnel=${tunnel}`] }));

async function addressOf(lab: Lab, host: string, container: string, network: string): Promise<string> {
  const format = `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`;
  return (await lab.execOk(host, ['docker', 'inspect', '--format', format, container])).trim();
}

async function pings(lab: Lab, host: string, container: string, address: string): Promise<boolean> {
  return (await lab.exec(host, ['docker', 'exec', container, 'ping', '-c1', '-W1', address])).code === 0;
}

export async function dockerMatrixChecks(t: TestContext, lab: Lab): Promise<void> {
  const hosts = lab.hosts.map((h) => h.name);
  for (const [tunnel, base] of [
    ['vxlan', 86],
    ['gre', 88],
  ] as const) {
    await t.test(`Docker containers on three hosts over ${tunnel}: ICC off with an allow rule, internal`, async () => {
      const [pol, int] = networksFor(tunnel, base) as [MatrixNetwork, MatrixNetwork];
      for (const n of [pol, int]) {
        await lab.execOk('h1', createOvsnetNetwork(n.subnet, n.name, ...n.options));
        for (const host of hosts)
          await until(
            `${host} to list ${n.name}`,
            async () =>
              (await lab.execOk(host, ['docker', 'network', 'ls', '--format', '{{.Name}}']))
                .split('\n')
                .includes(n.name),
            10_000,
          );
      }
      const address = new Map<string, string>();
      await Promise.all(
        hosts.map(async (host) => {
          for (const n of [pol, int]) {
            const name = `${n.name}-${host}`;
            await lab.execOk(host, [
              'docker',
              'run',
              '-d',
              '--name',
              name,
              '--net',
              n.name,
              LAB_IMAGE,
              'sleep',
              '3600',
            ]);
            address.set(name, await addressOf(lab, host, name, n.name));
          }
        }),
      );
      const at = (name: string): string => address.get(name) as string;
      const id = (await lab.execOk('h1', ['docker', 'network', 'inspect', '-f', '{{.Id}}', pol.name])).trim();
      // The rule is made on h3, for containers of h1 and h2: policy is cluster-wide.
      await lab.execOk('h3', [
        'ovsnet',
        'policy',
        'allow',
        '--network',
        id,
        '--from',
        at(`${pol.name}-h1`),
        '--to',
        at(`${pol.name}-h2`),
        '--proto',
        'icmp',
      ]);
      await until(
        'the allowed pair to talk across hosts',
        () => pings(lab, 'h1', `${pol.name}-h1`, at(`${pol.name}-h2`)),
        15_000,
      );
      await until(
        'the internal network across hosts',
        () => pings(lab, 'h1', `${int.name}-h1`, at(`${int.name}-h3`)),
        15_000,
      );
      const cells: Array<[string, string, string, boolean, string]> = [
        ['h1', `${pol.name}-h1`, `${pol.name}-h2`, true, 'allow rule across hosts'],
        ['h1', `${pol.name}-h1`, `${pol.name}-h3`, false, 'ICC off, no rule'],
        ['h3', `${pol.name}-h3`, `${pol.name}-h2`, false, 'ICC off, no rule'],
        ['h2', `${int.name}-h2`, `${int.name}-h3`, true, 'internal, across hosts'],
        ['h3', `${int.name}-h3`, `${int.name}-h1`, true, 'internal, across hosts'],
        ['h1', `${pol.name}-h1`, `${int.name}-h2`, false, 'another network'],
        ['h2', `${int.name}-h2`, `${pol.name}-h3`, false, 'another network'],
      ];
      const results = await Promise.all(
        cells.map(async ([host, from, to, expected, why]) => ({
          cell: `${from} -> ${to} (${why})`,
          expected,
          got: await pings(lab, host, from, at(to)),
        })),
      );
      assert.deepEqual(
        results.filter((r) => r.got !== r.expected).map((r) => `${r.cell}: expected ${String(r.expected)}`),
        [],
      );
      assert.equal(await pings(lab, 'h2', `${int.name}-h2`, '172.31.0.254'), false, 'internal: no way out');
      // Nor to its host by asking for the host's underlay address on its own link, as a
      // container with raw sockets could (an unsealed host end of its veth would answer).
      const inner = `${int.name}-h2`;
      const pid = (await lab.execOk('h2', ['docker', 'inspect', '-f', '{{.State.Pid}}', inner])).trim();
      await lab.execOk('h2', ['nsenter', '-t', pid, '-n', 'ip', 'route', 'replace', '172.31.0.2/32', 'dev', 'eth0']);
      assert.equal(await pings(lab, 'h2', inner, '172.31.0.2'), false, 'internal: not into its host either');
    });
  }
}
