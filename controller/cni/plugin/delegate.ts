// Running another CNI plugin (an IPAM plugin such as host-local) as the spec says: found on
// CNI_PATH, given the same configuration on stdin and the same environment with the
// command at hand; its error comes back with its own code.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { CniCode, CniError } from './errors';

type Json = Record<string, unknown>;

export function findPlugin(type: string, path: readonly string[]): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type))
    throw new CniError(CniCode.INVALID_CONFIG, `"ipam.type" "${type}" is not a plugin name`);
  for (const dir of path) {
    const candidate = join(dir, type);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new CniError(
    CniCode.INVALID_CONFIG,
    `"ipam.type": no plugin ${type} on CNI_PATH (${path.join(':') || 'empty'})`,
  );
}

/** Runs the plugin; resolves its result (empty for DEL and CHECK), rejects with its error. */
export function delegate(
  type: string,
  command: 'ADD' | 'DEL' | 'CHECK',
  raw: string,
  env: NodeJS.ProcessEnv,
  path: readonly string[],
): Promise<Json> {
  const plugin = findPlugin(type, path);
  return new Promise((resolve, reject) => {
    const child = spawn(plugin, [], { env: { ...env, CNI_COMMAND: command }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', (error) => reject(new CniError(CniCode.IO_FAILURE, `cannot run ${plugin}: ${error.message}`)));
    child.once('close', (code) => {
      let answer: Json = {};
      try {
        if (stdout.trim() !== '') answer = JSON.parse(stdout) as Json;
      } catch {
        reject(
          new CniError(CniCode.DECODING_FAILURE, `${type} ${command} answered something that is not JSON`, stdout),
        );
        return;
      }
      if (code === 0) {
        resolve(answer);
        return;
      }
      const reported = typeof answer['code'] === 'number' ? answer['code'] : CniCode.INTERNAL;
      const msg = typeof answer['msg'] === 'string' ? answer['msg'] : stderr.trim() || `exit status ${String(code)}`;
      const details = typeof answer['details'] === 'string' ? answer['details'] : '';
      reject(new CniError(reported, `IPAM plugin ${type} ${command} failed: ${msg}`, details));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(raw);
  });
}
