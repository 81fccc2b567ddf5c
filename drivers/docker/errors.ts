// How failures become Docker answers. Request problems and controller refusals are
// expected (the user typed something wrong, or the state forbids it) and their message goes
// to Docker verbatim; anything else is a bug or an outage, logged in full and answered with
// a generic message so internals never leak into `docker` output.
import { ControllerError, isControllerError, type ControllerErrorCode } from '../../controller/api';

/** A request that does not match the libnetwork protocol (missing or mistyped field). */
export function badRequest(message: string): ControllerError {
  return new ControllerError('INVALID_ARGUMENT', message);
}

export interface WireError {
  message: string;
  /** False for bugs and unknown exceptions: those are logged at error level. */
  expected: boolean;
}

const HINTS: Partial<Record<ControllerErrorCode, string>> = {
  UNAVAILABLE: ' (ovsnet cannot reach Open vSwitch or its state store right now; try again)',
  EXHAUSTED: ' (no free address left; release one or use a larger subnet)',
};

/** The message Docker shows for a failed call, e.g. "remote: <message>". */
export function describeError(error: unknown, method: string): WireError {
  if (isControllerError(error)) {
    if (error.code === 'INTERNAL') {
      return { message: `ovsnet: internal error in ${method}: ${error.message} (see the ovsnet log)`, expected: false };
    }
    return { message: `ovsnet: ${error.message}${HINTS[error.code] ?? ''}`, expected: true };
  }
  return { message: `ovsnet: unexpected failure in ${method} (see the ovsnet log)`, expected: false };
}

/** Deletes and releases are idempotent: an object that is already gone is a success. */
export function isAlreadyGone(error: unknown): boolean {
  return isControllerError(error, 'NOT_FOUND');
}
