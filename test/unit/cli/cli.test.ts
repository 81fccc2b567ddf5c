import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../../../drivers/cli/args';

const repo = join(__dirname, '..', '..', '..', '..');
const cli = join(repo, 'dist', 'drivers', 'cli', 'main.js');

function ovsnet(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('ovsnet --version prints the package version', () => {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
  const r = ovsnet('--version');
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), `ovsnet ${pkg.version}`);
});

test('ovsnet --help lists the up command and its options', () => {
  const r = ovsnet('--help');
  assert.equal(r.code, 0);
  for (const word of ['ovsnet up', '--state-dir', '--ovsdb', '--bridge', '--datapath'])
    assert.ok(r.stdout.includes(word), word);
});

test('bad usage exits 2 with a specific message', () => {
  assert.match(ovsnet('frobnicate').stderr, /unknown command "frobnicate"/);
  assert.equal(ovsnet('frobnicate').code, 2);
  const bad = ovsnet('up', '--datapath', 'kernel');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--datapath must be auto, system or netdev, not "kernel"/);
  assert.equal(ovsnet().code, 2, 'no command prints help and fails');
});

test('argument parser: options with and without =, flags, positionals, errors', () => {
  const p = parseArgs(['attach', '--db=unix:/x', '--bridge', 'br0', 'a', 'b', '--json']);
  assert.equal(p.command, 'attach');
  assert.deepEqual(p.positionals, ['a', 'b']);
  assert.equal(p.options.get('db'), 'unix:/x');
  assert.equal(p.options.get('bridge'), 'br0');
  assert.ok(p.flags.has('json'));
  assert.throws(() => parseArgs(['up', '--bridge']), UsageError);
  assert.throws(() => parseArgs(['up', '--json=1']), /takes no value/);
});
