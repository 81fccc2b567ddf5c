// Optional columns (sets of at most one) in update2: ovsdb-server sends the new value, not
// a symmetric difference (seen from ovsdb-server 3.1 changing fail_mode standalone ->
// secure: {"modify": {"fail_mode": "secure"}}).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOptionalDiff } from '../../../ovsdb/replica/set-diff';

test('an optional column takes the value sent; an empty set clears it; two elements are a symmetric difference', () => {
  assert.equal(applyOptionalDiff('standalone', ['secure']), 'secure');
  assert.equal(applyOptionalDiff(undefined, ['secure']), 'secure');
  assert.equal(applyOptionalDiff('secure', []), undefined);
  assert.equal(applyOptionalDiff('secure', ['secure']), undefined, 'the one element there, sent again, is removed');
  assert.equal(applyOptionalDiff(7, [7, 9]), 9);
  assert.equal(applyOptionalDiff(-1, [5]), 5, 'an ofport realised after -1');
});
