// A small helper process that starts commands on behalf of the daemon. Forking a process
// costs in proportion to the parent's memory and blocks its event loop while it happens;
// at thousands of joins that is seconds of a daemon doing nothing else. This process stays
// small, so its forks are cheap, and they happen beside the daemon, not inside it.
// Protocol on stdin/stdout: one JSON object per line each way.
import { execOnce } from './exec';
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
    void execOnce(request.cmd, request.args, request).then((outcome) =>
      process.stdout.write(`${JSON.stringify({ id: request.id, ...outcome })}\n`),
    );
  });
  lines.on('close', () => process.exit(0));
}

if (require.main === module) serve();
