// How a test gets real daemons: it is skipped (or, under CI, failed) when they are missing;
// they are started, their logs are attached to any failure, and everything started is
// removed afterwards, pass, fail or timeout. withRig gives one test its own rig; sharedRig
// gives the tests of one describe block one rig, started before the first and removed after
// the last, so splitting a scenario into one test per behaviour does not repeat the setup.
import { after, before, type TestContext } from 'node:test';
import { withLogs, type LogSource } from './failure-logs';
import { missingRequirements, requireBinaries } from './require';

/** What a rig's start registers: how to remove what it started, where its logs are. */
export interface RigScope {
  /** Runs after the test (or the describe block), pass or fail; the last deferred runs first. */
  defer(cleanup: () => unknown): void;
  /** A log source shown with any failure from now on. */
  showLogs(source: LogSource): void;
}

export interface RigSpec<R> {
  /** Binaries the rig runs (root is always needed). */
  needs: readonly string[];
  /** Starts the rig, handing each part to scope.defer as soon as it runs. */
  start(scope: RigScope): Promise<R>;
}

class Scope implements RigScope {
  private readonly cleanups: Array<() => unknown> = [];
  readonly sources: LogSource[] = [];

  defer(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }
  showLogs(source: LogSource): void {
    this.sources.push(source);
  }

  /** Runs every cleanup even when one fails, then reports the failures together. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several cleanups failed');
  }
}

/** What a test does with its own rig; what it defers on the scope is undone before the rig. */
export type RigBody<R> = (rig: R, scope: RigScope) => Promise<void>;

/** Runs body against a rig of its own, removed after the test. */
export async function withRig<R>(t: TestContext, spec: RigSpec<R>, body: RigBody<R>): Promise<void> {
  if (!requireBinaries(t, spec.needs)) return;
  const scope = new Scope();
  t.after(() => scope.close());
  await withLogs(scope.sources, async () => body(await spec.start(scope), scope));
}

/** A with* helper's arguments: the body alone, or options first. */
export type WithArgs<O, R> = [body: RigBody<R>] | [options: O, body: RigBody<R>];

export function splitWithArgs<O, R>(args: WithArgs<O, R>): [O | undefined, RigBody<R>] {
  return args.length === 1 ? [undefined, args[0]] : args;
}

export interface SharedRig<R> {
  /** Runs body against the describe block's rig (skipping t if the rig cannot run here). */
  run(t: TestContext, body: (rig: R) => Promise<void> | void): Promise<void>;
}

export interface SharedRigSteps<R> {
  /** Brings the rig to the state the tests observe (in the before hook, after start). */
  prepare?: (rig: R, scope: RigScope) => Promise<void>;
  /** Runs before each test's body, e.g. to clear what the test before left. */
  beforeEach?: (rig: R) => Promise<void>;
}

/** Call inside a describe block: its tests share one rig, removed after the last of them. */
export function sharedRig<R>(spec: RigSpec<R>, steps: SharedRigSteps<R> = {}): SharedRig<R> {
  const scope = new Scope();
  let rig: R | undefined;
  before(async () => {
    if (missingRequirements(spec.needs).length > 0) return; // each test then says why it is skipped
    await withLogs(scope.sources, async () => {
      const started = await spec.start(scope);
      await steps.prepare?.(started, scope);
      rig = started;
    });
  });
  after(() => scope.close());
  return {
    async run(t, body) {
      if (!requireBinaries(t, spec.needs)) return;
      if (rig === undefined) throw new Error('the shared rig did not start (see the before hook)');
      const ready = rig;
      await withLogs(scope.sources, async () => {
        await steps.beforeEach?.(ready);
        await body(ready);
      });
    },
  };
}
