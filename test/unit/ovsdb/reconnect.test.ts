// The reconnect state machine, driven by hand-advanced time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReconnectMachine } from '../../../ovsdb/session/reconnect';
import { ovsdbReconnectOptions } from '../../../ovsdb/session/reconnect-policy';

const noJitter = { random: () => 0.5 };

test('start connects at once; a handshake makes it ready', () => {
  const m = new ReconnectMachine(noJitter);
  assert.equal(m.state, 'stopped');
  assert.deepEqual(m.poll(0), { kind: 'none' }, 'nothing before start');
  m.start(0);
  assert.equal(m.nextWakeup(0), 0);
  assert.deepEqual(m.poll(0), { kind: 'connect' });
  assert.equal(m.state, 'connecting');
  m.connected(5);
  assert.equal(m.state, 'handshaking');
  m.ready(8);
  assert.equal(m.state, 'ready');
  assert.equal(m.nextWakeup(8), undefined, 'a ready session needs no timer');
  assert.deepEqual(m.stats, { attempts: 1, sessions: 1, lastError: undefined });
});

test('failures back off exponentially up to the maximum', () => {
  const m = new ReconnectMachine({ ...noJitter, minBackoffMs: 100, maxBackoffMs: 1000 });
  m.start(0);
  let now = 0;
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    assert.deepEqual(m.poll(now), { kind: 'connect' }, `attempt ${i}`);
    m.disconnected(now, 'refused');
    const wait = m.nextWakeup(now) as number;
    delays.push(wait);
    assert.deepEqual(m.poll(now + wait - 1), { kind: 'none' }, 'not before the delay');
    now += wait;
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  assert.equal(m.stats.lastError, 'refused');
});

test('jitter spreads the delay by +-20%', () => {
  const low = new ReconnectMachine({ random: () => 0, minBackoffMs: 1000 });
  const high = new ReconnectMachine({ random: () => 0.999, minBackoffMs: 1000 });
  for (const m of [low, high]) {
    m.start(0);
    m.poll(0);
    m.disconnected(0, 'x');
  }
  assert.equal(low.nextWakeup(0), 800);
  assert.equal(high.nextWakeup(0), 1200);
});

test("the jitter fraction is the owner's: none at all, or wider than the default", () => {
  const delays = (jitter: number): number[] =>
    [0, 1].map((r) => {
      const m = new ReconnectMachine({ jitter, random: () => r, minBackoffMs: 1000 });
      m.start(0);
      m.poll(0);
      m.disconnected(0, 'x');
      return m.nextWakeup(0) as number;
    });
  assert.deepEqual(delays(0), [1000, 1000]);
  assert.deepEqual(delays(0.5), [500, 1500]);
});

test('a stalled connection or handshake is abandoned after the connect timeout', () => {
  const m = new ReconnectMachine({ ...noJitter, connectTimeoutMs: 3000, handshakeName: 'OpenFlow handshake' });
  m.start(0);
  m.poll(0);
  assert.equal(m.nextWakeup(1000), 2000);
  assert.deepEqual(m.poll(2999), { kind: 'none' });
  assert.deepEqual(m.poll(3000), { kind: 'abandon', reason: 'no connection within 3000 ms' });
  m.disconnected(3000, 'timeout');
  m.poll(3000 + (m.nextWakeup(3000) as number));
  m.connected(4000);
  assert.deepEqual(m.poll(7000), { kind: 'abandon', reason: 'no OpenFlow handshake within 3000 ms' });
});

test('a stable session resets the backoff; a short-lived one keeps growing it', () => {
  const m = new ReconnectMachine({ ...noJitter, minBackoffMs: 100, maxBackoffMs: 10_000, stableAfterMs: 5000 });
  m.start(0);
  let now = 0;
  const cycle = (upFor: number): number => {
    m.poll(now);
    m.connected(now);
    m.ready(now);
    now += upFor;
    m.disconnected(now, 'closed');
    const wait = m.nextWakeup(now) as number;
    now += wait;
    return wait;
  };
  assert.deepEqual([cycle(10), cycle(10), cycle(10)], [100, 200, 400], 'flapping sessions back off');
  assert.equal(cycle(6000), 100, 'after a stable session the next retry is quick');
  assert.equal(m.stats.sessions, 4);
});

test('stop ends everything; events after stop change nothing', () => {
  const m = new ReconnectMachine(noJitter);
  m.start(0);
  m.poll(0);
  m.stop(1);
  m.disconnected(2, 'late close');
  assert.equal(m.state, 'stopped');
  assert.deepEqual(m.poll(100_000), { kind: 'none' });
  assert.equal(m.nextWakeup(100_000), undefined);
});

/** Delays before each retry of a peer that refuses every attempt. */
function retryDelays(m: ReconnectMachine, count: number): number[] {
  m.start(0);
  let now = 0;
  const delays: number[] = [];
  for (let i = 0; i < count; i++) {
    m.poll(now);
    m.disconnected(now, 'refused');
    const wait = m.nextWakeup(now) as number;
    delays.push(wait);
    now += wait;
  }
  return delays;
}

test('OVSDB sessions back off from 1 s doubling to 8 s, with bounded jitter', () => {
  const mid = (): number => 0.5;
  assert.deepEqual(
    retryDelays(new ReconnectMachine(ovsdbReconnectOptions({}, 60_000, mid)), 6),
    [1000, 2000, 4000, 8000, 8000, 8000],
  );
  assert.deepEqual(retryDelays(new ReconnectMachine(ovsdbReconnectOptions({}, 60_000, () => 0)), 1), [800]);
  assert.deepEqual(retryDelays(new ReconnectMachine(ovsdbReconnectOptions({}, 60_000, () => 1)), 1), [1200]);
});

test("the OVSDB client's backoff option maps onto the machine", () => {
  const m = new ReconnectMachine(ovsdbReconnectOptions({ minMs: 50, maxMs: 400, jitter: 0 }, 3000));
  assert.deepEqual(retryDelays(m, 5), [50, 100, 200, 400, 400]);
  const stalled = new ReconnectMachine(ovsdbReconnectOptions({}, 3000));
  stalled.start(0);
  stalled.poll(0);
  assert.deepEqual(stalled.poll(3000), { kind: 'abandon', reason: 'no connection within 3000 ms' });
});
