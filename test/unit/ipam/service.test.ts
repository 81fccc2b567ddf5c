import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKvStore } from '../../../controller/store/file-store';
import { IpamService } from '../../../controller/ipam/service';
import { isControllerError } from '../../../controller/errors';
import { FakeClock } from '../../harness/fake-clock';

function setup(t: TestContext): IpamService {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-ipam-'));
  const store = FileKvStore.open(dir);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return new IpamService(store);
}

test('pools: explicit, dynamic without overlap, reference counted, validated', async (t) => {
  const ipam = setup(t);
  const a = await ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.128.0.0/24', v6: false });
  assert.equal(a.pool, '10.128.0.0/24');
  const again = await ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.128.0.0/24', v6: false });
  assert.equal(again.poolId, a.poolId, 'the same request gets the same pool');
  const dynamic = await ipam.requestPool({ addressSpace: 'LocalDefault', v6: false });
  assert.equal(dynamic.pool, '10.128.1.0/24', 'dynamic pools skip pools in use');
  const v6 = await ipam.requestPool({ addressSpace: 'LocalDefault', v6: true });
  assert.equal(v6.pool, 'fd0e::/64');
  await assert.rejects(
    ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.128.0.128/25', v6: false }),
    /overlaps pool 10\.128\.0\.0\/24/,
  );
  await assert.rejects(ipam.requestPool({ addressSpace: 'LocalDefault', pool: 'nonsense', v6: false }), (e: unknown) =>
    isControllerError(e, 'INVALID_ARGUMENT'),
  );
  await assert.rejects(
    ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.9.0.0/24', subPool: '10.8.0.0/25', v6: false }),
    /outside pool/,
  );
  await ipam.releasePool(a.poolId);
  await ipam.requestAddress({ poolId: a.poolId }); // still held once
  await ipam.releasePool(a.poolId);
  await assert.rejects(ipam.requestAddress({ poolId: a.poolId }), (e: unknown) => isControllerError(e, 'NOT_FOUND'));
  await ipam.releasePool(a.poolId);
});

test('addresses: first usable for the gateway, explicit, in use, exhaustion, release', async (t) => {
  const ipam = setup(t);
  const { poolId } = await ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.1.0.0/29', v6: false });
  assert.equal(await ipam.requestAddress({ poolId, kind: 'gateway' }), '10.1.0.1/29');
  assert.equal(await ipam.requestAddress({ poolId, address: '10.1.0.5' }), '10.1.0.5/29');
  await assert.rejects(ipam.requestAddress({ poolId, address: '10.1.0.5' }), /10\.1\.0\.5 is already in use/);
  await assert.rejects(ipam.requestAddress({ poolId, address: '10.2.0.5' }), /outside pool/);
  const got = [];
  for (let i = 0; i < 4; i++) got.push(await ipam.requestAddress({ poolId }));
  assert.deepEqual(got, ['10.1.0.2/29', '10.1.0.3/29', '10.1.0.4/29', '10.1.0.6/29']);
  await assert.rejects(ipam.requestAddress({ poolId }), (e: unknown) => isControllerError(e, 'EXHAUSTED'));
  await ipam.releaseAddress(poolId, '10.1.0.3');
  await ipam.releaseAddress(poolId, '10.1.0.3');
  assert.equal(await ipam.requestAddress({ poolId }), '10.1.0.3/29');
});

test('concurrent requests never share an address; sub-pools and IPv6 pools work', async (t) => {
  const ipam = setup(t);
  const { poolId } = await ipam.requestPool({
    addressSpace: 'LocalDefault',
    pool: '10.3.0.0/24',
    subPool: '10.3.0.128/25',
    v6: false,
  });
  const addresses = await Promise.all(Array.from({ length: 60 }, () => ipam.requestAddress({ poolId })));
  assert.equal(new Set(addresses).size, 60);
  assert.ok(
    addresses.every((a) => Number(a.split('.')[3]?.split('/')[0]) >= 128),
    'allocation stays in the sub-pool',
  );
  const v6 = await ipam.requestPool({ addressSpace: 'LocalDefault', pool: 'fd00:1::/64', v6: true });
  assert.equal(await ipam.requestAddress({ poolId: v6.poolId }), 'fd00:1::1/64');
});

