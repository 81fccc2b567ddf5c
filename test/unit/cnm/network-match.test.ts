import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchNetwork } from '../../../controller/cnm/network-match';
import type { NetworkRecord } from '../../../controller/cnm/records';
import { net } from './registry-fixture';

const existing = (id: string, pool: string, extra: Partial<NetworkRecord> = {}): NetworkRecord => ({
  ...net(id, pool),
  key: id,
  tag: 1,
  gatewayIfname: 'ovsgw1',
  host: 'h1',
  ...extra,
});

const shared = existing('d1', '10.78.0.0/24', { name: 'shared', key: 'shared', vni: 7 });
const networks = [shared, existing('d2', '10.79.0.0/24')];

test('a request naming the key of a network with the same settings stands for it', () => {
  assert.deepEqual(matchNetwork(net('h2id', '10.78.0.0/24', { key: 'shared' }), networks), {
    kind: 'same',
    network: shared,
  });
  // The VNI the cluster chose need not be repeated; the same one may be.
  assert.equal(matchNetwork(net('h2id', '10.78.0.0/24', { key: 'shared', vni: 7 }), networks).kind, 'same');
});

test('a name given directly counts as the key', () => {
  assert.equal(matchNetwork(net('cli-id', '10.78.0.0/24', { name: 'shared' }), networks).kind, 'same');
  assert.throws(() => matchNetwork(net('cli-id', '10.82.0.0/24', { name: 'shared' }), networks), /already belongs/);
});

test('without a key, exactly the same subnets with the same settings stand for the network', () => {
  assert.deepEqual(matchNetwork(net('h2id', '10.78.0.0/24'), networks), { kind: 'same', network: shared });
});

test('the same key with other settings is refused, naming the network, its subnet and its creator', () => {
  for (const [spec, differs] of [
    [net('h2id', '10.80.0.0/24', { key: 'shared' }), /subnets 10\.80\.0\.0\/24 gateway 10\.80\.0\.1 here/],
    [net('h2id', '10.78.0.0/24', { key: 'shared', icc: false }), /icc false here, true there/],
    [net('h2id', '10.78.0.0/24', { key: 'shared', internal: true }), /internal true here/],
    [net('h2id', '10.78.0.0/24', { key: 'shared', mtu: 1400 }), /mtu 1400 here, unset there/],
    [net('h2id', '10.78.0.0/24', { key: 'shared', vni: 8 }), /vni 8 here, 7 there/],
    [net('h2id', '10.78.0.0/24', { key: 'shared', tunnel: 'gre' }), /tunnel gre here, vxlan there/],
  ] as const) {
    assert.throws(
      () => matchNetwork(spec, networks),
      (e: unknown) =>
        e instanceof Error &&
        /network "shared" \(10\.78\.0\.0\/24, created on host h1\)/.test(e.message) &&
        differs.test(e.message),
    );
  }
});

test('the same subnets under another key, or an overlapping subnet, are refused naming the network', () => {
  assert.throws(
    () => matchNetwork(net('h2id', '10.78.0.0/24', { key: 'other' }), networks),
    /10\.78\.0\.0\/24 are those of network "shared" \(10\.78\.0\.0\/24, created on host h1\), not of a network named "other"/,
  );
  assert.throws(
    () => matchNetwork(net('h2id', '10.78.0.0/16'), networks),
    /subnet 10\.78\.0\.0\/16 overlaps subnet 10\.78\.0\.0\/24 of network "shared" \(10\.78\.0\.0\/24, created on host h1\)/,
  );
  assert.throws(() => matchNetwork(net('h2id', '10.78.0.0/24', { icc: false }), networks), /icc false here/);
});

test('a request matching nothing is a new network', () => {
  assert.deepEqual(matchNetwork(net('h2id', '10.81.0.0/24', { key: 'fresh' }), networks), { kind: 'new' });
  assert.deepEqual(matchNetwork(net('h2id', '10.81.0.0/24'), []), { kind: 'new' });
});
