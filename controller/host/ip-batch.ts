// Runs `ip` commands that arrive close together as one `ip -force -batch` process. At
// thousands of concurrent joins, one process per veth costs a fork and exec each (and the
// kernel then announces the links one by one to ovs-vswitchd, which looks at its interfaces
// again each time); a batch creates them back to back. A command arriving while no batch
// runs goes out at once, alone, so a lone join waits for nothing.
import { run, type ExecResult } from './exec';

interface Queued {
  args: string[];
  resolve: (result: ExecResult) => void;
  reject: (error: Error) => void;
}

export class IpBatcher {
  private queue: Queued[] = [];
  private running = false;

  constructor(private readonly netns?: string) {}

  /** Runs `ip ARGS` (in the batcher's namespace) and reports its own outcome, as run() with allowFailure. */
  run(args: string[]): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ args, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.runBatch(batch);
      } catch (error) {
        for (const q of batch) q.reject(error as Error);
      }
    }
    this.running = false;
  }

  private async runBatch(batch: Queued[]): Promise<void> {
    const ns = this.netns ? ['-n', this.netns] : [];
    if (batch.length === 1) {
      const only = batch[0] as Queued;
      only.resolve(await run('ip', [...ns, ...only.args], { allowFailure: true }));
      return;
    }
    // Arguments are names, numbers and MACs that callers validated; batch lines split on
    // whitespace, so anything else would change the command's meaning.
    for (const q of batch)
      if (q.args.some((a) => a === '' || /\s|"|'|\\|#/.test(a)))
        throw new Error(`ip argument unsafe for a batch line: ${q.args.join(' ')}`);
    const result = await run('ip', [...ns, '-force', '-batch', '-'], {
      input: `${batch.map((q) => q.args.join(' ')).join('\n')}\n`,
      allowFailure: true,
    });
    const failures = failedLines(result.stderr);
    if (result.code !== 0 && failures.size === 0) {
      // Not one line's fault (the namespace is gone, ip itself failed): nothing was done.
      for (const q of batch) q.resolve({ code: result.code, stdout: '', stderr: result.stderr });
      return;
    }
    batch.forEach((q, index) => {
      const stderr = failures.get(index + 1);
      q.resolve(stderr === undefined ? { code: 0, stdout: '', stderr: '' } : { code: 1, stdout: '', stderr });
    });
  }
}

/**
 * `ip -force -batch` reports each failed line as its error message(s) followed by
 * "Command failed -:N"; returns the messages by line number.
 */
export function failedLines(stderr: string): Map<number, string> {
  const out = new Map<number, string>();
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const failed = /^Command failed -:(\d+)\s*$/.exec(line);
    if (failed) {
      out.set(Number(failed[1]), pending.join('\n') || 'failed');
      pending = [];
    } else if (line.trim() !== '') {
      pending.push(line);
    }
  }
  return out;
}
