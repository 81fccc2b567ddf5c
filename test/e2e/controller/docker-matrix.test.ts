// The controller's reachability matrix with real Docker containers: three ovsnet networks
// made by `docker network create` (one with ICC off and an allow rule, one --internal),
// three `docker run` containers each. Every ordered pair is probed with ICMP, TCP and UDP
// from inside the containers' namespaces, plus each container against its gateway; the
// observed matrix must equal the policy exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns } from '../../harness/netns';
import { withDockerHost } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';
import { ping } from '../../harness/probes';
import { matrixMismatches, type Proto } from '../../harness/reachability';

interface Member {
  name: string;
  network: string;
  ip: string;
  ns: Netns;
}

const NETS = [
  { name: 'open', subnet: '10.44.0.0/24', args: [] as string[] },
  { name: 'closed', subnet: '10.45.0.0/24', args: ['-o', 'ovsnet.icc=false'] },
  { name: 'inner', subnet: '10.46.0.0/24', args: ['--internal'] },
];

test('docker containers on ovsnet networks: the reachability matrix equals the policy (ICC off + allow rule, internal)', async (t) => {
  await withDockerHost(t, async ({ docker, daemon, image }) => {
    const members: Member[] = [];
    t.after(async () => {
      for (const m of members) await m.ns.destroy();
    });
    for (const n of NETS) {
      await docker.docker(...ovsnetNetwork(n.name, '--subnet', n.subnet, ...n.args));
      for (let i = 1; i <= 3; i++) {
        const name = `${n.name}${i}`;
        await docker.docker('run', '-d', '--name', name, '--net', n.name, image, 'sleep', '600');
        const ip = (
          await docker.docker('inspect', '-f', `{{.NetworkSettings.Networks.${n.name}.IPAddress}}`, name)
        ).trim();
        const pid = Number((await docker.docker('inspect', '-f', '{{.State.Pid}}', name)).trim());
        members.push({ name, network: n.name, ip, ns: await Netns.attach('d', pid) });
      }
    }
    const closedId = (await docker.docker('network', 'inspect', '-f', '{{.Id}}', 'closed')).trim();
    const [a, b] = members.filter((m) => m.network === 'closed') as [Member, Member];
    const allowed = await daemon.tryCli(
      'policy',
      'allow',
      '--network',
      closedId,
      '--from',
      a.ip,
      '--to',
      b.ip,
      '--proto',
      'tcp',
      '--port',
      '8080',
    );
    assert.equal(allowed.code, 0, allowed.stderr);

    const expectation = (from: Member, to: Member, proto: Proto): boolean => {
      if (from.network !== to.network) return false;
      if (from.network !== 'closed') return true;
      return proto === 'tcp' && from === a && to === b;
    };
    const mismatches = await matrixMismatches(members, expectation, (m) => `${m.name} ${m.ip}`);
    for (const m of members.filter((x) => x.network === 'inner')) {
      if (await ping(m.ns, '10.44.0.1', { timeoutMs: 500 }))
        mismatches.push(`${m.name} (internal) reached the host at 10.44.0.1`);
      // As a container with raw sockets could: it ARPs for that host address itself, which
      // an unsealed host end of its veth would answer (host-end.test.ts).
      const device = (await m.ns.ip('-o', 'route', 'show', 'default')).match(/dev (\S+)/)?.[1] ?? 'eth0';
      await m.ns.ip('route', 'replace', '10.44.0.1/32', 'dev', device);
      if (await ping(m.ns, '10.44.0.1', { timeoutMs: 1000 }))
        mismatches.push(`${m.name} (internal) reached the host at 10.44.0.1 by asking for it on its link`);
    }
    assert.deepEqual(mismatches, []);
    await docker.docker('rm', '-f', ...members.map((m) => m.name));
    for (const n of NETS) await docker.docker('network', 'rm', n.name);
  });
});
