// The CLI's side of the control socket checks every reply before it reads it: a daemon
// (or whatever listens there) that answers garbage gives a clear error, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResponse, requestControl } from '../../../controller/control/client';
import { isControllerError } from '../../../controller/errors';

test('garbage, a wrong shape or a malformed error from the daemon is a clear UNAVAILABLE error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-ctl-'));
  const path = join(dir, 'ovsnet.ctl');
  const answers = ['not json at all\n', '[1,2]\n', '{"id":1,"error":"boom"}\n', '{"id":1}\n', 'null\n'];
  let next = 0;
  const server = createServer((socket) => socket.end(answers[next++ % answers.length] as string));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const answer of answers) {
    await assert.rejects(
      requestControl(path, 'status', {}, 5_000),
      (e: unknown) => isControllerError(e, 'UNAVAILABLE') && /answered status with/.test((e as Error).message),
      answer,
    );
  }
});

test('parseResponse accepts results and well-formed errors', () => {
  assert.deepEqual(parseResponse('{"id":3,"result":null}'), { id: 3, result: null });
  assert.deepEqual(parseResponse('{"id":3,"error":{"code":"NOT_FOUND","message":"no"}}'), {
    id: 3,
    error: { code: 'NOT_FOUND', message: 'no' },
  });
});
