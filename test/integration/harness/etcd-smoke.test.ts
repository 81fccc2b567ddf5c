import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd } from '../../harness/etcd';
import { ETCD_BINARIES, requireBinaries } from '../../harness/require';

test('a private etcd answers put and get on loopback', async (t) => {
  if (!requireBinaries(t, ETCD_BINARIES)) return;
  const etcd = await Etcd.start();
  t.after(() => etcd.stop());
  assert.match(etcd.clientUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  const value = `v-${Date.now()}`;
  await etcd.ctl('put', '/ovsnet/smoke', value);
  const out = await etcd.ctl('get', '/ovsnet/smoke', '--print-value-only');
  assert.equal(out.trim(), value);
  assert.equal((await etcd.ctl('get', '/ovsnet/absent', '--print-value-only')).trim(), '');
});
