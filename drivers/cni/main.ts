#!/usr/bin/env node
// `ovsnet-cni`: the CNI plugin executable (installed as `ovsnet` in the runtime's CNI plugin
// directory). Reads CNI_* from the environment and the network configuration from stdin,
// writes the result or a CNI error as JSON on stdout; exit status 0 on success only.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readEnvironment } from './env';
import { asCniError } from './errors';
import { runCommand } from './commands';

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    if (process.stdin.isTTY) {
      resolve('');
      return;
    }
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => (text += chunk));
    process.stdin.once('end', () => resolve(text));
    process.stdin.once('error', reject);
  });
}

/** The version to report an error in: the configuration's, when it can be read at all. */
function errorVersion(stdin: string): string {
  try {
    const version = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof version === 'string' && version !== '' ? version : '1.0.0';
  } catch {
    return '1.0.0';
  }
}

async function main(): Promise<number> {
  let stdin = '';
  try {
    stdin = await readStdin();
    const output = await runCommand(readEnvironment(process.env), stdin, process.env);
    if (output !== undefined) process.stdout.write(`${JSON.stringify(output)}\n`);
    return 0;
  } catch (error) {
    const cniError = asCniError(error);
    process.stdout.write(`${JSON.stringify(cniError.toJSON(errorVersion(stdin)))}\n`);
    process.stderr.write(`ovsnet-cni: ${cniError.message}\n`);
    return 1;
  }
}

/**
 * OVSNET_CNI_TIMINGS=FILE (for `npm run bench:cni`): one JSON line per call with the time
 * the plugin's own work took and the whole process so far, Node's start-up included.
 */
function recordTiming(command: string | undefined, workMs: number): void {
  const file = process.env['OVSNET_CNI_TIMINGS'];
  if (file === undefined || file === '') return;
  appendFileSync(file, `${JSON.stringify({ command, workMs, processMs: performance.now() })}\n`);
}

const started = performance.now();
void main().then((code) => {
  recordTiming(process.env['CNI_COMMAND'], performance.now() - started);
  process.exitCode = code;
});
