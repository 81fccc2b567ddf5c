// Fuzzes the client's monitor with a scripted server: between valid updates it sends
// malformed ones (mutations of valid update/update2/update3 notifications and monitor
// replies, and random JSON). Nothing may throw out of a handler; every malformed message
// ends the session, and the next one reads the database whole, so the replica always comes
// back to exactly what the server holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvsdbClient } from '../../../ovsdb/client';
import { JsonStreamSplitter } from '../../../ovsdb/protocol/json-stream';
import { until } from '../../harness/until';

const SCHEMA = {
  name: 'Fuzz',
  version: '1.0.0',
  tables: {
    Thing: {
      columns: {
        name: { type: 'string' },
        n: { type: 'integer' },
        tags: { type: { key: 'string', min: 0, max: 'unlimited' } },
        opts: { type: { key: 'string', value: 'string', min: 0, max: 'unlimited' } },
        peer: { type: { key: { type: 'uuid' }, min: 0, max: 1 } },
      },
    },
  },
};

/** A small deterministic PRNG (mulberry32), so a failure replays with its seed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Row = { name: string; n: number; tags: string[]; opts: Record<string, string> };

const wire = (row: Row): Record<string, unknown> => ({
  name: row.name,
  n: row.n,
  tags: ['set', row.tags],
  opts: ['map', Object.entries(row.opts)],
});

function uuidOf(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

/** The server: answers get_schema and monitor_cond_since from `truth`, and lets the test write notifications. */
class FuzzServer {
  readonly truth = new Map<string, Row>();
  connections = 0;
  socket: Socket | undefined;
  monitorId: unknown;
  /** When set, the next monitor reply is this instead of the truth. */
  badReply: unknown;
  private txn = 0;

  handle(socket: Socket): void {
    this.connections++;
    this.socket = socket;
    const splitter = new JsonStreamSplitter();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const text of splitter.push(chunk)) {
        const req = JSON.parse(text) as { method?: string; id: unknown; params: unknown[] };
        if (req.method === 'get_schema') this.reply(socket, req.id, SCHEMA);
        else if (req.method === 'echo') this.reply(socket, req.id, req.params);
        else if (req.method === 'monitor_cond_since') {
          this.monitorId = req.params[1];
          const reply = this.badReply ?? [false, this.nextTxn(), this.initial()];
          this.badReply = undefined;
          this.reply(socket, req.id, reply);
        }
      }
    });
  }

  nextTxn(): string {
    return uuidOf(0x100000 + ++this.txn);
  }

  initial(): Record<string, unknown> {
    const rows: Record<string, unknown> = {};
    for (const [uuid, row] of this.truth) rows[uuid] = { initial: wire(row) };
    return { Thing: rows };
  }

  notify(method: string, params: unknown[]): void {
    this.socket?.write(JSON.stringify({ method, params, id: null }));
  }

  private reply(socket: Socket, id: unknown, result: unknown): void {
    socket.write(JSON.stringify({ id, result, error: null }));
  }
}

/** Ways to break a valid update3 notification's params; each yields a message no server may send. */
const MUTATIONS: Array<(params: unknown[], uuid: string, rand: () => number) => [string, unknown[]]> = [
  (p, u) => ['update2', [p[0], { Thing: { [u]: null } }]],
  (p, u) => ['update2', [p[0], { Thing: { [u]: { modify: null } } }]],
  (p, u) => ['update3', [p[0], p[1], { Thing: { [u]: { delete: 1 } } }]],
  (p, u) => ['update3', [p[0], p[1], { Thing: { [u]: { modify: { n: 1 }, delete: null } } }]],
  (p, u) => ['update3', [p[0], p[1], { Thing: { [u]: { modify: { tags: ['set', 5] } } } }]],
  (p, u) => ['update3', [p[0], p[1], { Thing: { [u]: { modify: { opts: ['map', [['k']]] } } } }]],
  (p, u) => ['update3', [p[0], p[1], { Thing: { [u]: { insert: { n: 'many' } } } }]],
  (p, u) => ['update3', [p[0], p[1], { Thing: { [u]: { insert: { peer: ['uuid', 7] } } } }]],
  (p) => ['update3', [p[0], 42, p[2]]],
  (p) => ['update3', [p[0], p[1]]],
  (p) => ['update3', [p[0], p[1], { Thing: [] }]],
  (p) => ['update3', [p[0], p[1], 'Thing']],
  (p) => ['update3', [p[0], p[1], { Thing: { 'not-a-uuid': { delete: null } } }]],
  (p, u) => ['update', [p[0], { Thing: { [u]: { new: [1, 2] } } }]],
  (p, u) => ['update', [p[0], { Thing: { [u]: { old: {}, new: {}, extra: {} } } }]],
  (p, u) => ['update', [p[0], { Thing: { [u]: { new: { name: null } } } }]],
  (p) => ['update', [p[0]]],
  (p, _u, rand) => ['update2', [p[0], randomJson(rand, 3)]],
  (p, _u, rand) => ['update3', [p[0], p[1], { Thing: { [uuidOf(1)]: randomJson(rand, 2) } }]],
];

