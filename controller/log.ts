// One place that decides how ovsnet logs: structured JSON lines (pino) for machines,
// pretty lines only when a person is watching a terminal or asks for it.
import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** 'json' always, 'pretty' always, 'auto' = pretty only when stderr is a TTY. */
  format?: 'json' | 'pretty' | 'auto';
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? (process.env['OVSNET_LOG_LEVEL'] as LevelWithSilent | undefined) ?? 'info';
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  const base = { name: options.name ?? 'ovsnet', level };
  if (pretty) {
    return pino(base, pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: true } }));
  }
  return pino(base, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything: the default for library code and unit tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
