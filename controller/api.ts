// The northbound API of the controller: the only module drivers/ (Docker plugin, CLI)
// import. Everything a front end needs is re-exported or defined here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export { createLogger, type Logger, type LoggerOptions } from './log';
export { startEmbeddedOvs, resolveDatapath, SYSTEM_OVSDB, type EmbeddedOvs, type EmbeddedOptions, type DatapathChoice } from './embedded';

/** The package version, read from package.json at run time. */
export function ovsnetVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

export * from './cnm/types';
export { ControllerError, isControllerError, type ControllerErrorCode } from './errors';
export { startDaemon, type Daemon, type DaemonConfig } from './daemon';
export { callControl } from './control/client';
