// Enforces the import directions of docs/design.md §2 on every source file of the repository,
// and that nothing in the repository points at files outside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkImport, checkTree, importsOf } from './import-rules';

const repoRoot = join(__dirname, '..', '..', '..', '..');

test('no source file imports across a forbidden direction', () => {
  const { files, imports, violations } = checkTree(repoRoot);
  assert.ok(files > 0 && imports > 0, `scanned ${files} files and ${imports} imports`);
  assert.deepEqual(
    violations.map((v) => `${v.file} -> ${v.target}: ${v.rule}`),
    [],
  );
});

test('the checker recognises every import form and flags each forbidden edge', () => {
  const source = [
    "import { a } from '../flows/x';",
    "import type { B } from './b';",
    "export { c } from '../controller/c';",
    "const d = require('../drivers/d');",
    "const e = await import('../test/e');",
    "// import { ignored } from '../flows/commented';",
  ].join('\n');
  assert.deepEqual(importsOf(source).sort(), ['../controller/c', '../drivers/d', '../flows/x', '../test/e', './b']);

  assert.ok(checkImport('ovsdb/client.ts', '../flows/ofp/match'));
  assert.ok(checkImport('ovsdb/client.ts', '../controller/log'));
  assert.ok(checkImport('flows/pipeline/build.ts', '../../ovsdb/client'));
  assert.ok(checkImport('flows/ofp/match.ts', '../../drivers/cli/main'));
  assert.ok(checkImport('controller/api.ts', '../drivers/docker/server'));
  assert.ok(checkImport('drivers/cli/main.ts', '../../controller/log'));
  assert.ok(checkImport('drivers/cli/main.ts', '../../ovsdb/client'));
  assert.ok(checkImport('controller/x.ts', '../test/harness/ovs'));
  assert.ok(checkImport('vagrant/emulation/up.ts', '../../test/harness/ovs'));
  assert.ok(checkImport('vagrant/emulation/up.ts', '../../controller/ovs/private-ovs'));
  assert.ok(checkImport('vagrant/emulation/up.ts', '../../drivers/cli/main'));
  assert.ok(checkImport('vagrant/emulation/up.ts', '../../flows/pipeline/build'));

  assert.equal(checkImport('drivers/cli/main.ts', '../../controller/api'), undefined);
  assert.equal(checkImport('vagrant/emulation/up.ts', './plan'), undefined);
  assert.equal(checkImport('vagrant/emulation/up.ts', '../../controller/api'), undefined);
  assert.equal(checkImport('flows/pipeline/build.ts', '../ofp/match'), undefined);
  assert.equal(checkImport('controller/api.ts', '../ovsdb/client'), undefined);
  assert.equal(checkImport('ovsdb/client.ts', 'node:net'), undefined);
});
