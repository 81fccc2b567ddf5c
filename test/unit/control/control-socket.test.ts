import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlServer } from '../../../controller/control/server';
import { callControl, requestControl } from '../../../controller/control/client';
import type { Handlers } from '../../../controller/control/contract';
import { ControllerError, isControllerError } from '../../../controller/errors';
import { silentLogger } from '../../../controller/log';
import { storeDeadline } from '../../../controller/store/request-scope';

function rawExchange(path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path, () => socket.write(text));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => {
      out += c;
      if (out.endsWith('\n')) {
        socket.end();
        resolve(out);
      }
    });
    socket.on('error', reject);
  });
}

/** Methods of the test's own: the server serves any method map. */
type TestMethods = {
  echo: { params: unknown; result: unknown };
  missing: { params: Record<string, never>; result: void };
  broken: { params: Record<string, never>; result: void };
};

test('control socket: calls, errors with stable codes, malformed input, 0600, stale and live sockets', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-ctl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ovsnet.ctl');
  // A leftover socket where the socket goes: its daemon was killed, nobody listens.
  spawnSync(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ]);
  assert.ok(lstatSync(path).isSocket());
  const handlers: Handlers<TestMethods> = {
    echo: (p) => Promise.resolve(p),
    missing: () => Promise.reject(new ControllerError('NOT_FOUND', 'network "x" does not exist')),
    broken: () => Promise.reject(new TypeError('boom')),
  };
  const server = await startControlServer(path, handlers, silentLogger);
  t.after(() => server.close());
  assert.equal(statSync(path).mode & 0o777, 0o600);

  assert.deepEqual(await requestControl(path, 'echo', { a: 1 }), { a: 1 });
  await assert.rejects(
    requestControl(path, 'missing', {}),
    (e: unknown) => isControllerError(e, 'NOT_FOUND') && /network "x"/.test((e as Error).message),
  );
  await assert.rejects(requestControl(path, 'broken', {}), (e: unknown) => isControllerError(e, 'INTERNAL'));
  await assert.rejects(requestControl(path, 'nope', {}), /unknown method "nope"/);
  assert.match(await rawExchange(path, 'this is not json\n'), /"BAD_REQUEST".*malformed request/);
  assert.match(await rawExchange(path, '{"id":"x"}\n'), /BAD_REQUEST/);
  assert.match(await rawExchange(path, '{"id":4,"method":"__proto__"}\n'), /unknown method/);

  await assert.rejects(startControlServer(path, handlers, silentLogger), (e: unknown) =>
    isControllerError(e, 'CONFLICT'),
  );
  assert.deepEqual(await requestControl(path, 'echo', [1]), [1], 'the live server is untouched');
});

test('control client: a clear error when no daemon listens', async () => {
  await assert.rejects(callControl('/nonexistent/ovsnet.ctl', 'status', {}), /is `ovsnet daemon` running\?/);
});

test('control socket: a store call made for a request is bounded from when its caller began, if it says when', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-ctl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'ovsnet.ctl');
  const BOUND = 7_000;
  // What a store call starting inside the method would have left of its bound.
  type Methods = { left: { params: Record<string, never>; result: number } };
  const handlers: Handlers<Methods> = { left: () => Promise.resolve(storeDeadline(BOUND) - Date.now()) };
  const server = await startControlServer(path, handlers, silentLogger);
  t.after(() => server.close());

  const left = async (startedAt?: number): Promise<number> =>
    (await requestControl(path, 'left', {}, 5_000, startedAt)) as number;
  const fresh = await left();
  assert.ok(fresh > BOUND - 1_000, `a request that says nothing has the whole bound (${fresh} ms)`);
  const late = await left(Date.now() - 3_000);
  assert.ok(late <= BOUND - 3_000 && late > BOUND - 4_000, `a command 3 s old has 3 s less (${late} ms)`);
  const future = await left(Date.now() + 60_000);
  assert.ok(future <= BOUND, `a start in the future counts as now (${future} ms)`);

  const refused = await rawExchange(path, '{"id":4,"method":"left","startedAt":"yesterday"}\n');
  assert.match(refused, /BAD_REQUEST.*startedAt/);
});
