import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReconcileLoop } from '../../../controller/reconcile/loop';
import { silentLogger } from '../../../controller/log';
import { FakeClock } from '../../harness/fake-clock';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

test('bursts of kicks coalesce into one follow-up pass; waiters resolve after their pass', async () => {
  const clock = new FakeClock();
  let passes = 0;
  let release: (() => void) | undefined;
  const loop = new ReconcileLoop({
    clock,
    logger: silentLogger,
    periodMs: 1000,
    pass: () => {
      passes++;
      return new Promise<void>((r) => (release = r));
    },
  });
  loop.start();
  await flush();
  assert.equal(passes, 1);
  let synced = false;
  const waiting = loop.waitSynced(5000).then(() => (synced = true));
  for (let i = 0; i < 10; i++) loop.kick();
  release?.();
  await flush();
  assert.equal(synced, false, 'the pass that was running began before the wait');
  assert.equal(passes, 2, 'ten kicks during a pass cause exactly one more');
  release?.();
  await waiting;
  assert.equal(synced, true);
  loop.stop();
});

test('failed passes are retried with backoff and a waiter times out with the cause', async () => {
  const clock = new FakeClock();
  let passes = 0;
  const loop = new ReconcileLoop({
    clock,
    logger: silentLogger,
    periodMs: 1000,
    retryMs: 100,
    pass: async () => {
      passes++;
      throw new Error('ovsdb is down');
    },
  });
  const waiting = loop.waitSynced(1000);
  const outcome = waiting.then(
    () => 'ok',
    (e: Error) => e.message,
  );
  await flush();
  assert.equal(passes, 1);
  await clock.advanceAsync(100, flush);
  assert.equal(passes, 2);
  await clock.advanceAsync(200, flush);
  assert.equal(passes, 3, 'backoff doubles');
  await clock.advanceAsync(1000, flush);
  assert.match(await outcome, /within 1000 ms: last error: ovsdb is down/);
  loop.stop();
});

test('drift repair: a pass runs every period without kicks', async () => {
  const clock = new FakeClock();
  let passes = 0;
  const loop = new ReconcileLoop({ clock, logger: silentLogger, periodMs: 2000, pass: async () => void passes++ });
  loop.start();
  await flush();
  await clock.advanceAsync(6000, flush);
  assert.equal(passes, 4);
  loop.stop();
  await clock.advanceAsync(6000, flush);
  assert.equal(passes, 4, 'stopped loops stay stopped');
});

test('a pass that holds work back does not count as synced and is retried after its delay', async () => {
  const clock = new FakeClock();
  let passes = 0;
  let holding = true;
  const loop = new ReconcileLoop({
    clock,
    logger: silentLogger,
    periodMs: 10_000,
    pass: async () => {
      passes++;
      return holding ? { retryInMs: 300 } : undefined;
    },
  });
  loop.start();
  await flush();
  let synced = false;
  const waiting = loop.waitSynced(5000).then(() => (synced = true));
  await flush();
  assert.equal(passes, 2);
  assert.equal(synced, false, 'a holding pass leaves the waiter waiting');
  clock.advance(299);
  await flush();
  assert.equal(passes, 2, 'no retry before the delay');
  holding = false;
  clock.advance(1);
  await flush();
  assert.equal(passes, 3);
  await waiting;
  assert.equal(synced, true);
  loop.stop();
});

test('a follow-up pass waits as long as the last pass took, so requests are not starved', async () => {
  const clock = new FakeClock();
  let passes = 0;
  let kickDuringPass = true;
  const loop = new ReconcileLoop({
    clock,
    logger: silentLogger,
    periodMs: 10_000,
    pass: async () => {
      passes++;
      clock.advance(40); // this pass costs 40 ms
      if (kickDuringPass) loop.kick();
    },
  });
  loop.start();
  await flush();
  assert.equal(passes, 1);
  kickDuringPass = false;
  clock.advance(39);
  await flush();
  assert.equal(passes, 1, 'no follow-up before the event loop had the 40 ms back');
  clock.advance(1);
  await flush();
  assert.equal(passes, 2);
  loop.stop();
});
