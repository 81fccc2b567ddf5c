import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTransactResult, errorFromJson, OvsdbError, TransactionError } from '../../../ovsdb/protocol/errors';
import { classify } from '../../../ovsdb/protocol/jsonrpc';
import {
  asNamedUuid,
  asUuid,
  map,
  namedUuid,
  optional,
  set,
  stringMap,
  uuid,
  uuidsOf,
} from '../../../ovsdb/protocol/notation';
import { parseRemote } from '../../../ovsdb/session/remote';
import { insert, mutate, eq } from '../../../ovsdb/protocol/operations';

test('notation encodes sets, maps, optional values and UUIDs; names are validated', () => {
  const u = asUuid('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0');
  assert.deepEqual(uuid(u), ['uuid', u]);
  assert.deepEqual(namedUuid(asNamedUuid('row_1')), ['named-uuid', 'row_1']);
  assert.throws(() => asUuid('not-a-uuid'), /not a UUID/);
  assert.throws(() => asNamedUuid('1bad'), /not a valid uuid-name/);
  assert.deepEqual(map({ a: '1' }), ['map', [['a', '1']]]);
  assert.deepEqual(optional(undefined), ['set', []]);
  assert.deepEqual(optional(5), 5);
  assert.deepEqual(stringMap(['map', [['k', 'v']]]), { k: 'v' });
  assert.deepEqual(uuidsOf(['uuid', u]), [u], 'a bare atom is a set of one');
  assert.deepEqual(uuidsOf(set([uuid(u)])), [u]);
  assert.deepEqual(insert('Port', { name: 'p' }, asNamedUuid('p1')), {
    op: 'insert',
    table: 'Port',
    row: { name: 'p' },
    'uuid-name': 'p1',
  });
  assert.deepEqual(mutate('Open_vSwitch', [], [['next_cfg', '+=', 1]]).op, 'mutate');
  assert.deepEqual(eq('name', 'x'), ['name', '==', 'x']);
});

test('JSON-RPC classification', () => {
  assert.equal((classify({ method: 'echo', params: [], id: 'echo' }) as { kind: string }).kind, 'request');
  assert.equal((classify({ method: 'update2', params: [], id: null }) as { kind: string }).kind, 'notification');
  assert.equal((classify({ result: 1, error: null, id: 3 }) as { kind: string }).kind, 'response');
  assert.ok(classify([1]) instanceof Error);
  assert.ok(classify({ method: 'x' }) instanceof Error);
  assert.ok(classify({ result: 1, id: null }) instanceof Error);
});

test('transact results: the failing op, the extra commit error, and short replies', () => {
  const ops = [insert('A', {}), insert('B', {})];
  assert.deepEqual(checkTransactResult(ops, [{ uuid: ['uuid', 'x'] }, {}]), [{ uuid: ['uuid', 'x'] }, {}]);
  assert.throws(
    () => checkTransactResult(ops, [{}, { error: 'constraint violation', details: 'bad' }, null]),
    (e: unknown) =>
      e instanceof TransactionError &&
      e.opIndex === 1 &&
      e.code === 'CONSTRAINT_VIOLATION' &&
      /operation 1 \(insert B\)/.test(e.message),
  );
  assert.throws(
    () => checkTransactResult(ops, [{}, {}, { error: 'referential integrity violation' }]),
    (e: unknown) => e instanceof TransactionError && e.opIndex === 2 && /at commit/.test(e.message),
  );
  const malformed = (pattern: RegExp) => (e: unknown) =>
    e instanceof OvsdbError && e.code === 'MALFORMED_REPLY' && pattern.test(e.message);
  assert.throws(() => checkTransactResult(ops, [{}]), malformed(/1 results for 2 operations/));
  assert.throws(() => checkTransactResult(ops, 'x'), malformed(/not an array/));
  assert.equal(errorFromJson({ error: 'unknown database', details: 'x' }).code, 'UNKNOWN_DATABASE');
  assert.equal(errorFromJson({ error: 'something new' }).code, 'UNRECOGNIZED');
  assert.equal(errorFromJson('not owner').code, 'NOT_OWNER');
});

test('remotes: unix, tcp and ssl forms, errors name the input', () => {
  assert.deepEqual(parseRemote('unix:/run/db.sock'), { kind: 'unix', path: '/run/db.sock' });
  assert.deepEqual(parseRemote('tcp:127.0.0.1:6640'), { kind: 'tcp', host: '127.0.0.1', port: 6640 });
  assert.deepEqual(parseRemote('tcp:[::1]:6640'), { kind: 'tcp', host: '::1', port: 6640 });
  assert.deepEqual(parseRemote('ssl:10.0.0.1:6640'), { kind: 'ssl', host: '10.0.0.1', port: 6640 });
  assert.deepEqual(parseRemote('ssl:[fe80::1]:6640'), { kind: 'ssl', host: 'fe80::1', port: 6640 });
  const invalid = (pattern: RegExp) => (e: unknown) =>
    e instanceof OvsdbError && e.code === 'INVALID_ARGUMENT' && pattern.test(e.message);
  assert.throws(() => parseRemote('ssl:x'), invalid(/ssl:HOST:PORT/));
  assert.throws(() => parseRemote('pssl:6640'), invalid(/must start with unix:, tcp: or ssl:/));
  assert.throws(() => parseRemote('tcp:host'), invalid(/tcp:HOST:PORT/));
});
