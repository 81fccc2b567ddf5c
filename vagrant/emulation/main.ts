#!/usr/bin/env node
// `vagrant/lab`: the emulated multi-host lab (see vagrant/README.md).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { labDown } from './down';
import { execInteractive } from './lab';
import { LabUsageError, parseLabArgs, USAGE } from './options';
import { DEFAULT_LAB_DIR } from './plan';
import { readState, writeState } from './state';
import { formatStatus, statusOf } from './status';
import { labUp } from './up';

/**
 * Ctrl-C during `up`: stop creating, then remove what exists. The removal runs as a
 * separate, synchronous `down` so that no step of this `up` can run in between.
 */
function removeOnInterrupt(dir: string): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n[lab] ${signal}: removing what was created\n`);
      const state = readState(dir);
      if (state) {
        // down stops a `lab up` still running: that is this process, which is about to exit anyway.
        delete state.launcher;
        writeState(state);
      }
      spawnSync(process.execPath, [__filename, 'down', '--dir', dir], { stdio: 'inherit' });
      process.exit(130);
    });
  }
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseLabArgs(argv);
  switch (parsed.command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'up': {
      const dir = resolve(parsed.options.dir);
      removeOnInterrupt(dir);
      await labUp({ ...parsed.options, dir, isLauncher: true });
      const dirOption = dir === resolve(process.env['OVSNET_LAB_DIR'] || DEFAULT_LAB_DIR) ? '' : ` --dir ${dir}`;
      process.stdout.write(`[lab] try: vagrant/lab exec${dirOption} h1 -- ovsnet status\n`);
      return 0;
    }
    case 'exec':
      return execInteractive(resolve(parsed.dir), parsed.host, parsed.argv);
    case 'down':
      await labDown(resolve(parsed.dir));
      return 0;
    case 'status': {
      const status = statusOf(resolve(parsed.dir));
      if (!status) {
        process.stderr.write(`no lab in ${resolve(parsed.dir)}\n`);
        return 1;
      }
      process.stdout.write(`${parsed.json ? JSON.stringify(status, null, 2) : formatStatus(status)}\n`);
      return 0;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof LabUsageError) {
      process.stderr.write(`vagrant/lab: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`vagrant/lab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
