// Follows the engine's `rename` events, so the container learner (docker-containers.ts)
// learns a renamed container's new name at once: a rename changes neither the container's
// endpoints nor its id, so nothing in the store would otherwise say it happened. While
// the stream is down renames may be missed: each (re)connection asks for everything to
// be looked at again. Never called from a Docker plugin handler (docs/design.md §9).
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { followEvents, type EventStream } from './docker-engine';

export interface DockerRenamesOptions {
  socketPath: string;
  clock: Clock;
  logger: Logger;
  /** A container was renamed (its id), or renames may have been missed (undefined). */
  onRename: (containerId: string | undefined) => void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

export class DockerRenames {
  private stream: EventStream | undefined;
  private timer: unknown;
  private failures = 0;
  private stopped = false;
  /** The stream was open: its end is worth an info line (a refused connection is not, Docker may be absent). */
  private open = false;

  constructor(private readonly options: DockerRenamesOptions) {}

  start(): void {
    if (this.stopped) return;
    const { socketPath, clock, logger, onRename } = this.options;
    this.stream = followEvents(
      socketPath,
      { type: ['container'], event: ['rename'] },
      {
        onOpen: () => {
          this.failures = 0;
          this.open = true;
          logger.info({ socket: socketPath }, "docker renames: following the engine's rename events");
          onRename(undefined);
        },
        onEvent: (event) => {
          const id = (event as { Actor?: { ID?: unknown } } | undefined)?.Actor?.ID;
          onRename(typeof id === 'string' && id !== '' ? id : undefined);
        },
        onEnd: (error) => {
          if (this.stopped) return;
          const delay = Math.min(FIRST_RETRY_MS * 2 ** this.failures, MAX_RETRY_MS);
          this.failures++;
          const level = this.open ? 'info' : 'debug';
          this.open = false;
          logger[level]({ err: error, retryInMs: delay }, 'docker renames: no event stream; following it again later');
          this.timer = clock.setTimeout(() => {
            this.timer = undefined;
            this.start();
          }, delay);
        },
      },
    );
  }

  stop(): void {
    this.stopped = true;
    this.stream?.close();
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
