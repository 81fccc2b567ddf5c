// Several daemons' IPAM over one store (as over etcd) requesting from one small pool at
// once until it is full: every usable address handed out once, and each request beyond
// that fails EXHAUSTED naming the pool, never with a lost race ("kept changing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKvStore } from '../../../controller/store/file-store';
import { IpamService } from '../../../controller/ipam/service';
import { isControllerError } from '../../../controller/errors';

test('three IPAMs on one /28 at once: 14 distinct addresses, then EXHAUSTED for every other request', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-ipam-'));
  const store = FileKvStore.open(dir);
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const hosts = [new IpamService(store), new IpamService(store), new IpamService(store)];
  const { poolId } = await (hosts[0] as IpamService).requestPool({
    addressSpace: 'GlobalDefault',
    pool: '10.4.0.0/28',
    v6: false,
  });
  const outcomes = await Promise.allSettled(
    Array.from({ length: 30 }, (_, i) => (hosts[i % 3] as IpamService).requestAddress({ poolId })),
  );
  const handed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
  assert.equal(handed.length, 14, '16 addresses less network and broadcast');
  assert.equal(new Set(handed).size, 14, 'no address twice');
  assert.equal(refused.length, 16);
  for (const error of refused) {
    assert.ok(isControllerError(error, 'EXHAUSTED'), error.message);
    assert.match(error.message, /pool 10\.4\.0\.0\/28 has no free address left/);
  }
});
