// How a test gets real daemons: it is skipped (or, under CI, failed) when they are missing;
// they are started, their logs are attached to any failure, and everything started is
// removed afterwards, pass, fail or timeout. withRig gives one test its own rig; sharedRig
// gives the tests of one describe block one rig, started before the first and removed after
// the last, so splitting a scenario into one test per behaviour does not repeat the setup.
// rigFamily makes both from a rig's spec (withOvs/sharedOvs, withDockerHost/..., ...).
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

/** A with* helper's arguments: the body alone, or options first. */
export type WithArgs<O, R> = [body: RigBody<R>] | [options: O, body: RigBody<R>];

/** The two ways to give tests one kind of rig, made from its spec. */
export interface RigFamily<O, R> {
  /** For one test: single(t, [options], async (rig, scope) => ...). */
  single: (t: TestContext, ...args: WithArgs<O, R>) => Promise<void>;
  /** For the tests of the enclosing describe block: shared([options and steps]).run(t, body). */
  shared: (options?: O & SharedRigSteps<R>) => SharedRig<R>;
}

export function rigFamily<O extends object, R>(specFor: (options: O) => RigSpec<R>): RigFamily<O, R> {
  return {
    single: (t, ...args) => {
      const [options, body] = args.length === 1 ? [{} as O, args[0]] : args;
      return withRig(t, specFor(options), body);
    },
    shared: (options = {} as O & SharedRigSteps<R>) => sharedRig(specFor(options), options),
  };
}
