// Allow rules with real `docker run` containers on an ICC-off ovsnet network, written as a
// user would: by container name, container id, address, CIDR and label, each allowing
// exactly its cell (tcp/8080 from pa to pb) of the matrix of pa, pb and pc, with the other
// five ordered pairs as control cases; a rule by name made before its container exists,
// then the container started, restarted and replaced; and a container that carries its
// own rule in its labels (ovsnet.allow-from / ovsnet.allow-ports).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDockerHost, type DockerHost } from '../../harness/docker-host';
import { Cluster, PORT, settlesOn } from '../../harness/docker-members';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';

const SUBNET = '10.49.0.0/24';

async function allow(host: DockerHost, ...args: string[]): Promise<string> {
  const r = await host.daemon.tryCli('policy', 'allow', '--network', 'closed', ...args, '--json');
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { id: string }).id;
}

async function removeRule(host: DockerHost, id: string): Promise<void> {
  const r = await host.daemon.tryCli('policy', 'rm', id);
  assert.equal(r.code, 0, r.stderr);
}

test('docker containers: allow rules by name, id, address, CIDR and label; by name before the container exists; from labels', async (t) => {
  await withDockerHost(t, async (host) => {
    const { docker } = host;
    const cluster = new Cluster(host, 'closed');
    t.after(() => cluster.destroy());
    await docker.docker(...ovsnetNetwork('closed', '--subnet', SUBNET, '-o', 'ovsnet.icc=false'));
    await cluster.run('pa', '10.49.0.10', '--label', 'app=web');
    await cluster.run('pb', '10.49.0.20', '--label', 'app=db');
    await cluster.run('pc', '10.49.0.30');
    const trio = ['pa', 'pb', 'pc'];
    await settlesOn(cluster, trio, [], 'ICC off: nobody reaches anybody');

    const paId = (await docker.docker('inspect', '-f', '{{.Id}}', 'pa')).trim();
    const selectors: Array<[string, string, string]> = [
      ['container name', 'pa', 'pb'],
      ['container id', paId.slice(0, 12), (await docker.docker('inspect', '-f', '{{.Id}}', 'pb')).trim()],
      ['address', '10.49.0.10', '10.49.0.20'],
      ['CIDR', '10.49.0.8/29', '10.49.0.16/29'],
      ['label', 'label:app=web', 'label:app=db'],
    ];
    for (const [kind, from, to] of selectors) {
      const id = await allow(host, '--from', from, '--to', to, '--proto', 'tcp', '--port', String(PORT));
      const listed = (await host.daemon.cli('policy', 'ls')) as Array<{
        id: string;
        matches: { from: Array<{ name?: string }>; to: Array<{ name?: string }> };
      }>;
      const rule = listed.find((r) => r.id === id);
      assert.deepEqual(
        [rule?.matches.from.map((e) => e.name), rule?.matches.to.map((e) => e.name)],
        [['pa'], ['pb']],
        `${kind}: policy ls shows what the rule matches`,
      );
      await settlesOn(cluster, trio, ['pa->pb'], `a rule by ${kind} allows exactly pa -> pb`);
      await removeRule(host, id);
      await settlesOn(cluster, trio, [], `without the rule by ${kind}`);
    }

    // A rule by name before the container exists: refused, then kept with --allow-empty.
    const early = await host.daemon.tryCli('policy', 'allow', '--network', 'closed', '--from', 'pa', '--to', 'pd');
    assert.notEqual(early.code, 0, 'a rule matching nothing is refused');
    assert.match(early.stderr, /--allow-empty/);
    const id = await allow(
      host,
      '--from',
      'pa',
      '--to',
      'pd',
      '--proto',
      'tcp',
      '--port',
      String(PORT),
      '--allow-empty',
    );
    await cluster.run('pd', '10.49.0.40');
    const quad = ['pa', 'pd', 'pc'];
    await settlesOn(cluster, quad, ['pa->pd'], 'the container started after its rule');
    await docker.docker('restart', '-t', '0', 'pd');
    await cluster.attach('pd');
    await settlesOn(cluster, quad, ['pa->pd'], 'the container restarted');
    await docker.docker('rm', '-f', 'pd');
    await cluster.run('pd', '10.49.0.41');
    await settlesOn(cluster, quad, ['pa->pd'], 'the container replaced (another address)');
    await removeRule(host, id);
    await settlesOn(cluster, quad, [], 'without the rule');

    // A container carrying its own rule.
    await cluster.run(
      'pe',
      '10.49.0.50',
      '--label',
      'ovsnet.allow-from=label:app=web',
      '--label',
      `ovsnet.allow-ports=tcp/${PORT}`,
    );
    await settlesOn(cluster, ['pa', 'pe', 'pc'], ['pa->pe'], 'the rule from the labels of pe');

    await docker.docker('rm', '-f', 'pa', 'pb', 'pc', 'pd', 'pe');
    await docker.docker('network', 'rm', 'closed');
  });
});
