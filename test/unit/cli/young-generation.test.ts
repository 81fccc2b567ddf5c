// The daemon's new space stays at its starting size under a load that makes V8 grow it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const moduleUnderTest = join(__dirname, '..', '..', '..', 'drivers', 'cli', 'young-generation.js');

/**
 * New-space size (MiB) at the start and after a churn of objects that survive a few
 * scavenges each, as a daemon's in-flight requests do; `small` calls the daemon's setting first.
 */
function newSpaceAfterChurn(small: boolean): { before: number; after: number } {
  const script = `
    const v8 = require('node:v8');
    const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    ${small ? `require(${JSON.stringify(moduleUnderTest)}).keepYoungGenerationSmall();` : ''}
    const before = size();
    const window = [];
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 20000; i++) window.push({ i, name: 'endpoint-' + i, pair: [i, i] });
      if (window.length > 200000) window.splice(0, 100000);
    }
    process.stdout.write(JSON.stringify({ before, after: size() }));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { before: number; after: number };
}

// V8 may take one step from its start-up size to its initial working size either way; by
// default it then keeps doubling.
test('without the setting, the churn grows the new space many times over (the load is one that grows it)', () => {
  const { before, after } = newSpaceAfterChurn(false);
  assert.ok(after > 4 * before, `new space ${before} MiB -> ${after} MiB`);
});

test('with the daemon setting, the new space stays within one step of its start under the same churn', () => {
  const { before, after } = newSpaceAfterChurn(true);
  assert.ok(after <= 2 * before, `new space ${before} MiB -> ${after} MiB`);
});
