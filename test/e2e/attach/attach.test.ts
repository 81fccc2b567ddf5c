// `ovsnet attach` against a real OVS and a real dockerd: the ovs-docker walkthrough (two
// containers on a bridge pinging each other), removal leaving nothing behind, VLAN
// isolation, interoperability with the real ovs-docker script in both directions, and
// every refused request leaving the host exactly as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns } from '../../harness/netns';
import { OVS_DOCKER_ENTRY, withAttachHost, type AttachHost } from './fixture';
import type { ExecResult } from '../../../controller/host/exec';

const BRIDGE = 'ovs-br1';

function ok(result: ExecResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed: ${result.stderr}`);
}

async function ping(host: AttachHost, from: string, to: string): Promise<boolean> {
  return (await host.docker.tryDocker('exec', from, 'ping', '-c', '2', '-W', '2', to)).code === 0;
}

async function containerLinks(host: AttachHost, name: string): Promise<string> {
  return host.docker.docker('exec', name, 'ip', '-o', 'link', 'show');
}

test('ovsnet attach: the ovs-docker walkthrough, del-port, del-ports, set-vlan, --netns, and errors that change nothing', async (t) => {
  await withAttachHost(t, BRIDGE, async (host) => {
    await host.container('c1');
    await host.container('c2');
    ok(
      await host.ovsnet(
        'add-port',
        BRIDGE,
        'eth1',
        'c1',
        '--ipaddress=173.16.1.2/24',
        '--macaddress=02:aa:00:00:00:02',
        '--mtu=1400',
      ),
      'add-port c1',
    );
    ok(
      await host.ovsnet('add-port', BRIDGE, 'eth1', 'c2', '--ipaddress=173.16.1.3/24', '--gateway=173.16.1.1'),
      'add-port c2',
    );
    assert.equal(await ping(host, 'c1', '173.16.1.3'), true, 'c1 reaches c2 over the OVS bridge');
    const c1Links = await containerLinks(host, 'c1');
    assert.match(
      c1Links,
      /eth1@.* mtu 1400 .*link\/ether 02:aa:00:00:00:02/,
      'MTU and MAC applied inside the container',
    );
    const route = await host.docker.docker('exec', 'c2', 'ip', 'route');
    assert.match(route, /default via 173\.16\.1\.1 dev eth1/, 'gateway becomes the default route');

    const ports = await host.ports(BRIDGE);
    assert.equal(ports.length, 2);
    for (const port of ports) assert.match(port, /^[0-9a-f]{13}_l$/, 'ports are named like ovs-docker names them');
    // The switch's ends are sealed from the host's stack (links.ts sealSwitchEnds, through
    // /proc/sys by the CLI, in its namespace; host-end.test.ts sends the attacks): no IPv6
    // address though their peers are up in the containers, no ARP answers, no unicast
    // taken from broadcast frames.
    for (const port of ports) {
      assert.match(await host.ovs.netns.ip('-o', 'link', 'show', 'dev', port), /LOWER_UP/);
      assert.doesNotMatch(await host.ovs.netns.ip('-o', 'addr', 'show', 'dev', port), /inet6/, port);
      const setting = async (key: string): Promise<string> =>
        (await host.ovs.netns.exec('sysctl', ['-n', `net/ipv4/conf/${port}/${key}`])).trim();
      assert.equal(await setting('arp_ignore'), '8', `${port} answers no ARP`);
      assert.equal(await setting('drop_unicast_in_l2_multicast'), '1', `${port} drops unicast in broadcast frames`);
    }
    const ids = await host.ovs.vsctl(
      '--data=bare',
      '--no-heading',
      '--columns=name',
      'find',
      'interface',
      'external_ids:container_id=c1',
      'external_ids:container_iface=eth1',
    );
    assert.equal(
      ids.trim(),
      ports.find((p) => ids.includes(p)),
      'ovs-docker can find the port by container_id/container_iface',
    );

    ok(await host.ovsnet('del-port', BRIDGE, 'eth1', 'c1'), 'del-port c1');
    assert.equal((await host.ports(BRIDGE)).length, 1, 'the OVS port is gone');
    assert.doesNotMatch(await containerLinks(host, 'c1'), /eth1/, 'the interface is gone from the container');
    assert.equal(
      (await host.hostLinks()).filter((l) => l.endsWith('_l')).length,
      1,
      'the host end of the veth is gone',
    );
    assert.equal(await ping(host, 'c2', '173.16.1.2'), false, 'c1 is unreachable once detached');

    // VLANs: same subnet, different tags -> isolated; same tag -> connected again.
    ok(
      await host.ovsnet('add-port', BRIDGE, 'eth1', 'c1', '--ipaddress=173.16.1.2/24', '--vlan=10'),
      'add-port with --vlan',
    );
    ok(await host.ovsnet('set-vlan', BRIDGE, 'eth1', 'c2', '20'), 'set-vlan c2 20');
    assert.equal(await ping(host, 'c1', '173.16.1.3'), false, 'VLAN 10 and VLAN 20 are isolated');
    ok(await host.ovsnet('set-vlan', BRIDGE, 'eth1', 'c2', '10'), 'set-vlan c2 10');
    assert.equal(await ping(host, 'c1', '173.16.1.3'), true, 'same VLAN connects them');

    // Any network namespace, not only Docker containers.
    const plain = await Netns.create('att');
    t.after(() => plain.destroy());
    ok(
      await host.ovsnet(
        'add-port',
        BRIDGE,
        'eth5',
        'lab-ns',
        `--netns=${plain.path}`,
        '--ipaddress=173.16.1.9/24',
        '--vlan=10',
      ),
      'add-port --netns',
    );
    assert.equal(
      (await plain.tryExec('ping', ['-c', '2', '-W', '2', '173.16.1.3'])).code,
      0,
      'a plain namespace reaches c2',
    );

    // Errors: a clear message, exit status 1, and the host unchanged.
    const before = {
      ports: (await host.ports(BRIDGE)).sort(),
      links: (await host.hostLinks()).sort(),
      c1: await containerLinks(host, 'c1'),
    };
    await host.docker.docker('create', '--net', 'none', '--name', 'stopped', host.image, 'sleep', '1');
    const refused: Array<[string[], RegExp]> = [
      [['add-port', 'no-such-br', 'eth2', 'c1'], /bridge no-such-br does not exist/],
      [['add-port', BRIDGE, 'eth2', 'stopped', '--ipaddress=173.16.1.7/24'], /container stopped is not running/],
      [['add-port', BRIDGE, 'eth2', 'no-such-container'], /no such container: no-such-container/],
      [['add-port', BRIDGE, 'eth1', 'c1', '--ipaddress=173.16.1.8/24'], /c1 already has eth1 attached/],
      [
        ['add-port', BRIDGE, 'eth2', 'c1', '--ipaddress=173.16.1.300/24'],
        /--ipaddress "173\.16\.1\.300\/24" is not a valid/,
      ],
      [
        ['add-port', BRIDGE, 'eth2', 'c1', '--ipaddress=173.16.1.3/24'],
        /address 173\.16\.1\.3 is already used on bridge ovs-br1/,
      ],
      [['add-port', BRIDGE, 'lo', 'c1'], /an interface named lo already exists in the container/],
      [['add-port', BRIDGE, 'eth2', 'c1', '--macaddress=01:00:5e:00:00:01'], /multicast/],
      [['add-port', BRIDGE, 'eth2', 'c1', '--mtu=20'], /--mtu must be an integer from 68 to 65535/],
      [['del-port', BRIDGE, 'eth9', 'c1'], /no port on bridge ovs-br1 is attached for CONTAINER=c1 and INTERFACE=eth9/],
      [['set-vlan', BRIDGE, 'eth1', 'c1', '4095'], /VLAN must be an integer from 1 to 4094/],
    ];
    for (const [args, message] of refused) {
      const result = await host.ovsnet(...args);
      assert.equal(result.code, 1, `${args.join(' ')} should fail: ${result.stdout}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    const usage = await host.ovsnet('add-port', BRIDGE, 'eth2');
    assert.equal(usage.code, 2, 'missing arguments are a usage error');
    assert.match(usage.stderr, /not enough arguments/);
    const after = {
      ports: (await host.ports(BRIDGE)).sort(),
      links: (await host.hostLinks()).sort(),
      c1: await containerLinks(host, 'c1'),
    };
    assert.deepEqual(after, before, 'refused requests changed nothing');

    // del-ports removes every port of the container; the stopped container's is a no-op.
    ok(await host.ovsnet('add-port', BRIDGE, 'eth2', 'c1', '--ipaddress=173.16.2.2/24'), 'second port of c1');
    ok(await host.ovsnet('del-ports', BRIDGE, 'c1'), 'del-ports c1');
    assert.doesNotMatch(await containerLinks(host, 'c1'), /eth1|eth2/, 'both interfaces gone');
    ok(await host.ovsnet('del-ports', BRIDGE, 'stopped'), 'del-ports of a container without ports');
    ok(await host.ovsnet('del-ports', BRIDGE, 'lab-ns'), 'del-ports for a --netns label');
    ok(await host.ovsnet('del-ports', BRIDGE, 'c2'), 'del-ports c2');
    assert.deepEqual(await host.ports(BRIDGE), [], 'bridge empty');
    assert.deepEqual(
      (await host.hostLinks()).filter((l) => l.endsWith('_l')),
      [],
      'no veth left behind',
    );
  });
});

