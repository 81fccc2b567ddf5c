// `npm run gen`: regenerates ovsdb/schema/vswitch.gen.ts from the installed vswitch schema.
//   node dist/ovsdb/tools/gen-models.js [schema-path] [output-path]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateModels } from '../schema/generate';

export const DEFAULT_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
const repoRoot = join(__dirname, '..', '..', '..');
const schemaPath = process.argv[2] ?? DEFAULT_SCHEMA;
const outputPath = process.argv[3] ?? join(repoRoot, 'ovsdb', 'schema', 'vswitch.gen.ts');
writeFileSync(outputPath, generateModels(readFileSync(schemaPath, 'utf8'), schemaPath));
process.stdout.write(`wrote ${outputPath}\n`);
