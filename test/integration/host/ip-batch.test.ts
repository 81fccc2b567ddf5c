// Concurrent `ip` commands share one batch process; each caller still gets its own outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Netns } from '../../harness/netns';
import { requireBinaries } from '../../harness/require';
import { IpBatcher } from '../../../controller/host/ip-batch';

test('concurrent veth creations each succeed or fail on their own', async (t) => {
  if (!requireBinaries(t, ['ip'])) return;
  const ns = await Netns.create('b');
  t.after(() => ns.destroy());
  const batcher = new IpBatcher(ns.name);
  const names = Array.from({ length: 12 }, (_, i) => `bt${i}`);
  // bt3 is asked for twice: exactly one of the two must fail, with the kernel's reason.
  const requests = [...names, 'bt3'].map((n) =>
    batcher.run(['link', 'add', n, 'type', 'veth', 'peer', 'name', `${n}p`]),
  );
  const results = await Promise.all(requests);
  assert.equal(results.filter((r) => r.code !== 0).length, 1, 'only the duplicate fails');
  assert.match(results.find((r) => r.code !== 0)?.stderr ?? '', /File exists/);
  const links = await ns.ip('-o', 'link', 'show');
  for (const n of names) assert.match(links, new RegExp(`: ${n}@`), `${n} exists`);
  const gone = new IpBatcher('ovsnet-test-no-such-netns');
  const refused = await Promise.all([
    gone.run(['link', 'show']),
    gone.run(['link', 'show']),
    gone.run(['link', 'show']),
  ]);
  assert.ok(
    refused.every((r) => r.code !== 0),
    'a batch that could not run at all fails every caller',
  );
});
