// The multi-host lab (vagrant/emulation) for tests: one lab brought up per test file and
// shared by its checks, in a run directory and with namespace names that carry this test
// process's pid (so the ledger's stale cleanup recognises them), removed by `lab down` on
// success, failure, Ctrl-C and, after a kill -9, by the next test run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, LAB_MAIN } from '../../vagrant/emulation/lab';
import type { Tunnel } from '../../vagrant/emulation/lab';
import { makeNetnsName, makeRunDir, onEmergency, ownerAlive, TEST_ROOT } from './ledger';

export interface TestLabOptions {
  hosts: number;
  docker?: boolean;
  tunnel?: Tunnel;
  /** Receives the lab's progress lines (each step and its duration). */
  log?: (line: string) => void;
}

export interface TestLab {
  lab: Lab;
  /** `lab down`; resolves once everything is removed. */
  down: (log?: (line: string) => void) => Promise<void>;
}

/** `vagrant/lab down --dir DIR`, synchronously (usable from exit handlers). */
export function labDownSync(dir: string): void {
  spawnSync(process.execPath, [LAB_MAIN, 'down', '--dir', dir], { stdio: 'ignore', timeout: 60_000 });
}

export async function startTestLab(options: TestLabOptions): Promise<TestLab> {
  const dir = makeRunDir('lab');
  const unregister = onEmergency(() => labDownSync(dir));
  try {
    const lab = await Lab.up({
      dir,
      hosts: options.hosts,
      docker: options.docker ?? false,
      tunnel: options.tunnel ?? 'vxlan',
      prefix: makeNetnsName('lab'),
      log: options.log ?? (() => undefined),
    });
    return {
      lab,
      down: async (log = options.log ?? (() => undefined)) => {
        await lab.down(log);
        unregister();
      },
    };
  } catch (error) {
    // Lab.up removes what it created when it fails.
    unregister();
    throw error;
  }
}

/** Runs `lab down` on the labs of test runs that no longer exist (killed with -9). */
export function downStaleLabs(log: (line: string) => void = () => undefined): number {
  let entries: string[];
  try {
    entries = readdirSync(TEST_ROOT);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const match = /^(\d+)-lab-/.exec(entry);
    const dir = join(TEST_ROOT, entry);
    if (!match || ownerAlive(Number(match[1])) || !existsSync(join(dir, 'lab.json'))) continue;
    labDownSync(dir);
    log(`removed stale lab ${dir}`);
    removed++;
  }
  return removed;
}
