// The two pure parts of an OpenFlow session: request correlation (requests.ts) and the
// handshake's decisions (handshake.ts). The session over a socket is tested against a
// scripted switch and a real one in test/integration/openflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingRequests } from '../../../controller/openflow/requests';
import { endsHandshake, refuseHello } from '../../../controller/openflow/handshake';
import { OpenFlowError } from '../../../controller/openflow/error';
import { MULTIPART_REPLY_MORE } from '../../../flows/ofp/constants';
import type { OfpMessage } from '../../../flows/ofp/types';
import { FakeClock } from '../../harness/fake-clock';

const statsPart = (xid: number, more: boolean): OfpMessage => ({
  type: 'flow_stats_reply',
  xid,
  flags: more ? MULTIPART_REPLY_MORE : 0,
  flows: [],
});
const switchError = (xid: number): OfpMessage => ({
  type: 'error',
  xid,
  errType: 1,
  code: 1,
  name: 'BAD_REQUEST/BAD_TYPE',
  data: Buffer.alloc(0),
});

test('a multipart reply settles its request only with its last part, every part in order', async () => {
  const requests = new PendingRequests(new FakeClock());
  const xid = requests.xid();
  const reply = requests.expect(xid, 'flow_stats_request', 1000);
  assert.equal(requests.settle(statsPart(xid, true)), true);
  assert.equal(requests.isWaiting(xid), true, 'more parts follow');
  requests.settle(statsPart(xid, false));
  assert.equal((await reply).length, 2);
  assert.equal(requests.isWaiting(xid), false);
});

test('an OFPT_ERROR with a request xid fails that request alone; one with no request is not taken', async () => {
  const requests = new PendingRequests(new FakeClock());
  const [a, b] = [requests.xid(), requests.xid()];
  const failing = requests.expect(a, 'barrier_request', 1000);
  const other = requests.expect(b, 'barrier_request', 1000);
  requests.settle(switchError(a));
  await assert.rejects(
    failing,
    (e: unknown) => e instanceof OpenFlowError && e.code === 'SWITCH_ERROR' && e.switchError?.xid === a,
  );
  assert.equal(requests.isWaiting(b), true);
  assert.equal(requests.settle(switchError(999)), false, 'the session reports it as unsolicited');
  requests.failAll(new OpenFlowError('CLOSED', 'the switch closed the connection'));
  await assert.rejects(other, (e: unknown) => e instanceof OpenFlowError && e.code === 'CLOSED');
});

test('a request without an answer fails after its timeout, and a late reply is not taken', async () => {
  const clock = new FakeClock();
  const requests = new PendingRequests(clock);
  const xid = requests.xid();
  const reply = requests.expect(xid, 'flow_stats_request', 500);
  clock.advance(499);
  assert.equal(requests.isWaiting(xid), true);
  clock.advance(1);
  await assert.rejects(reply, /flow_stats_request got no answer within 500 ms/);
  assert.equal(requests.settle(statsPart(xid, false)), false);
});

test('HELLO: OpenFlow 1.3 in the bitmap, or a header version of at least 1.3, is accepted', () => {
  assert.equal(refuseHello({ type: 'hello', xid: 1, versions: [0x04, 0x06] }), undefined);
  assert.equal(refuseHello({ type: 'hello', xid: 1, versions: [], headerVersion: 0x06 }), undefined);
  const refused = refuseHello({ type: 'hello', xid: 1, versions: [0x01, 0x05] });
  assert.equal(refused?.reason, 'the switch does not speak OpenFlow 1.3 (offers 1,5)');
  assert.equal(refused.refusal.type, 'error');
  assert.match(
    refuseHello({ type: 'hello', xid: 1, versions: [], headerVersion: 0x01 })?.reason ?? '',
    /offers up to 1\)/,
  );
});

test('an error ends the handshake before the version is agreed, afterwards unless it answers a request', () => {
  assert.equal(endsHandshake('hello_wait', true), true);
  assert.equal(endsHandshake('features_wait', false), true);
  assert.equal(endsHandshake('features_wait', true), false);
});
