// How an OpenFlow session or one of its requests fails, for every part of the session
// (the handshake, request correlation, the socket) and its callers.
import type { OfpMessage } from '../../flows/ofp/types';

export class OpenFlowError extends Error {
  constructor(
    readonly code: 'SWITCH_ERROR' | 'TIMEOUT' | 'CLOSED' | 'PROTOCOL',
    message: string,
    /** The OFPT_ERROR the switch sent, when it sent one. */
    readonly switchError?: Extract<OfpMessage, { type: 'error' }>,
  ) {
    super(message);
    this.name = 'OpenFlowError';
  }
}
