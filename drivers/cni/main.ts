#!/usr/bin/env node
// `ovsnet-cni`: the CNI plugin executable in Node (installed as `ovsnet` in the runtime's CNI
// plugin directory, or run by the C shim when that cannot reach the daemon). It forwards
// the call — its environment and stdin — to the daemon (cni.exec), which reads the
// configuration and does the work, and writes back the daemon's answer. Only what needs
// no daemon is answered here: VERSION, and the error saying the daemon is not running.
// `ovsnet-cni install [DIR]` puts the plugin into a runtime's plugin directory (install.ts).
import { asCniError, callControl, cniErrorVersion, CniCode, CniError, DEFAULT_CNI_SOCKET } from '../../controller/api';
import { decodeNetConf, versionResult } from '../../controller/api';
import { isControllerError } from '../../controller/api';
import type { CniExecResult } from '../../controller/api';
import { installPlugin } from './install';

/** How long one call may take: a join waits for OVS, which can be slow at scale. */
const CALL_TIMEOUT_MS = 60_000;

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

/** The configuration's "socket" when it names one; the daemon checks the rest. */
function socketOf(conf: Record<string, unknown>): string {
  const socket = conf['socket'];
  return typeof socket === 'string' && socket !== '' ? socket : DEFAULT_CNI_SOCKET;
}

function environment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  return env;
}

function failure(stdin: string, error: CniError): CniExecResult {
  return {
    exitCode: 1,
    stdout: `${JSON.stringify(error.toJSON(cniErrorVersion(stdin)))}\n`,
    stderr: `ovsnet-cni: ${error.message}\n`,
  };
}

async function forward(stdin: string): Promise<CniExecResult> {
  if (process.env['CNI_COMMAND'] === 'VERSION')
    return { exitCode: 0, stdout: `${JSON.stringify(versionResult(stdin))}\n`, stderr: '' };
  let socket: string;
  try {
    socket = socketOf(decodeNetConf(stdin));
  } catch (error) {
    return failure(stdin, asCniError(error));
  }
  try {
    return await callControl(socket, 'cni.exec', { env: environment(), stdin }, CALL_TIMEOUT_MS);
  } catch (error) {
    if (isControllerError(error, 'UNAVAILABLE') && error.message.startsWith('cannot reach'))
      return failure(
        stdin,
        new CniError(
          CniCode.TRY_AGAIN_LATER,
          `the ovsnet daemon is not running (nothing answers on ${socket}); start it with ` +
            '`ovsnet daemon` (or `systemctl start ovsnet`), or point "socket" at its control socket',
          error.message,
        ),
      );
    return failure(stdin, asCniError(error));
  }
}

async function main(): Promise<number> {
  if (process.argv[2] === 'install') return installPlugin(process.argv.slice(3));
  const stdin = await readStdin();
  const result = await forward(stdin);
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.exitCode;
}

void main().then((code) => {
  process.exitCode = code;
});
