// Publishing without a fixed host port on an ovsnet network: `-p 80`, `-P` (HostPort 0)
// and `-p 18000-18002:80` (a range) each get a free host port that ovsnet chooses and
// reports, reachable from a namespace outside the host through the DNAT; the port is given
// back when the container goes, and a fixed port already published is refused clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, uniqueIfname, vethPair } from '../../harness/netns';
import { withDockerHost } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';
import { httpGet } from '../../harness/probes';
import { until } from '../../harness/until';
import { containerIp } from '../../harness/ovsnet-checks';

const HOST = '10.99.1.1';

interface PublishedEndpoint {
  ipv4?: string;
  ports?: Array<{ proto: string; containerPort: number; hostPort: number }>;
}

test('-p 80, -P and a host port range get a chosen free port that reaches the container; freed on removal', async (t) => {
  await withDockerHost(t, async ({ ovs, docker, daemon, image }) => {
    const outside = await Netns.create('out');
    t.after(() => outside.destroy());
    await vethPair(
      { ns: ovs.netns, name: uniqueIfname('up'), addresses: [`${HOST}/24`] },
      { ns: outside, name: 'eth0', addresses: ['10.99.1.2/24'] },
    );
    await docker.docker(...ovsnetNetwork('n1', '--subnet', '10.82.0.0/24'));
    const serve = (name: string): string[] => [
      'sh',
      '-c',
      `echo ${name} > /www/index.html; exec httpd -f -p 80 -h /www`,
    ];
    // A host service on the first dynamic port: "any" must not take it over.
    const hostService = ovs.netns.spawn('nc', ['-lk', '49153']);
    t.after(() => hostService.kill('SIGKILL'));
    await until(
      'a host process listens on 49153',
      async () => (await ovs.netns.exec('ss', ['-Htln', 'sport = :49153'])).trim() !== '',
    );
    await docker.docker('run', '-d', '--name', 'any', '--net', 'n1', '-p', '80', image, ...serve('any'));
    await docker.docker('run', '-d', '--name', 'all', '--net', 'n1', '--expose', '80', '-P', image, ...serve('all'));
    await docker.docker(
      'run',
      '-d',
      '--name',
      'range',
      '--net',
      'n1',
      '-p',
      '18000-18002:80',
      image,
      ...serve('range'),
    );

    const hostPortOf = async (name: string): Promise<number> => {
      const ip = await containerIp(docker, name, 'n1');
      const endpoints = (await daemon.cli('endpoint', 'ls')) as PublishedEndpoint[];
      const ports = endpoints.find((e) => e.ipv4?.split('/')[0] === ip)?.ports ?? [];
      assert.equal(ports.length, 1, `${name}: one published port reported (${JSON.stringify(ports)})`);
      return (ports[0] as { hostPort: number }).hostPort;
    };
    const ports = { any: await hostPortOf('any'), all: await hostPortOf('all'), range: await hostPortOf('range') };
    t.diagnostic(
      `chosen host ports: ${JSON.stringify(ports)}; docker port shows "${(await docker.docker('port', 'any')).trim()}"`,
    );
    assert.ok(
      ports.any > 49153 && ports.all > 49153 && ports.any !== ports.all,
      `-p 80 and -P get distinct dynamic ports, not the host's 49153: ${ports.any}, ${ports.all}`,
    );
    assert.ok(ports.range >= 18000 && ports.range <= 18002, `the range port ${ports.range} is inside 18000-18002`);

    for (const [name, port] of Object.entries(ports)) {
      let page = '';
      await until(`${name} answers on host port ${port}`, async () => {
        page = (await httpGet(outside, `http://${HOST}:${port}/index.html`)) ?? '';
        return page !== '';
      });
      assert.equal(page.trim(), name, `host port ${port} reaches container ${name}`);
    }

    // A fixed port held by another container is refused with the port named.
    const clash = await docker.tryDocker(
      'run',
      '-d',
      '--name',
      'clash',
      '--net',
      'n1',
      '-p',
      `${ports.range}:80`,
      image,
      'sleep',
      '60',
    );
    assert.notEqual(clash.code, 0);
    assert.match(clash.stderr, new RegExp(`host port ${ports.range}/tcp is already published`));

    // Removing the container gives its port back: no DNAT rule left, the next "any" reuses it.
    await docker.docker('rm', '-f', 'any', 'clash');
    await until(
      'the DNAT rule of the removed container is gone',
      async () =>
        !(await ovs.netns.exec('iptables', ['-w', '-t', 'nat', '-S', 'OVSNET-DNAT'])).includes(`--dport ${ports.any} `),
    );
    assert.equal(
      await httpGet(outside, `http://${HOST}:${ports.any}/index.html`, 1000),
      undefined,
      'the freed port no longer answers',
    );
    await docker.docker('run', '-d', '--name', 'again', '--net', 'n1', '-p', '80', image, ...serve('again'));
    assert.equal(await hostPortOf('again'), ports.any, 'the freed port is chosen again');
  });
});
