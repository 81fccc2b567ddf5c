// Moving a container's end of a veth into its sandbox (what `ovsnet attach` on the daemon's
// bridge does after the join): renamed, addressed, up and routed there in one `ip -batch`,
// and a step the kernel refuses fails the whole move with the kernel's reason. Or made there
// in the first place, with nothing to move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns } from '../../harness/netns';
import { requireBinaries } from '../../harness/require';
import { HostLinks } from '../../../controller/host/links';
import { until } from '../../harness/until';

/** A namespace standing for the host and one for the sandbox, both removed after the test. */
async function hostAndSandbox(t: { after(fn: () => Promise<void>): void }): Promise<{ host: Netns; sandbox: Netns }> {
  const host = await Netns.create('lh');
  const sandbox = await Netns.create('ls');
  t.after(async () => {
    await sandbox.destroy();
    await host.destroy();
  });
  return { host, sandbox };
}

test('a link moved into a sandbox arrives renamed, addressed, up and with its default routes', async (t) => {
  if (!requireBinaries(t, ['ip', 'nsenter'])) return;
  const { host, sandbox } = await hostAndSandbox(t);
  const links = new HostLinks(host.name);
  await host.ip('link', 'add', 'sbx0', 'type', 'veth', 'peer', 'name', 'sbx0p');
  await links.moveIntoSandbox('sbx0p', sandbox.path, {
    ifname: 'eth1',
    addresses: ['10.77.0.5/24', 'fd77::5/64'],
    gatewayIpv4: '10.77.0.1',
    gatewayIpv6: 'fd77::1',
  });
  assert.doesNotMatch(await host.ip('-o', 'link', 'show'), /sbx0p/, 'gone from the host');
  const link = await sandbox.ip('-o', 'link', 'show', 'eth1');
  assert.match(link, /[<,]UP[,>]/, 'eth1 is up');
  const addresses = await sandbox.ip('-o', 'addr', 'show', 'dev', 'eth1');
  assert.match(addresses, /inet 10\.77\.0\.5\/24/);
  assert.match(addresses, /inet6 fd77::5\/64/);
  assert.match(await sandbox.ip('route', 'show', 'default'), /default via 10\.77\.0\.1 dev eth1/);
  assert.match(await sandbox.ip('-6', 'route', 'show', 'default'), /default via fd77::1 dev eth1/);
});

test('a sandbox that already has the interface name refuses the move, naming the reason', async (t) => {
  if (!requireBinaries(t, ['ip', 'nsenter'])) return;
  const { host, sandbox } = await hostAndSandbox(t);
  await sandbox.ip('link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'other');
  await host.ip('link', 'add', 'sbx1', 'type', 'veth', 'peer', 'name', 'sbx1p');
  await assert.rejects(
    new HostLinks(host.name).moveIntoSandbox('sbx1p', sandbox.path, { ifname: 'eth1', addresses: ['10.77.1.5/24'] }),
    /File exists/,
  );
  assert.doesNotMatch(await sandbox.ip('-o', 'addr', 'show'), /10\.77\.1\.5/, 'no address was added after the failure');
});

test('a veth made with its container end in the sandbox: MAC, MTU, checksum offload off, then configured in place', async (t) => {
  if (!requireBinaries(t, ['ip', 'nsenter', 'ethtool'])) return;
  const { host, sandbox } = await hostAndSandbox(t);
  const links = new HostLinks(host.name);
  const made = { mtu: 1450, peerMac: '02:77:00:00:00:05', peerNetns: sandbox.path };
  await links.createVeth('sbx2', 'sbx2p', made);
  // Made again, as a retried join does: the pair is replaced, not doubled.
  await links.createVeth('sbx2', 'sbx2p', made);
  assert.match(await host.ip('-o', 'link', 'show', 'sbx2'), /mtu 1450/);
  assert.doesNotMatch(await host.ip('-o', 'link', 'show'), /sbx2p/, 'the container end never was on the host');
  const peer = await sandbox.ip('-o', 'link', 'show', 'sbx2p');
  assert.match(peer, /mtu 1450/);
  assert.match(peer, /link\/ether 02:77:00:00:00:05/);
  assert.equal((await sandbox.ip('-o', 'link', 'show')).split('\n').filter((l) => l.includes('sbx2p')).length, 1);
  const offload = await sandbox.exec('ethtool', ['-k', 'sbx2p']);
  assert.match(offload, /tx-checksumming: off/);
  await links.moveIntoSandbox(
    'sbx2p',
    sandbox.path,
    { ifname: 'eth1', addresses: ['10.77.2.5/24'] },
    { alreadyThere: true },
  );
  assert.match(await sandbox.ip('-o', 'addr', 'show', 'dev', 'eth1'), /inet 10\.77\.2\.5\/24/);
  // The switch's end carries no IPv6 address even with the carrier up: OVS pays for every
  // address on a port (links.ts sealSwitchEnds). The container's end keeps its IPv6.
  await until('the container end has a link-local address', async () =>
    /inet6 fe80::/.test(await sandbox.ip('-o', 'addr', 'show', 'dev', 'eth1')),
  );
  assert.match(await host.ip('-o', 'link', 'show', 'sbx2'), /LOWER_UP/);
  assert.doesNotMatch(await host.ip('-o', 'addr', 'show', 'dev', 'sbx2'), /inet6/);
  assert.equal((await host.exec('sysctl', ['-n', 'net.ipv6.conf.sbx2.disable_ipv6'])).trim(), '1');
  await assert.rejects(
    links.createVeth('sbx3', 'sbx3p', { peerNetns: 'relative/path' }),
    /unusable namespace path for a veth end: relative\/path/,
  );
});

test('a retried join that finds its pair already made still leaves IPv6 off the host end', async (t) => {
  if (!requireBinaries(t, ['ip', 'ethtool'])) return;
  const { host } = await hostAndSandbox(t);
  // As a first attempt stopped right after `ip link add` would have left it.
  await host.ip('link', 'add', 'sbx4', 'up', 'type', 'veth', 'peer', 'name', 'sbx4p');
  await new HostLinks(host.name).createVeth('sbx4', 'sbx4p');
  assert.equal((await host.exec('sysctl', ['-n', 'net.ipv6.conf.sbx4.disable_ipv6'])).trim(), '1');
});