/** Random JSON; its objects name no column and no delete, so it is never a valid update. */
function randomJson(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 0 ? 8 : 5));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Math.floor(rand() * 1e6) - 5e5;
    case 2:
      return ['set', 'map', 'uuid', 'modify', 'x'][Math.floor(rand() * 5)];
    case 3:
      return rand() < 0.5;
    case 4:
      return 1.5;
    case 5:
    case 6: {
      const out: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 3) + 1; i > 0; i--)
        out[['Thing', 'initial', 'modify', 'new', 'old'][Math.floor(rand() * 5)] as string] = randomJson(
          rand,
          depth - 1,
        );
      return out;
    }
    default:
      return Array.from({ length: Math.floor(rand() * 3) }, () => randomJson(rand, depth - 1));
  }
}

test('malformed updates and monitor replies never throw out of a handler; each one makes the client resync', async (t) => {
  const rand = prng(15);
  const server = new FuzzServer();
  for (let i = 1; i <= 5; i++) server.truth.set(uuidOf(i), { name: `t${i}`, n: i, tags: ['a'], opts: { k: 'v' } });
  const dir = mkdtempSync(join(tmpdir(), 'ovsnet-fuzz-'));
  const listener = createServer((socket) => server.handle(socket));
  await new Promise<void>((resolve) => listener.listen(join(dir, 'db.sock'), resolve));
  const escaped: unknown[] = [];
  const onUncaught = (error: unknown): void => void escaped.push(error);
  process.on('uncaughtException', onUncaught);
  const client = await OvsdbClient.connect(`unix:${join(dir, 'db.sock')}`, {
    backoff: { minMs: 1, maxMs: 5, jitter: 0 },
  });
  t.after(() => {
    process.off('uncaughtException', onUncaught);
    client.close();
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const replica = await client.monitor('Fuzz', { Thing: { columns: ['name', 'n', 'tags', 'opts'] } });
  const seen = (): string =>
    JSON.stringify(
      [...replica.rows('Thing')]
        .map((r) => [r._uuid, r['name'], r['n'], r['tags'], r['opts']])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  const truth = (): string =>
    JSON.stringify(
      [...server.truth].sort(([a], [b]) => a.localeCompare(b)).map(([u, r]) => [u, r.name, r.n, r.tags, r.opts]),
    );
  const converged = (why: string): Promise<void> =>
    until(why, () => client.state === 'connected' && seen() === truth(), 5_000, 2);

  let next = 100;
  let malformed = 0;
  for (let round = 0; round < 300; round++) {
    const uuids = [...server.truth.keys()];
    const target = uuids[Math.floor(rand() * uuids.length)] ?? uuidOf(next++);
    const before = server.connections;
    const choice = rand();
    if (choice < 0.35) {
      // A valid change the client must apply without a new session.
      const op = rand();
      let update: Record<string, unknown>;
      if (op < 0.2 || server.truth.size < 2) {
        const uuid = uuidOf(next++);
        const row = { name: `t${uuid.slice(-4)}`, n: round, tags: ['b'], opts: {} };
        server.truth.set(uuid, row);
        update = { [uuid]: { insert: wire(row) } };
      } else if (op < 0.35) {
        server.truth.delete(target);
        update = { [target]: { delete: null } };
      } else {
        const row = server.truth.get(target) as Row;
        row.n = round;
        row.tags = row.tags.includes('c') ? row.tags.filter((x) => x !== 'c') : [...row.tags, 'c'];
        update = { [target]: { modify: { n: round, tags: ['set', ['c']] } } };
      }
      server.notify('update3', [server.monitorId, server.nextTxn(), { Thing: update }]);
      await converged(`valid round ${round}`);
      assert.equal(server.connections, before, `round ${round}: a valid update keeps the session`);
      continue;
    }
    malformed++;
    if (choice < 0.45) {
      // The monitor reply of the next session is broken too: that session ends as well.
      server.badReply = [true, 'txn', { Thing: { [target]: { initial: { n: 'x' } } } }];
    }
    const mutate = MUTATIONS[Math.floor(rand() * MUTATIONS.length)] as (typeof MUTATIONS)[number];
    const [method, params] = mutate([server.monitorId, server.nextTxn(), {}], target, rand);
    server.notify(method, params);
    await until(`a new session after round ${round}`, () => server.connections > before, 5_000, 2);
    await converged(`resync after malformed round ${round} (${method} ${JSON.stringify(params).slice(0, 200)})`);
  }
  assert.ok(malformed > 150, `${malformed} malformed messages were sent`);
  assert.deepEqual(escaped, [], 'no exception escaped a handler');
});
