// `ovsnet up` and `ovsnet daemon` refuse an option they do not know, naming the one that
// was probably meant, before anything starts: a typo must not fall back to a default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { closestOption } from '../../../drivers/cli/known-options';

const cli = join(__dirname, '..', '..', '..', 'drivers', 'cli', 'main.js');

function ovsnet(...args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status, stderr: r.stderr };
}

test('a misspelled option of up/daemon fails with exit 2 and names the closest valid one', () => {
  for (const [command, typo, meant] of [
    ['up', 'stat-dir', 'state-dir'],
    ['daemon', 'datpath', 'datapath'],
    ['daemon', 'plugindir', 'plugin-dir'],
    ['up', 'etcd-pasword', 'etcd-password'],
    ['up', 'pool', 'port-pool'],
  ] as const) {
    const r = ovsnet(command, `--${typo}`, 'x', '--state-dir', '/nonexistent/never-created');
    assert.equal(r.code, 2, `${command} --${typo}`);
    assert.match(r.stderr, new RegExp(`unknown option --${typo} for 'ovsnet ${command}'; did you mean --${meant}\\?`));
  }
  const far = ovsnet('up', '--frobnicate', '1');
  assert.equal(far.code, 2);
  assert.match(far.stderr, /unknown option --frobnicate for 'ovsnet up' \(see 'ovsnet --help'\)/);
  const stray = ovsnet('daemon', 'br-int');
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /'ovsnet daemon' takes no arguments, not "br-int"/);
});

test('closestOption: typos, swaps, fragments; nothing when nothing is near', () => {
  const valid = ['state-dir', 'ovsdb', 'bridge', 'log-level', 'port-pool'];
  assert.equal(closestOption('brdige', valid), 'bridge');
  assert.equal(closestOption('ovsbd', valid), 'ovsdb');
  assert.equal(closestOption('loglevel', valid), 'log-level');
  assert.equal(closestOption('zzz', valid), undefined);
});
