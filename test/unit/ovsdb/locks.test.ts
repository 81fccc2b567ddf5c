import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LockBook } from '../../../ovsdb/session/locks';

test('lock book: replies, locked/stolen notifications, disconnects and releases', () => {
  const book = new LockBook();
  book.requested('a', { locked: true });
  book.requested('b', { locked: false });
  assert.deepEqual([book.holds('a'), book.holds('b')], [true, false]);
  book.notified('locked', ['b']);
  book.notified('stolen', ['a']);
  book.notified('locked', ['never-asked']);
  book.notified('update3', ['a']);
  assert.deepEqual([book.holds('a'), book.holds('b'), book.holds('never-asked')], [false, true, false]);
  assert.deepEqual(book.names(), ['a', 'b'], 'a stolen lock is still wanted');
  book.disconnected();
  assert.equal(book.holds('b'), false, 'the server dropped it with the session');
  assert.deepEqual(book.names(), ['a', 'b']);
  book.released('a');
  assert.deepEqual(book.names(), ['b']);
  book.requested('c', 'garbage');
  assert.equal(book.holds('c'), false, 'a malformed reply is not taken as locked');
});
