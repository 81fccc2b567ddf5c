// cni.exec: a whole plugin call run in the daemon. The plugin executable forwards its
// environment and stdin and writes back what this answers, so the executable can be a few
// lines of any language that starts fast (drivers/cni/shim.c) and a Node start-up is not
// paid twice per container.
import { appendFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { invalid } from '../../errors';
import type { Untrusted } from '../../control/contract';
import type { CniExecRequest, CniExecResult } from '../types';
import { runCommand, type CniOperations } from './commands';
import { readEnvironment } from './env';
import { asCniError } from './errors';

/** The version to report an error in: the configuration's, when it can be read at all. */
export function errorVersion(stdin: string): string {
  try {
    const version = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof version === 'string' && version !== '' ? version : '1.0.0';
  } catch {
    return '1.0.0';
  }
}

export function checkExec(p: Untrusted<CniExecRequest>): CniExecRequest {
  if (typeof p.stdin !== 'string') throw invalid('stdin must be a string');
  const env = p.env;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw invalid('env must be an object');
  for (const [name, value] of Object.entries(env))
    if (typeof value !== 'string') throw invalid(`env.${name} must be a string`);
  return { env: env as Record<string, string>, stdin: p.stdin };
}

/** Runs the call; every failure becomes the CNI error the plugin prints. */
export async function execCni(ops: CniOperations, request: CniExecRequest): Promise<CniExecResult> {
  const started = performance.now();
  let result: CniExecResult;
  try {
    const output = await runCommand(ops, readEnvironment(request.env), request.stdin, request.env);
    result = { exitCode: 0, stdout: output === undefined ? '' : `${JSON.stringify(output)}\n`, stderr: '' };
  } catch (error) {
    const cniError = asCniError(error);
    result = {
      exitCode: 1,
      stdout: `${JSON.stringify(cniError.toJSON(errorVersion(request.stdin)))}\n`,
      stderr: `ovsnet-cni: ${cniError.message}\n`,
    };
  }
  await recordTiming(request.env, performance.now() - started);
  return result;
}

/**
 * OVSNET_CNI_TIMINGS=FILE in the plugin's environment (`npm run bench:cni` sets it in the
 * runtime's): one JSON line per call with the time the daemon's work took.
 */
async function recordTiming(env: Record<string, string>, workMs: number): Promise<void> {
  const file = env['OVSNET_CNI_TIMINGS'];
  if (file === undefined || file === '') return;
  await appendFile(file, `${JSON.stringify({ command: env['CNI_COMMAND'], workMs })}\n`).catch(() => undefined);
}
