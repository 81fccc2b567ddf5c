// The repository stands on its own (docs/design.md §2): no file points a reader at a
// document or path outside it, such as the workspace the project was started from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const repoRoot = join(__dirname, '..', '..', '..', '..');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.state']);
const OUTSIDE_REFERENCES = [/\.\.\/shared\//, /\bDESIGN\.md\b/, /\bENVIRONMENT\.md\b/, /\/work\/(main|shared)\b/];

function* textFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* textFiles(path);
    else if (entry.isFile() && statSync(path).size < 1_000_000) yield path;
  }
}

function outsideReferences(text: string): string[] {
  return OUTSIDE_REFERENCES.filter((pattern) => pattern.test(text)).map((pattern) => pattern.source);
}

test('no file in the repository refers to files outside it', () => {
  const offenders: string[] = [];
  let scanned = 0;
  for (const path of textFiles(repoRoot)) {
    const text = readFileSync(path, 'utf8');
    if (text.includes('\u0000')) continue;
    scanned += 1;
    const found = outsideReferences(text);
    // This file names the patterns it looks for.
    if (found.length > 0 && !path.endsWith('self-contained.test.ts'))
      offenders.push(`${relative(repoRoot, path)}: ${found.join(', ')}`);
  }
  assert.ok(scanned > 100, `scanned ${scanned} files`);
  assert.deepEqual(offenders, []);
});

test('the check recognises each kind of outside reference', () => {
  assert.deepEqual(outsideReferences('see ../shared/seeds/ch1.md'), ['\\.\\.\\/shared\\/']);
  assert.deepEqual(outsideReferences('(DESIGN.md 2)'), ['\\bDESIGN\\.md\\b']);
  assert.deepEqual(outsideReferences('docs/design.md §2'), []);
});
