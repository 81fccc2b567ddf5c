// `ovsnet attach` on the bridge of a running ovsnet daemon: the hand-attached port joins an
// ovsnet network and gets its flows (reaches Docker-managed containers and the gateway of
// its network, not other networks, cannot spoof), and removal goes through the daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '../../harness/until';
import { linkNames } from '../../harness/netns';
import { OVSNET_CLI } from './fixture';
import { withDockerHost } from '../../harness/docker-host';
import { ovsnetNetwork } from '../../harness/ovsnet-daemon';
import { runOk } from '../../../controller/host/exec';
import { endpointPorts, onlyPoolPortsLeft } from '../../harness/ovsnet-checks';

test('ovsnet attach on the daemon bridge: the port is an endpoint of an ovsnet network with its isolation and anti-spoofing', async (t) => {
  await withDockerHost(t, async ({ ovs, docker, daemon, image }) => {
    const env = { ...ovs.env, ...docker.env };
    const attach = (...args: string[]) =>
      ovs.netns.tryExec(process.execPath, [OVSNET_CLI, 'attach', ...args], { env, timeoutMs: 60_000 });
    await docker.docker(...ovsnetNetwork('n1', '--subnet', '10.60.0.0/24'));
    await docker.docker(...ovsnetNetwork('n2', '--subnet', '10.61.0.0/24'));
    await docker.docker('run', '-d', '--name', 'd1', '--net', 'n1', image, 'sleep', '600');
    await docker.docker('run', '-d', '--name', 'd2', '--net', 'n2', image, 'sleep', '600');
    const ip = async (name: string, net: string): Promise<string> =>
      (await docker.docker('inspect', '-f', `{{.NetworkSettings.Networks.${net}.IPAddress}}`, name)).trim();
    const d1 = await ip('d1', 'n1');
    const d2 = await ip('d2', 'n2');
    for (const name of ['m1', 'm2', 'm3'])
      await docker.docker('run', '-d', '--net', 'none', '--name', name, image, 'sleep', '600');
    const ping = async (from: string, to: string, ...extra: string[]): Promise<boolean> =>
      (await docker.tryDocker('exec', from, 'ping', '-c', '2', '-W', '2', ...extra, to)).code === 0;

    const added = await attach('add-port', 'br-int', 'eth1', 'm1', '--ipaddress=10.60.0.50/24');
    assert.equal(added.code, 0, added.stderr);
    assert.equal(
      (await attach('add-port', 'br-int', 'eth1', 'm2', '--ipaddress=10.61.0.50/24')).code,
      0,
      'second network chosen by subnet',
    );
    assert.equal(await ping('m1', d1), true, 'hand-attached m1 reaches the Docker container on n1');
    assert.equal(await ping('m1', '10.60.0.1'), true, 'and the gateway of n1 (default route set)');
    assert.equal(await ping('m1', d2), false, 'but not n2');
    assert.equal(await ping('m2', d2), true, 'm2 is on n2');
    // Anti-spoofing: m1 sending from an address it was not given gets nowhere.
    const m1Pid = (await docker.docker('inspect', '-f', '{{.State.Pid}}', 'm1')).trim();
    await runOk('nsenter', [`--net=/proc/${m1Pid}/ns/net`, 'ip', 'addr', 'add', '10.60.0.77/24', 'dev', 'eth1']);
    assert.equal(await ping('m1', d1, '-I', '10.60.0.77'), false, 'a spoofed source address is dropped');
    assert.equal(await ping('m1', d1), true, 'control: its own address still works');

    const ids = await ovs.vsctl(
      '--data=bare',
      '--no-heading',
      '--columns=name',
      'find',
      'interface',
      'external_ids:container_id=m1',
      'external_ids:container_iface=eth1',
    );
    assert.notEqual(ids.trim(), '', 'the managed port carries the ovs-docker labels');

    const refused: Array<[string[], RegExp]> = [
      [['add-port', 'br-int', 'eth1', 'm3', '--ipaddress=10.60.0.50/24'], /address 10\.60\.0\.50 is already used/],
      [
        ['add-port', 'br-int', 'eth1', 'm3', '--ipaddress=10.99.0.5/24'],
        /no ovsnet network has a subnet holding 10\.99\.0\.5/,
      ],
      [['add-port', 'br-int', 'eth1', 'm3'], /need --ipaddress/],
      // Judged by the daemon from its store (its own ports are its to judge).
      [['add-port', 'br-int', 'eth1', 'm1', '--ipaddress=10.60.0.51/24'], /m1 already has eth1 attached/],
      [['add-port', 'br-int', 'eth1', 'm3', '--ipaddress=10.60.0.9/24', '--vlan=5'], /--vlan does not apply/],
      [['set-vlan', 'br-int', 'eth1', 'm1', '5'], /set-vlan does not apply/],
      // Fails in the sandbox (m3 has an lo already), while the switch is taking the port.
      [['add-port', 'br-int', 'lo', 'm3', '--ipaddress=10.60.0.9/24'], /File exists/],
    ];
    const portsBefore = await endpointPorts(ovs, daemon);
    for (const [args, message] of refused) {
      const result = await attach(...args);
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
    }
    assert.deepEqual(await endpointPorts(ovs, daemon), portsBefore, 'refused requests changed nothing');
    assert.deepEqual(
      linkNames(await docker.docker('exec', 'm3', 'ip', '-o', 'link')),
      ['lo'],
      'm3 got no interface, not even the veth end of the request that failed in its namespace',
    );

    const removed = await attach('del-port', 'br-int', 'eth1', 'm1');
    assert.equal(removed.code, 0, removed.stderr);
    await until('m1 port removed', async () => !(await ovs.vsctl('list-ports', 'br-int')).includes(ids.trim()));
    assert.doesNotMatch(await docker.docker('exec', 'm1', 'ip', '-o', 'link'), /eth1/, 'eth1 gone from m1');
    assert.equal(
      (await attach('add-port', 'br-int', 'eth1', 'm3', '--ipaddress=10.60.0.50/24')).code,
      0,
      'the freed address can be used again',
    );
    assert.equal(await ping('m3', d1), true, 'm3 took over the address');

    // The daemon owns this bridge: without it, attach says so instead of wiring a dead port.
    await daemon.kill9();
    const orphan = await attach('add-port', 'br-int', 'eth2', 'm1', '--ipaddress=10.60.0.60/24');
    assert.equal(orphan.code, 1);
    assert.match(orphan.stderr, /cannot reach the ovsnet daemon|which is not running/);
    await daemon.start();
    await until('daemon back', async () => (await attach('del-ports', 'br-int', 'm3')).code === 0, 30_000);
    assert.equal((await attach('del-ports', 'br-int', 'm2')).code, 0);
    await docker.docker('rm', '-f', 'd1', 'd2', 'm1', 'm2', 'm3');
    await docker.docker('network', 'rm', 'n1', 'n2');
    await until('all ports removed', () => onlyPoolPortsLeft(ovs, daemon));
  });
});
