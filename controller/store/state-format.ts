// The format of a state directory's embedded store, recorded beside it in `format`, so an
// ovsnet never reads state it does not understand: an older format is migrated at start
// (then the new number is written), a newer one is refused before anything is opened or
// changed. The policy is in docs/design.md ("State format").
//
//   1  before the format was recorded: gateway port numbers inside network records
//   2  gateway port numbers under gw/<network> (gateway-ports.ts migrates 1 to 2)
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ControllerError } from '../errors';

export const STATE_FORMAT = 2;

const FILE = 'format';

/**
 * The format of the store in `storeDir` (STATE_FORMAT for a new one, 1 for one written
 * before formats were recorded) and whether it is recorded. Throws, touching nothing, when
 * the format is newer than this ovsnet reads or the file is unreadable.
 */
export function checkStateFormat(storeDir: string): { format: number; recorded: boolean } {
  const path = join(storeDir, FILE);
  if (!existsSync(path)) {
    const used = existsSync(storeDir) && readdirSync(storeDir).length > 0;
    return { format: used ? 1 : STATE_FORMAT, recorded: false };
  }
  const text = readFileSync(path, 'utf8');
  let format: unknown;
  try {
    format = (JSON.parse(text) as { format?: unknown }).format;
  } catch {
    format = undefined;
  }
  if (typeof format !== 'number' || !Number.isSafeInteger(format) || format < 1)
    throw new ControllerError('INVALID_ARGUMENT', `${path} does not name a state format: ${text.slice(0, 100)}`);
  if (format > STATE_FORMAT)
    throw new ControllerError(
      'CONFLICT',
      `the state in ${storeDir} has format ${format}, written by a newer ovsnet; this one reads formats up to ${STATE_FORMAT}. Nothing was changed: run the newer ovsnet, or move the state directory away to start afresh`,
    );
  return { format, recorded: true };
}

/** Records STATE_FORMAT for the store in `storeDir`, durably and in one step (rename). */
export function recordStateFormat(storeDir: string): void {
  const path = join(storeDir, FILE);
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ format: STATE_FORMAT })}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dir = openSync(storeDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
