#!/usr/bin/env node
// Runs one or more test tiers from the compiled tree with node's built-in runner.
// Usage: node test/run.js unit|integration|e2e|all [extra node --test args]
// Unit tests run in parallel; tiers that start real daemons run one file at a time
// because they share two cores and timing-sensitive probes.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const tiers = { unit: ['unit'], integration: ['integration'], e2e: ['e2e'], all: ['unit', 'integration', 'e2e'] };
const which = process.argv[2] ?? 'all';
const extra = process.argv.slice(3);
if (!tiers[which]) {
  console.error(`unknown tier "${which}"; expected one of ${Object.keys(tiers).join(', ')}`);
  process.exit(2);
}

const stale = spawnSync(process.execPath, [path.join(root, 'dist/test/harness/cleanup-cli.js')], { stdio: 'inherit' });
if (stale.status !== 0) console.error('warning: stale test leftovers could not all be cleaned');

const dirs = tiers[which].map((t) => path.join(root, 'dist/test', t)).filter((d) => fs.existsSync(d));
const concurrency = which === 'unit' ? String(Math.max(2, require('node:os').cpus().length)) : '1';
const res = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...extra, ...dirs],
  { stdio: 'inherit', cwd: root },
);
process.exit(res.status ?? 1);