test('reclaim: gives back only anonymous addresses past the grace that nothing uses, in pools it is told about', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-ipam-'));
  const store = FileKvStore.open(dir);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = new FakeClock();
  const ipam = new IpamService(store, clock);
  const pool = await ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.60.0.0/24', v6: false });
  const other = await ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.61.0.0/24', v6: false });
  const gateway = await ipam.requestAddress({ poolId: pool.poolId, kind: 'gateway' });
  const used = await ipam.requestAddress({ poolId: pool.poolId });
  const leaked = await ipam.requestAddress({ poolId: pool.poolId });
  const foreign = await ipam.requestAddress({ poolId: other.poolId });
  clock.advance(5_000);
  const fresh = await ipam.requestAddress({ poolId: pool.poolId });
  const inUse = new Map([['10.60.0.0/24', new Set(['10.60.0.1', used.split('/')[0] as string])]]);
  assert.deepEqual(await ipam.reclaim(inUse, 60_000), [], 'nothing is reclaimed within the grace');
  clock.advance(56_000);
  assert.deepEqual(await ipam.reclaim(inUse, 60_000), [leaked.split('/')[0]], 'only the unused address past the grace');
  const held = (await ipam.list()).flatMap((p) => p.addresses.map((a) => `${a.address}/24`)).sort();
  assert.deepEqual(
    held,
    [gateway, used, foreign, fresh].sort(),
    'the gateway, the used, the fresh and the other pool stay',
  );
});

test('in a cluster every host holds the gateway address of a shared pool; the last release frees it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-ipam-'));
  const store = FileKvStore.open(dir);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ipam = new IpamService(store, undefined, { shareGateways: true });
  const hosts = 3;
  const grants = await Promise.all(
    Array.from({ length: hosts }, () =>
      ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.78.0.0/24', v6: false }),
    ),
  );
  const { poolId } = grants[0] as { poolId: string };
  // The first host names no gateway, the others name the one the network has.
  assert.equal(await ipam.requestAddress({ poolId, kind: 'gateway' }), '10.78.0.1/24');
  assert.equal(await ipam.requestAddress({ poolId, kind: 'gateway', address: '10.78.0.1' }), '10.78.0.1/24');
  assert.equal(await ipam.requestAddress({ poolId, kind: 'gateway' }), '10.78.0.1/24', 'unnamed: the same one');
  await assert.rejects(
    ipam.requestAddress({ poolId, address: '10.78.0.1' }),
    /10\.78\.0\.1 is already in use/,
    'a container never gets it',
  );
  assert.equal(await ipam.requestAddress({ poolId }), '10.78.0.2/24');
  const holders = async (): Promise<string[]> =>
    (await ipam.list()).flatMap((p) => p.addresses.map((a) => a.address)).sort();
  for (let i = 1; i < hosts; i++) {
    await ipam.releaseAddress(poolId, '10.78.0.1');
    assert.deepEqual(await holders(), ['10.78.0.1', '10.78.0.2'], `still held by ${hosts - i} host(s)`);
  }
  await ipam.releaseAddress(poolId, '10.78.0.1');
  assert.deepEqual(await holders(), ['10.78.0.2'], 'the last release frees it');
});

test('on a single host a second request for the gateway address is still refused', async (t) => {
  const ipam = setup(t);
  const { poolId } = await ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.78.0.0/24', v6: false });
  assert.equal(await ipam.requestAddress({ poolId, kind: 'gateway' }), '10.78.0.1/24');
  await assert.rejects(
    ipam.requestAddress({ poolId, kind: 'gateway', address: '10.78.0.1' }),
    /10\.78\.0\.1 is already in use/,
  );
});

test('an owner unique to one interface gets back the address it holds; a shared name never does', async (t) => {
  const ipam = setup(t);
  const { poolId } = await ipam.requestPool({ addressSpace: 'LocalDefault', pool: '10.1.2.0/28', v6: false });
  const cni = { poolId, owner: 'cni-endpoint-1', kind: 'endpoint' as const, reuseOwned: true };
  const first = await ipam.requestAddress(cni);
  assert.equal(await ipam.requestAddress(cni), first, 'the repeated request gets the same address');
  const other = await ipam.requestAddress({ ...cni, owner: 'cni-endpoint-2' });
  assert.notEqual(other, first, 'another owner gets another address');
  // Docker names endpoints after containers: two hosts may run a "web" on one network.
  const web = { poolId, owner: 'web', kind: 'endpoint' as const };
  const a = await ipam.requestAddress(web);
  const b = await ipam.requestAddress(web);
  assert.notEqual(a, b, 'a name owner without reuseOwned gets a new address each time');
  await ipam.releaseOwnedBy(poolId, 'cni-endpoint-1');
  const held = (await ipam.list()).find((p) => p.poolId === poolId)?.addresses.map((x) => x.address) ?? [];
  assert.ok(!held.includes(first.split('/')[0] as string), `released by owner: ${held.join(', ')}`);
  assert.ok(held.includes(other.split('/')[0] as string), 'the other owner keeps its address');
});
