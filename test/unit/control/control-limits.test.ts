// The control socket against hostile or careless clients: too many requests at once, a
// client that never reads its replies, one that stays silent, one that sends an endless
// line, and a file that is not a socket where the socket goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlServer } from '../../../controller/control/server';
import type { Handlers } from '../../../controller/control/contract';
import { isControllerError } from '../../../controller/errors';
import { silentLogger } from '../../../controller/log';
import type { ConnectionLimits } from '../../../controller/control/connection';
import { MAX_LINE_BYTES } from '../../../controller/control/protocol';

type TestMethods = {
  slow: { params: unknown; result: unknown };
  big: { params: unknown; result: unknown };
};

interface Served {
  path: string;
  running: () => number;
  peak: () => number;
  release: () => void;
  bigCalls: () => number;
  /** A client connection, destroyed before the server is closed. */
  open: () => Promise<Socket>;
}

async function serve(t: { after(fn: () => unknown): void }, limits: ConnectionLimits): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-ctl-'));
  const path = join(dir, 'ovsnet.ctl');
  let running = 0;
  let peak = 0;
  let bigCalls = 0;
  let gate: () => void = () => undefined;
  let opened = new Promise<void>((resolve) => (gate = resolve));
  const handlers: Handlers<TestMethods> = {
    slow: async (p) => {
      running++;
      peak = Math.max(peak, running);
      await opened;
      running--;
      return p;
    },
    big: () => {
      bigCalls++;
      return Promise.resolve('x'.repeat(1 << 18));
    },
  };
  const server = await startControlServer(path, handlers, silentLogger, limits);
  const clients: Socket[] = [];
  t.after(async () => {
    gate();
    for (const c of clients) c.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    path,
    running: () => running,
    peak: () => peak,
    release: () => {
      gate();
      opened = new Promise<void>((resolve) => (gate = resolve));
    },
    bigCalls: () => bigCalls,
    open: () =>
      new Promise((resolve, reject) => {
        const socket = connect(path, () => resolve(socket));
        clients.push(socket);
        socket.once('error', reject);
      }),
  };
}

const line = (id: number, method: string, params: unknown = {}): string =>
  `${JSON.stringify({ id, method, params })}\n`;
const settle = (ms = 100): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('one connection runs at most maxInFlight requests at once; the rest wait and are all answered', async (t) => {
  const s = await serve(t, { maxInFlight: 4 });
  const socket = await s.open();
  let answers = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => (answers += c));
  socket.write(Array.from({ length: 50 }, (_, i) => line(i + 1, 'slow', i)).join(''));
  await settle();
  assert.equal(s.running(), 4, 'four run, the others wait');
  for (let i = 0; i < 20 && answers.split('\n').length <= 50; i++) {
    s.release();
    await settle(20);
  }
  const ids = answers
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: number }).id)
    .sort((a, b) => a - b);
  assert.deepEqual(
    ids,
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.equal(s.peak(), 4);
});

test('a client that does not read its replies stops being read: the daemon does not pile them up', async (t) => {
  const s = await serve(t, { maxInFlight: 4 });
  const socket = await s.open();
  socket.pause(); // never reads
  // 100 requests for 256 KiB each; a server without backpressure would answer them all.
  socket.write(Array.from({ length: 100 }, (_, i) => line(i + 1, 'big')).join(''));
  await settle(500);
  assert.ok(s.bigCalls() < 20, `only what fits in the socket buffers was answered (${s.bigCalls()} calls)`);
  let bytes = 0;
  socket.on('data', (c: Buffer) => (bytes += c.length));
  socket.resume();
  for (let i = 0; i < 600 && s.bigCalls() < 100; i++) await settle(50);
  assert.equal(s.bigCalls(), 100, 'reading on, the client gets every answer');
});

test('a silent connection with nothing running is closed after the idle timeout; a running request keeps it', async (t) => {
  const s = await serve(t, { idleTimeoutMs: 200 });
  const idle = await s.open();
  const closed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
  const started = Date.now();
  await closed;
  assert.ok(Date.now() - started < 2000, 'closed by the server');

  const busy = await s.open();
  let answer = '';
  busy.setEncoding('utf8');
  busy.on('data', (c: string) => (answer += c));
  busy.write(line(1, 'slow', 'kept'));
  await settle(600);
  assert.equal(busy.destroyed, false, 'a request still running keeps its connection');
  s.release();
  await settle(100);
  assert.match(answer, /"result":"kept"/);
});

test('a request line over 4 MiB is refused and the connection closed', async (t) => {
  const s = await serve(t, {});
  const socket = await s.open();
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => (answer += c));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  const chunk = 'a'.repeat(1 << 20);
  for (let i = 0; i <= MAX_LINE_BYTES / chunk.length && !socket.destroyed; i++) socket.write(chunk);
  await closed;
  assert.match(answer, /BAD_REQUEST.*longer than 4194304 bytes/);
  // The daemon goes on serving others.
  const other = await s.open();
  other.setEncoding('utf8');
  const reply = new Promise<string>((resolve) => other.once('data', (c: string) => resolve(c)));
  other.write(line(2, 'big'));
  assert.match(await reply, /"id":2/);
});

test('a file that is not a socket at the path is refused, named, and left as it is', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-ctl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ovsnet.ctl');
  writeFileSync(path, 'someone else’s data');
  await assert.rejects(
    startControlServer<TestMethods>(
      path,
      { slow: (p) => Promise.resolve(p), big: () => Promise.resolve(null) },
      silentLogger,
    ),
    (e: unknown) =>
      isControllerError(e, 'CONFLICT') &&
      e instanceof Error &&
      e.message.includes(`${path} exists and is not a socket`),
  );
  assert.equal(readFileSync(path, 'utf8'), 'someone else’s data');
});
