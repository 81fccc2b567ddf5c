// The project's import directions, as data, plus a checker over source text. Kept apart
// from the test so the test can prove the checker catches a violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export const SOURCE_ROOTS = ['ovsdb', 'flows', 'controller', 'drivers', 'vagrant'] as const;
/** The one module through which drivers/ reaches the controller. */
export const CONTROLLER_API = 'controller/api.ts';

export interface Violation {
  file: string;
  target: string;
  rule: string;
}

const IMPORT_PATTERNS = [
  /\bimport\s+(?:type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/g,
  /\bexport\s+(?:type\s+)?[^'";]*?\sfrom\s+['"]([^'"]+)['"]/g,
  /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Module specifiers imported by a source text (comments are stripped first). */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found = new Set<string>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) if (match[1]) found.add(match[1]);
  }
  return [...found];
}

function topOf(path: string): string {
  return path.split('/')[0] ?? '';
}

/** Checks one import of `file` (repo-relative path) against the rules. */
export function checkImport(file: string, specifier: string): Violation | undefined {
  if (!specifier.startsWith('.')) return undefined; // packages and node: builtins
  const target = normalize(join(dirname(file), specifier));
  const from = topOf(file);
  const to = topOf(target);
  const violation = (rule: string): Violation => ({ file, target, rule });
  if (to === 'test' && from !== 'test') return violation('nothing outside test/ imports test/');
  if (from === 'ovsdb' && to !== 'ovsdb') return violation('ovsdb/ imports only ovsdb/');
  if (from === 'flows' && to !== 'flows') return violation('flows/ imports only flows/');
  if (from === 'controller' && to === 'drivers') return violation('controller/ never imports drivers/');
  if (from === 'vagrant' && to !== 'vagrant') {
    // The lab runs ovsnet as its users do, through the CLI and the OVS tools.
    if (to !== 'controller' || target.replace(/\.(js|ts)$/, '') !== CONTROLLER_API.replace(/\.ts$/, ''))
      return violation('vagrant/ imports only vagrant/ (and controller/ only through controller/api.ts)');
  }
  if (from === 'drivers') {
    if (to === 'ovsdb' || to === 'flows')
      return violation('drivers/ reach ovsdb/ and flows/ only through controller/api.ts');
    if (to === 'controller' && target.replace(/\.(js|ts)$/, '') !== CONTROLLER_API.replace(/\.ts$/, '')) {
      return violation('drivers/ import controller/ only through controller/api.ts');
    }
  }
  return undefined;
}

export function listSources(root: string, dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(join(root, dir));
  } catch {
    return out;
  }
  for (const name of names) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...listSources(root, rel));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

export function checkTree(root: string): { files: number; imports: number; violations: Violation[] } {
  const violations: Violation[] = [];
  let files = 0;
  let imports = 0;
  for (const top of SOURCE_ROOTS) {
    for (const file of listSources(root, top)) {
      files++;
      for (const specifier of importsOf(readFileSync(join(root, file), 'utf8'))) {
        imports++;
        const v = checkImport(relative(root, join(root, file)), specifier);
        if (v) violations.push(v);
      }
    }
  }
  return { files, imports, violations };
}