test('ovsnet attach and the real ovs-docker understand each other’s ports', async (t) => {
  await withAttachHost(t, BRIDGE, async (host) => {
    await host.container('c1');
    await host.container('c2');
    ok(await host.ovsDocker('add-port', BRIDGE, 'eth1', 'c1', '--ipaddress=173.16.1.2/24'), 'ovs-docker add-port c1');
    ok(await host.ovsnet('add-port', BRIDGE, 'eth1', 'c2', '--ipaddress=173.16.1.3/24'), 'ovsnet add-port c2');
    assert.equal(await ping(host, 'c1', '173.16.1.3'), true, 'a port from each tool, one bridge');

    const again = await host.ovsnet('add-port', BRIDGE, 'eth1', 'c1');
    assert.match(again.stderr, /c1 already has eth1 attached/, 'ovsnet sees the ovs-docker port');
    const theirs = await host.ovsDocker('add-port', BRIDGE, 'eth1', 'c2');
    assert.match(theirs.stderr, /Port already attached/, 'ovs-docker sees the ovsnet port');

    ok(await host.ovsnet('set-vlan', BRIDGE, 'eth1', 'c1', '7'), 'ovsnet set-vlan on an ovs-docker port');
    assert.equal(await ping(host, 'c1', '173.16.1.3'), false, 'tagged apart');
    ok(await host.ovsDocker('set-vlan', BRIDGE, 'eth1', 'c2', '7'), 'ovs-docker set-vlan on an ovsnet port');
    assert.equal(await ping(host, 'c1', '173.16.1.3'), true, 'same tag again');

    ok(await host.ovsnet('del-port', BRIDGE, 'eth1', 'c1'), 'ovsnet removes the ovs-docker port');
    ok(await host.ovsDocker('del-port', BRIDGE, 'eth1', 'c2'), 'ovs-docker removes the ovsnet port');
    assert.deepEqual(await host.ports(BRIDGE), [], 'bridge empty');
    assert.deepEqual(
      (await host.hostLinks()).filter((l) => l.endsWith('_l')),
      [],
      'no veth left',
    );

    // The ovs-docker entry point of ovsnet creates a missing bridge, as the script does.
    const entry = await host.ovs.netns.tryExec(
      process.execPath,
      [OVS_DOCKER_ENTRY, 'add-port', 'br-new', 'eth3', 'c1', '--ipaddress=173.16.3.2/24'],
      { env: host.env },
    );
    ok(entry, 'ovsnet ovs-docker entry point add-port');
    assert.equal((await host.ports('br-new')).length, 1, 'br-new created with the port');
  });
});
