// Errors the controller reports to its front ends. Each carries a stable machine code so a
// driver can map it (Docker {"Err"}, CLI exit status, control-socket JSON) without parsing
// messages, and a message written for the person who typed the command.
export type ControllerErrorCode =
  | 'INVALID_ARGUMENT' // the request itself is wrong: malformed CIDR, unknown option, bad value
  | 'NOT_FOUND' // the named network / endpoint / pool / rule does not exist
  | 'ALREADY_EXISTS' // a different object already holds the name, address or id
  | 'CONFLICT' // the request is valid but the current state forbids it (e.g. endpoints remain)
  | 'EXHAUSTED' // no free address left in a pool
  | 'UNAVAILABLE' // OVS, the store or another dependency cannot be reached right now
  | 'INTERNAL'; // a bug: state that should be impossible

export class ControllerError extends Error {
  constructor(
    readonly code: ControllerErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ControllerError';
  }
}

export function isControllerError(error: unknown, code?: ControllerErrorCode): error is ControllerError {
  return error instanceof ControllerError && (code === undefined || error.code === code);
}

export const invalid = (message: string, details?: Record<string, unknown>): ControllerError =>
  new ControllerError('INVALID_ARGUMENT', message, details);
export const notFound = (message: string, details?: Record<string, unknown>): ControllerError =>
  new ControllerError('NOT_FOUND', message, details);
export const conflict = (message: string, details?: Record<string, unknown>): ControllerError =>
  new ControllerError('CONFLICT', message, details);
