// How long a store call may take, inside and outside a request (store/request-scope.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asRequest, LAST_CALL_MS, storeDeadline } from '../../../controller/store/request-scope';

const BOUND = 2_000;

test('outside any request, each call has the whole bound from when it starts', () => {
  assert.equal(storeDeadline(BOUND, 1_000), 1_000 + BOUND);
});

test('inside a request, every call ends by the request start plus the bound', async () => {
  const started = Date.now();
  await asRequest(async () => {
    const first = storeDeadline(BOUND, started + 100);
    const second = storeDeadline(BOUND, started + 1_200);
    assert.ok(Math.abs(first - (started + BOUND)) <= 50, `first call: ${first - started} ms after the start`);
    assert.equal(second, first, 'a later call shares the same end');
  });
});

test('a call coming after the request spent its bound elsewhere still gets LAST_CALL_MS', async () => {
  await asRequest(async () => {
    const late = Date.now() + 5 * BOUND;
    assert.equal(storeDeadline(BOUND, late), late + LAST_CALL_MS);
  });
});

test('work a request set off, running after the request answered, has its own bound again', async () => {
  let setOff: Promise<number> = Promise.resolve(0);
  await asRequest(async () => {
    setOff = new Promise((resolve) => setTimeout(resolve, 20)).then(() => {
      const late = Date.now() + 5 * BOUND;
      return storeDeadline(BOUND, late) - late;
    });
  });
  assert.equal(await setOff, BOUND);
});

test('work a request set off, running while the request still runs, shares its deadline', async () => {
  await asRequest(async () => {
    const shared = await new Promise<number>((resolve) =>
      setTimeout(() => resolve(storeDeadline(BOUND, Date.now() + 5 * BOUND) - Date.now()), 10),
    );
    assert.ok(shared <= 5 * BOUND + LAST_CALL_MS + 50);
    assert.ok(shared < 5 * BOUND + BOUND, 'not a fresh bound');
  });
});

test('a request whose caller began earlier ends by that beginning plus the bound', async () => {
  const began = Date.now() - 1_500;
  await asRequest(async () => {
    const left = storeDeadline(BOUND) - Date.now();
    assert.ok(left <= BOUND - 1_500 && left > BOUND - 1_600, `${left} ms left`);
  }, began);
});
