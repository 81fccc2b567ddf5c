#!/usr/bin/env node
// Runs one or more test tiers from the compiled tree with node's built-in runner.
// Usage: node test/run.js unit|integration|e2e|all [extra node --test args]
//
// Unit tests run in parallel, on all cores. Files that start real daemons run one at a
// time, because they share two cores and timing-sensitive probes - except those that spend
// their time mostly waiting, which, run alone, keep the two CPUs mostly idle (a fifth busy
// or less; the 3-host lab a third): the lab waits on leases, outages and probes, the outage
// file holds a daemon down for two minutes, the others wait out probe timeouts and the
// sniffing windows that prove a frame never arrived, or etcd's bounds. Those run one after
// the other in a second lane beside the rest from the start, so at most two files run at
// once and the run is shorter by their length. The second lane's report follows the first's.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const distTest = path.join(root, 'dist/test');
const tiers = { unit: ['unit'], integration: ['integration'], e2e: ['e2e'], all: ['unit', 'integration', 'e2e'] };
/**
 * The second lane, in order (relative to dist/test): files that mostly wait, with their
 * length and how busy they kept the two CPUs when run alone (2026-12-07), longest first.
 */
const WAITING = [
  'integration/lab/lab.test.js', // 144 s, 37%: most of it the etcd outage and lease expiries
  'e2e/controller/docker-daemon-outage.test.js', // 149 s, 8%
  'integration/controller/hostile-frames.test.js', // 70 s, 9%
  'e2e/controller/docker-policy.test.js', // 93 s, 19% (before its pairs were probed at once)
  'integration/store/etcd-store.test.js', // 49 s, 13%
  'integration/controller/cluster.test.js', // 37 s, 11%
  'integration/controller/fragments.test.js', // 36 s, 8%
  'e2e/attach/attach.test.js', // 36 s, 20%
  'integration/overlay/tunnel-pipeline.test.js', // 31 s, 6%
  'integration/controller/stateful-policy.test.js', // 30 s, 15%
];

const which = process.argv[2] ?? 'all';
const extra = process.argv.slice(3);
if (!tiers[which]) {
  console.error(`unknown tier "${which}"; expected one of ${Object.keys(tiers).join(', ')}`);
  process.exit(2);
}

const stale = spawnSync(process.execPath, [path.join(root, 'dist/test/harness/cleanup-cli.js')], { stdio: 'inherit' });
if (stale.status !== 0) console.error('warning: stale test leftovers could not all be cleaned');

/** The tier's test files, relative to dist/test, sorted. */
function filesOf(tier) {
  const dir = path.join(distTest, tier);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(tier, f))
    .sort();
}

/** Runs node --test on the files; resolves with its exit status and, if captured, its output. */
function nodeTest(concurrency, files, capture = false) {
  if (files.length === 0) return Promise.resolve({ status: 0, output: '' });
  const args = ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...extra];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, ...files.map((f) => path.join(distTest, f))], {
      cwd: root,
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    if (capture) {
      child.stdout.on('data', (c) => (output += c));
      child.stderr.on('data', (c) => (output += c));
    }
    child.on('close', (code) => resolve({ status: code ?? 1, output }));
  });
}

async function main() {
  const chosen = tiers[which];
  const daemonFiles = chosen.filter((t) => t !== 'unit').flatMap(filesOf);
  const waiting = WAITING.filter((f) => daemonFiles.includes(f));
  const besides = nodeTest(1, waiting, true);
  const cores = Math.max(2, require('node:os').cpus().length);
  const unit = chosen.includes('unit') ? await nodeTest(cores, filesOf('unit')) : { status: 0 };
  const inTurn = await nodeTest(
    1,
    daemonFiles.filter((f) => !waiting.includes(f)),
  );
  const beside = await besides;
  if (waiting.length > 0) process.stdout.write(`\n# ran beside the others: ${waiting.join(', ')}\n${beside.output}`);
  for (const [name, result] of [
    ['unit', unit],
    ['daemon tiers', inTurn],
    ['beside', beside],
  ])
    if (result.status !== 0) console.error(`# ${name}: failed (exit ${result.status})`);
  return unit.status || inTurn.status || beside.status;
}

main().then((status) => process.exit(status));
