// Holds a flow to its table's declaration (tables.ts, priorities.ts), the way Faucet
// verifies its flowmods before sending them: a priority that is one of the table's bands,
// matches and writes only on the fields the table declares (a register bit by bit, so a
// feature cannot reach into a neighbouring field of the same register), goto only to a
// next table, resubmit (or recirculation through the connection tracker) only to a declared
// detour, and a cookie ovsnet can read back.
// toFlowMod runs it on every flow, so a broken declaration fails the first test that
// builds the flow, not a switch in the field.
import type { MatchField } from '../ofp/match';
import { isOvsnetCookie } from './cookies';
import { bandsOf } from './priorities';
import type { FlowSpec } from './spec';
import { TABLES, tableName, type FieldRef, type TableName } from './tables';

/** Per register, the bits declared fields cover; and the OXM field names. */
interface Allowed {
  registers: Map<string, number>;
  fields: Set<string>;
}

interface Declaration {
  bands: ReadonlySet<number>;
  matches: Allowed;
  sets: Allowed;
  next: ReadonlySet<TableName>;
  resubmits: ReadonlySet<TableName>;
  recirculates: ReadonlySet<TableName>;
}

function allowed(refs: readonly FieldRef[]): Allowed {
  const out: Allowed = { registers: new Map(), fields: new Set() };
  for (const ref of refs) {
    if (typeof ref === 'string') {
      out.fields.add(ref);
      continue;
    }
    const bits = ref.bits === 32 ? 0xffffffff : ((2 ** ref.bits - 1) * 2 ** ref.ofs) >>> 0;
    out.registers.set(ref.register, ((out.registers.get(ref.register) ?? 0) | bits) >>> 0);
  }
  return out;
}

const DECLARATIONS = new Map<TableName, Declaration>(
  [...TABLES.values()].map((t) => [
    t.name,
    {
      bands: bandsOf(t.name),
      matches: allowed(t.matches),
      sets: allowed(t.sets),
      next: new Set(t.next),
      resubmits: new Set(t.resubmits),
      recirculates: new Set(t.recirculates ?? []),
    },
  ]),
);

/** Whether `field` (with these register bits, for a register) is declared in `allowed`. */
function covers(allowed: Allowed, field: string, bits: number): boolean {
  if (allowed.fields.has(field)) return true;
  const declared = allowed.registers.get(field);
  return declared !== undefined && (bits & ~declared) === 0;
}

function maskBits(m: MatchField): number {
  return m.mask === undefined ? 0xffffffff : Number(m.mask) >>> 0;
}

function sliceBits(ofs: number, nBits: number): number {
  return nBits >= 32 ? 0xffffffff : ((2 ** nBits - 1) * 2 ** ofs) >>> 0;
}

/** What is wrong with a flow against its table's declaration; empty when nothing is. */
export function flowProblems(spec: FlowSpec): string[] {
  const declared = DECLARATIONS.get(spec.table);
  if (!declared) return [`table ${spec.table} is not declared`];
  const problems: string[] = [];
  if (!declared.bands.has(spec.priority)) problems.push(`priority ${spec.priority} is not a band of ${spec.table}`);
  if (!isOvsnetCookie(spec.cookie)) problems.push(`cookie 0x${spec.cookie.toString(16)} is not an ovsnet cookie`);
  if (spec.goto !== undefined && !declared.next.has(spec.goto))
    problems.push(`table ${spec.table} may not go to ${spec.goto}`);
  for (const m of spec.match)
    if (!covers(declared.matches, m.field, maskBits(m))) problems.push(`${spec.table} does not match on ${m.field}`);
  const cannotWrite = (field: string): number => problems.push(`${spec.table} does not write ${field}`);
  for (const action of spec.actions) {
    switch (action.type) {
      case 'load':
      case 'reg_load':
        if (!covers(declared.sets, action.field, sliceBits(action.ofs ?? 0, action.nBits ?? 32)))
          cannotWrite(action.field);
        break;
      case 'set_field':
        if (!declared.sets.fields.has(action.field)) cannotWrite(action.field);
        break;
      case 'move':
        if (!covers(declared.sets, action.dst, sliceBits(action.dstOfs, action.nBits))) cannotWrite(action.dst);
        break;
      case 'resubmit': {
        const target = tableName(action.table);
        if (target === undefined || !declared.resubmits.has(target))
          problems.push(`${spec.table} may not resubmit to table ${action.table}`);
        break;
      }
      case 'ct': {
        // Committing writes no field; sending the packet back into a table is a detour like resubmit.
        if (action.table === undefined) break;
        const target = tableName(action.table);
        if (target === undefined || !declared.recirculates.has(target))
          problems.push(`${spec.table} may not send packets through the connection tracker to table ${action.table}`);
        break;
      }
      // These write no field and leave the pipeline's order alone.
      case 'output':
      case 'group':
      case 'push_vlan':
      case 'pop_vlan':
      case 'dec_ttl':
      case 'conjunction':
      case 'ct_clear':
      case 'note':
      case 'controller':
        break;
    }
  }
  return problems;
}

/** Throws when the flow breaks its table's declaration. */
export function checkFlow(spec: FlowSpec): void {
  const problems = flowProblems(spec);
  if (problems.length > 0) throw new Error(`${spec.reason}: ${problems.join('; ')}`);
}
