// Decoding in tests: a message that must decode fails the test with the decoder's own
// explanation; one that must not decode yields that explanation to match against.
import assert from 'node:assert/strict';
import { decodeMessage } from '../../flows/ofp/decode';
import type { OfpMessage } from '../../flows/ofp/types';

export function decodeOrFail(bytes: Buffer, what: string): OfpMessage {
  const result = decodeMessage(bytes);
  if (result instanceof Error) assert.fail(`${what}: ${result.message}`);
  return result;
}

export function decodeFailure(bytes: Buffer): string {
  const result = decodeMessage(bytes);
  if (!(result instanceof Error)) assert.fail(`expected a decode error, got a ${result.type} message`);
  return result.message;
}
