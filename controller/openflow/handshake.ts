// The OpenFlow handshake as ovsnet runs it: both ends send HELLO and agree on a version
// (ovsnet speaks 1.3 only), then ovsnet asks for the switch's features and sends
// SET_CONFIG, after which a management-socket connection also sends asynchronous
// messages. The decisions are pure functions; the session drives them and keeps the
// states (hello_wait, features_wait, ready).
import { OFP13_VERSION } from '../../flows/ofp/constants';
import { ErrorCode } from '../../flows/ofp/errors';
import type { OfpMessage } from '../../flows/ofp/types';
import { OpenFlowError } from './error';
import type { OutgoingMessage } from './requests';

export type FeaturesReply = Extract<OfpMessage, { type: 'features_reply' }>;

/** Our HELLO: the version bitmap offers OpenFlow 1.3 alone. */
export const OUR_HELLO: OutgoingMessage = { type: 'hello', versions: [OFP13_VERSION] };

/**
 * Whether the peer's HELLO allows OpenFlow 1.3: with a version bitmap, 1.3 must be in it;
 * without one, the header version is the peer's highest and the session would use
 * min(ours, theirs), which must be 1.3. Undefined when it does, else the OFPT_ERROR
 * (HELLO_FAILED/INCOMPATIBLE) to send before closing, and why.
 */
export function refuseHello(
  hello: Extract<OfpMessage, { type: 'hello' }>,
): { refusal: OutgoingMessage; reason: string } | undefined {
  const theirs = hello.versions.length > 0 ? hello.versions : undefined;
  const compatible = theirs ? theirs.includes(OFP13_VERSION) : (hello.headerVersion ?? OFP13_VERSION) >= OFP13_VERSION;
  if (compatible) return undefined;
  const offered = theirs ? theirs.join(',') : `up to ${hello.headerVersion}`;
  return {
    refusal: {
      type: 'error',
      ...ErrorCode.HELLO_INCOMPATIBLE,
      name: '',
      data: Buffer.from(`ovsnet speaks OpenFlow 1.3 (0x04); peer offers ${offered}`),
    },
    reason: `the switch does not speak OpenFlow 1.3 (offers ${offered})`,
  };
}

/**
 * An OFPT_ERROR during the handshake ends it: any error before the version is agreed, and
 * afterwards any error that does not answer one of our requests.
 */
export function endsHandshake(step: 'hello_wait' | 'features_wait', answersRequest: boolean): boolean {
  return step === 'hello_wait' || !answersRequest;
}

/** What the features step needs from the session. */
export interface HandshakeChannel {
  request(message: OutgoingMessage): Promise<OfpMessage[]>;
  send(message: OutgoingMessage): void;
}

/** FEATURES_REQUEST, then SET_CONFIG with `missSendLen` bytes of each packet-in. */
export async function exchangeFeatures(channel: HandshakeChannel, missSendLen: number): Promise<FeaturesReply> {
  const [features] = await channel.request({ type: 'features_request' });
  if (features?.type !== 'features_reply') throw new OpenFlowError('PROTOCOL', 'unexpected answer to features_request');
  // A management-socket (service) connection gets async messages only after this.
  channel.send({ type: 'set_config', flags: 0, missSendLen });
  return features;
}
