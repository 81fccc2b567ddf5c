// A small helper process that starts commands on behalf of the daemon. Forking a process
// costs in proportion to the parent's memory and blocks its event loop while it happens;
// at thousands of joins that is seconds of a daemon doing nothing else. This process stays
// small, so its forks are cheap, and they happen beside the daemon, not inside it.
// Protocol on stdin/stdout: one JSON object per line each way.
import { execFile } from 'node:child_process';
import { createInterface } from 'node:readline';

interface Request {
  id: number;
  cmd: string;
  args: string[];
  input?: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

function serve(): void {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const request = JSON.parse(line) as Request;
    const child = execFile(
      request.cmd,
      request.args,
      { env: request.env ?? process.env, timeout: request.timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const killed = error?.killed === true;
        const spawnError = error && typeof error.code === 'string' ? error.message : undefined;
        process.stdout.write(`${JSON.stringify({ id: request.id, code, stdout, stderr, killed, spawnError })}\n`);
      },
    );
    if (request.input !== undefined) child.stdin?.end(request.input);
  });
  lines.on('close', () => process.exit(0));
}

if (require.main === module) serve();
