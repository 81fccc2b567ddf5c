// A scripted OVSDB peer on a unix socket misbehaves in the ways a real network or a broken
// server can; the client must answer with typed errors, never crash, and recover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvsdbClient } from '../../../ovsdb/client';
import { OvsdbCanceledError, OvsdbError } from '../../../ovsdb/protocol/errors';
import { JsonStreamSplitter } from '../../../ovsdb/protocol/json-stream';

type Behaviour = (socket: Socket, request: { method: string; id: unknown; params: unknown[] }) => void;

async function peer(
  t: { after(fn: () => unknown): void },
  behaviours: Behaviour[],
): Promise<{ path: string; connections: () => number; echoReplies: unknown[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-peer-'));
  const path = join(dir, 'db.sock');
  let count = 0;
  const echoReplies: unknown[] = [];
  const server = createServer((socket) => {
    const behaviour = behaviours[Math.min(count, behaviours.length - 1)] as Behaviour;
    count++;
    const splitter = new JsonStreamSplitter();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const text of splitter.push(chunk)) {
        const message = JSON.parse(text) as { method?: string; id: unknown; params: unknown[]; result?: unknown };
        if (message.method === undefined) echoReplies.push(message.result);
        else behaviour(socket, message as { method: string; id: unknown; params: unknown[] });
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, connections: () => count, echoReplies };
}

const healthy: Behaviour = (socket, req) => {
  if (req.method === 'list_dbs') socket.write(JSON.stringify({ id: req.id, result: ['Open_vSwitch'], error: null }));
};

test('garbage from the server is a PROTOCOL error; the client reconnects and works', async (t) => {
  const p = await peer(t, [(socket) => socket.write('this is not json at all'), healthy]);
  const client = await OvsdbClient.connect(`unix:${p.path}`, {
    backoff: { minMs: 20, maxMs: 50, jitter: 0 },
    requestTimeoutMs: 5000,
  });
  t.after(() => client.close());
  await assert.rejects(
    client.listDbs(),
    (e: unknown) => e instanceof OvsdbError && e.code === 'PROTOCOL' && /malformed data/.test(e.message),
  );
  assert.deepEqual(await client.listDbs(), ['Open_vSwitch']);
  assert.equal(p.connections(), 2);
});

test('a server that closes mid-reply fails the request with CONNECTION_CLOSED, then recovers', async (t) => {
  const p = await peer(t, [(socket) => socket.end('{"id":1,"result":["Open_v'), healthy]);
  const client = await OvsdbClient.connect(`unix:${p.path}`, { backoff: { minMs: 20, maxMs: 50, jitter: 0 } });
  t.after(() => client.close());
  await assert.rejects(client.listDbs(), (e: unknown) => e instanceof OvsdbError && e.code === 'CONNECTION_CLOSED');
  assert.deepEqual(await client.listDbs(), ['Open_vSwitch']);
});

test("the server's echo probe is answered with its params; an unknown request gets an error reply", async (t) => {
  const p = await peer(t, [
    (socket, req) => {
      if (req.method === 'list_dbs') {
        socket.write(JSON.stringify({ method: 'echo', params: ['ping', 7], id: 'echo' }));
        socket.write(JSON.stringify({ id: req.id, result: ['x'], error: null }));
      }
    },
  ]);
  const client = await OvsdbClient.connect(`unix:${p.path}`);
  t.after(() => client.close());
  assert.deepEqual(await client.listDbs(), ['x']);
  const deadline = Date.now() + 2000;
  while (p.echoReplies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(p.echoReplies, [['ping', 7]]);
});

test('a silent server is detected by the inactivity probe', async (t) => {
  const p = await peer(t, [() => undefined]);
  const client = await OvsdbClient.connect(`unix:${p.path}`, {
    probeIntervalMs: 100,
    backoff: { minMs: 5000, maxMs: 5000, jitter: 0 },
  });
  t.after(() => client.close());
  const states: string[] = [];
  client.on('state', (s) => states.push(s));
  await assert.rejects(
    client.call('list_dbs', [], 2000),
    (e: unknown) => e instanceof OvsdbError && /inactivity probe/.test(e.message),
  );
  assert.ok(states.includes('backoff'));
});

test('connect() to nothing fails with a clear error after its timeout', async () => {
  await assert.rejects(
    OvsdbClient.connect('unix:/nonexistent/db.sock', {
      connectTimeoutMs: 300,
      backoff: { minMs: 50, maxMs: 50, jitter: 0 },
    }),
    /no OVSDB connection to unix:\/nonexistent\/db\.sock within 300 ms/,
  );
});

test('an update written in the same read as the monitor reply is applied after the initial rows', async (t) => {
  const schema = {
    name: 'T',
    version: '1.0.0',
    tables: { Thing: { columns: { name: { type: 'string' }, n: { type: 'integer' } } } },
  };
  const U = '11111111-1111-1111-1111-111111111111';
  const p = await peer(t, [
    (socket, req) => {
      if (req.method === 'get_schema') socket.write(JSON.stringify({ id: req.id, result: schema, error: null }));
      if (req.method === 'monitor_cond_since') {
        const reply = JSON.stringify({
          id: req.id,
          result: [false, 'txn-1', { Thing: { [U]: { initial: { name: 'a', n: 1 } } } }],
          error: null,
        });
        const update = JSON.stringify({
          method: 'update3',
          params: [req.params[1], 'txn-2', { Thing: { [U]: { modify: { n: 2 } } } }],
          id: null,
        });
        socket.write(reply + update);
      }
    },
  ]);
  const client = await OvsdbClient.connect(`unix:${p.path}`);
  t.after(() => client.close());
  const replica = await client.monitor('T', { Thing: { columns: ['name', 'n'] } });
  const deadline = Date.now() + 2000;
  while (replica.get('Thing', U as never)?.['n'] !== 2 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  assert.equal(replica.get('Thing', U as never)?.['n'], 2, 'the update right behind the reply is not lost');
});

test('aborting a call that waits for the session rejects with CANCELED and sends nothing later', async (t) => {
  const received: string[] = [];
  const p = await peer(t, [
    (socket, req) => {
      received.push(req.method);
      if (req.method === 'list_dbs') socket.write(JSON.stringify({ id: req.id, result: ['x'], error: null }));
      else socket.destroy(); // anything else drops the session
    },
  ]);
  const client = await OvsdbClient.connect(`unix:${p.path}`, { backoff: { minMs: 5000, maxMs: 5000, jitter: 0 } });
  t.after(() => client.close());
  await assert.rejects(
    client.echo(['drop']),
    (e: unknown) => e instanceof OvsdbError && e.code === 'CONNECTION_CLOSED',
  );
  assert.equal(client.state, 'backoff');
  const controller = new AbortController();
  const pending = client.transact('T', [{ op: 'comment', comment: 'never sent' }], {
    signal: controller.signal,
    timeoutMs: 30_000,
  });
  controller.abort();
  await assert.rejects(pending, (e: unknown) => e instanceof OvsdbCanceledError && e.code === 'CANCELED');
  assert.deepEqual(received, ['echo'], 'the canceled transaction was never sent');
});
