// Podman (Debian's, CNI backend) running busybox containers on ovsnet CNI networks: reach
// within a network, isolation between networks, ICC off with an allow rule, an internal
// network, a chained portmap publishing a port to a namespace outside the host, the
// spoofing battery from a Podman container, and `podman rm -f` leaving nothing behind.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, uniqueIfname, vethPair } from '../../harness/netns';
import { httpGet } from '../../harness/probes';
import { sharedPodmanHost, type PodmanHost } from '../../harness/podman';
import { deliver, gratuitousArp } from '../../harness/raw-frames';
import { endpointPorts, endpointVeths } from '../../harness/ovsnet-checks';
import { until } from '../../harness/until';

const OUTSIDE_HOST_IP = '10.99.7.1';

interface Endpoint {
  ipv4?: string;
  mac: string;
  ofport: number;
  containerName?: string;
}

describe('Podman containers on ovsnet CNI networks', () => {
  const rig = sharedPodmanHost({
    needs: ['/usr/bin/python3'],
    prepare: async ({ podman, socket }) => {
      const ovsnet = (extra: Record<string, unknown>) => ({ type: 'ovsnet', socket, ...extra });
      podman.writeNetwork('red', [
        ovsnet({ subnet: '10.97.0.0/24' }),
        { type: 'portmap', capabilities: { portMappings: true } },
      ]);
      podman.writeNetwork('blue', [ovsnet({ subnet: '10.98.0.0/24', icc: false })]);
      podman.writeNetwork('inner', [ovsnet({ subnet: '10.87.0.0/24', internal: true })], '0.4.0');
    },
  });

  const start = async (host: PodmanHost, name: string, net: string, ...extra: string[]): Promise<string> => {
    await host.podman.podman('run', '-d', '--name', name, '--net', net, ...extra, host.image, 'sleep', '600');
    const ip = await host.podman.podman(
      'inspect',
      '-f',
      `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`,
      name,
    );
    return ip.trim();
  };
  const reaches = async (host: PodmanHost, from: string, ip: string): Promise<boolean> =>
    (await host.podman.tryPodman('exec', from, 'ping', '-c', '1', '-W', '2', ip)).code === 0;
  const removeAll = async (host: PodmanHost): Promise<void> => {
    await host.podman.podman('rm', '-af', '-t', '0');
  };

  test('same network reaches, other networks do not; the gateway answers', (t) =>
    rig.run(t, async (host) => {
      t.after(() => removeAll(host));
      const r1 = await start(host, 'r1', 'red');
      const r2 = await start(host, 'r2', 'red');
      const b1 = await start(host, 'b1', 'blue');
      assert.match(r1, /^10\.97\.0\./);
      assert.equal(await reaches(host, 'r1', r2), true, 'r1 reaches r2 on red');
      assert.equal(await reaches(host, 'r1', '10.97.0.1'), true, 'r1 reaches its gateway');
      assert.equal(await reaches(host, 'r1', b1), false, 'red does not reach blue');
      assert.equal(await reaches(host, 'b1', r1), false, 'blue does not reach red');
    }));

  test('ICC off drops container to container until an allow rule lets it through', (t) =>
    rig.run(t, async (host) => {
      t.after(() => removeAll(host));
      const b1 = await start(host, 'b1', 'blue');
      const b2 = await start(host, 'b2', 'blue');
      assert.equal(await reaches(host, 'b1', b2), false, 'ICC off');
      assert.equal(await reaches(host, 'b1', '10.98.0.1'), true, 'the gateway works with ICC off');
      const rule = await host.daemon.tryCli(
        'policy',
        'allow',
        '--network',
        'cni-blue',
        '--from',
        b1,
        '--to',
        b2,
        '--proto',
        'icmp',
      );
      assert.equal(rule.code, 0, rule.stderr);
      await until('the allow rule lets b1 reach b2', () => reaches(host, 'b1', b2), 10_000, 200);
    }));

  test('an internal network reaches its members only: no default route, no host', (t) =>
    rig.run(t, async (host) => {
      t.after(() => removeAll(host));
      await start(host, 'r1', 'red');
      const i1 = await start(host, 'i1', 'inner');
      const i2 = await start(host, 'i2', 'inner');
      assert.equal(await reaches(host, 'i1', i2), true, 'internal members reach each other');
      assert.equal(await reaches(host, 'i1', '10.97.0.1'), false, 'but not the host through another gateway');
      assert.doesNotMatch(await host.podman.podman('exec', 'i1', 'ip', 'route'), /default/);
      void i1;
    }));

  test('a chained portmap publishes a container port to a namespace outside the host', (t) =>
    rig.run(t, async (host) => {
      const outside = await Netns.create('out');
      t.after(async () => {
        await removeAll(host);
        await outside.destroy();
      });
      await vethPair(
        { ns: host.ovs.netns, name: uniqueIfname('up'), addresses: [`${OUTSIDE_HOST_IP}/24`] },
        { ns: outside, name: 'eth0', addresses: ['10.99.7.2/24'] },
      );
      await host.podman.podman(
        'run',
        '-d',
        '--name',
        'web',
        '--net',
        'red',
        '-p',
        '8080:80',
        host.image,
        'sh',
        '-c',
        'mkdir -p /www; echo hello-from-podman > /www/index.html; exec httpd -f -p 80 -h /www',
      );
      let body: string | undefined;
      await until(
        'the published port answers from outside',
        async () => (body = await httpGet(outside, `http://${OUTSIDE_HOST_IP}:8080/`)) !== undefined,
        15_000,
        300,
      );
      assert.match(body ?? '', /hello-from-podman/);
    }));

  test('the spoofing battery from a Podman container: forged IP, MAC and ARP are dropped', (t) =>
    rig.run(t, async (host) => {
      t.after(() => removeAll(host));
      const a = await start(host, 'a', 'red');
      const b = await start(host, 'b', 'red');
      await start(host, 'c', 'red');
      const pidOf = async (name: string) =>
        Number((await host.podman.podman('inspect', '-f', '{{.State.Pid}}', name)).trim());
      const [nsA, nsC] = [await Netns.attach('pa', await pidOf('a')), await Netns.attach('pc', await pidOf('c'))];
      t.after(() => Promise.all([nsA.destroy(), nsC.destroy()]));
      const macA = (await nsA.exec('cat', ['/sys/class/net/eth0/address'])).trim();
      const ping = async (ns: Netns, ip: string, ...extra: string[]) =>
        (await ns.tryExec('ping', ['-n', '-c', '1', '-W', '1', ...extra, ip])).code === 0;
      assert.equal(await ping(nsA, b), true, 'control: a reaches b');
      await nsA.ip('addr', 'add', '10.97.0.199/24', 'dev', 'eth0');
      assert.equal(await ping(nsA, b, '-I', '10.97.0.199'), false, 'a spoofed source IP is dropped');
      await nsA.ip('addr', 'del', '10.97.0.199/24', 'dev', 'eth0');
      await nsA.ip('link', 'set', 'dev', 'eth0', 'address', '02:66:66:66:66:67');
      await nsA.ip('neigh', 'flush', 'all');
      assert.equal(await ping(nsA, b), false, 'a spoofed source MAC is dropped');
      await nsA.ip('link', 'set', 'dev', 'eth0', 'address', macA);
      assert.equal(await ping(nsA, b), true, 'a works again with its own MAC');
      const forged = gratuitousArp(macA, b);
      assert.equal(
        await deliver(nsA, nsC, forged, forged.slice(44, 64)),
        0,
        "a gratuitous ARP for b's address is dropped",
      );
      const honest = gratuitousArp(macA, a);
      assert.ok((await deliver(nsA, nsC, honest, honest.slice(44, 64))) > 0, 'control: an honest one is flooded');
    }));

  test('podman rm -f leaves no endpoint, port, veth, flow or address', (t) =>
    rig.run(t, async (host) => {
      for (const [name, net] of [
        ['g1', 'red'],
        ['g2', 'blue'],
        ['g3', 'inner'],
      ] as const)
        await start(host, name, net);
      const endpoints = (await host.daemon.cli('endpoint', 'ls')) as Endpoint[];
      assert.equal(endpoints.length, 3);
      await host.podman.podman('rm', '-f', '-t', '0', 'g1', 'g2', 'g3');
      assert.deepEqual(await host.daemon.cli('endpoint', 'ls'), []);
      await until(
        'no endpoint port or veth on the host',
        async () =>
          (await endpointPorts(host.ovs, host.daemon)).length === 0 &&
          (await endpointVeths(host.ovs, host.daemon)).length === 0,
      );
      const flows = await host.ovs.ofctl('-O', 'OpenFlow13', 'dump-flows', 'br-int');
      for (const e of endpoints)
        assert.doesNotMatch(
          flows,
          new RegExp(`in_port=${e.ofport}\\b|output:${e.ofport}\\b`),
          `no flow for port ${e.ofport}`,
        );
      const pools = (await host.daemon.cli('ipam', 'ls')) as Array<{ addresses: Array<{ address: string }> }>;
      const held = pools.flatMap((p) => p.addresses.map((a) => a.address)).sort();
      assert.deepEqual(held, ['10.87.0.1', '10.97.0.1', '10.98.0.1'], 'only the gateways hold addresses');
    }));
});
