import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonFramingError, JsonStreamSplitter } from '../../../ovsdb/protocol/json-stream';

const messages = [
  { id: 1, method: 'echo', params: [] },
  { result: [{ rows: [{ name: 'br{0}' }] }], error: null, id: 2 },
  {
    method: 'update2',
    params: ['m1', { Interface: { u: { modify: { name: 'quote " and \\\\ backslash }]' } } } }],
    id: null,
  },
  { text: 'ünïcödé ✓ 𝄞', nested: [[[{}]]] },
];
const stream = Buffer.from(messages.map((m) => JSON.stringify(m)).join('\n  '), 'utf8');

test('every split point of a stream yields the same messages', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const splitter = new JsonStreamSplitter();
    const out = [...splitter.push(stream.subarray(0, cut)), ...splitter.push(stream.subarray(cut))];
    assert.deepEqual(
      out.map((t): unknown => JSON.parse(t)),
      messages,
      `split at byte ${cut}`,
    );
    assert.equal(splitter.pendingBytes, 0);
  }
});

test('byte-at-a-time feeding and three-way splits', () => {
  const splitter = new JsonStreamSplitter();
  const out: string[] = [];
  for (const byte of stream) out.push(...splitter.push(Buffer.from([byte])));
  assert.deepEqual(
    out.map((t): unknown => JSON.parse(t)),
    messages,
  );
  for (let a = 1; a < stream.length; a += 7) {
    for (let b = a; b < stream.length; b += 11) {
      const s = new JsonStreamSplitter();
      const got = [...s.push(stream.subarray(0, a)), ...s.push(stream.subarray(a, b)), ...s.push(stream.subarray(b))];
      assert.equal(got.length, messages.length);
    }
  }
});

test('a large message in many chunks', () => {
  const rows = Array.from({ length: 20000 }, (_, i) => ({
    name: `port${i}`,
    ofport: i,
    ext: ['map', [['k', `}{"${i}`]]],
  }));
  const big = Buffer.from(JSON.stringify({ id: 9, result: rows, error: null }));
  const splitter = new JsonStreamSplitter();
  const out: string[] = [];
  for (let i = 0; i < big.length; i += 4096) out.push(...splitter.push(big.subarray(i, i + 4096)));
  assert.equal(out.length, 1);
  assert.equal((JSON.parse(out[0] as string) as { result: unknown[] }).result.length, 20000);
});

test('garbage between messages and oversized messages are framing errors', () => {
  assert.throws(() => new JsonStreamSplitter().push(Buffer.from('{"a":1} garbage')), JsonFramingError);
  assert.throws(() => new JsonStreamSplitter(100).push(Buffer.from(`{"a":"${'x'.repeat(200)}`)), /exceeded 100 bytes/);
  const s = new JsonStreamSplitter();
  assert.throws(() => s.push(Buffer.from('nope')));
  assert.deepEqual(s.push(Buffer.from('{"ok":true}')), ['{"ok":true}'], 'usable after reset');
});
