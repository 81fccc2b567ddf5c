import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failedLines } from '../../../controller/host/ip-batch';

test('ip -force -batch errors are attributed to their lines', () => {
  const stderr = 'RTNETLINK answers: File exists\nCommand failed -:2\nCannot find device "x"\nCommand failed -:5\n';
  assert.deepEqual(
    [...failedLines(stderr)],
    [
      [2, 'RTNETLINK answers: File exists'],
      [5, 'Cannot find device "x"'],
    ],
  );
  assert.equal(failedLines('').size, 0);
});
