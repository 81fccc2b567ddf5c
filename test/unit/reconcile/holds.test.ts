// A name stays held while any request still holds it; each release counts once, however
// many times it is called (requests release on every path they may end on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Holds } from '../../../controller/holds';

test('a name is held until every holder has released it; a second release by one holder changes nothing', () => {
  const holds = new Holds();
  const first = holds.take('ovs1');
  const second = holds.take('ovs1');
  holds.take('ovs2')();
  assert.deepEqual([...holds.names()], ['ovs1'], 'ovs2 was released at once');
  first();
  first();
  assert.equal(holds.has('ovs1'), true, 'the second holder still holds it');
  second();
  assert.equal(holds.has('ovs1'), false);
  assert.equal(holds.size, 0);
});
