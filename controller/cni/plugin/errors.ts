// CNI errors as the spec defines them: {cniVersion, code, msg, details} on stdout and a
// non-zero exit. Codes below 100 are the spec's; ovsnet's own start at 100.
import { isControllerError, type ControllerErrorCode } from '../../errors';

export const CniCode = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENVIRONMENT: 4,
  IO_FAILURE: 5,
  DECODING_FAILURE: 6,
  INVALID_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  /** ovsnet: the network's address pool has no free address. */
  POOL_EXHAUSTED: 100,
  /** ovsnet: CHECK found the container's network not as ADD left it. */
  CHECK_FAILED: 101,
  /** ovsnet: an address or MAC asked for is held by another endpoint. */
  ALREADY_IN_USE: 102,
  /** Anything else (the reference plugins' generic code). */
  INTERNAL: 999,
} as const;

export class CniError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details = '',
  ) {
    super(message);
    this.name = 'CniError';
  }

  toJSON(cniVersion: string): Record<string, unknown> {
    return {
      cniVersion,
      code: this.code,
      msg: this.message,
      ...(this.details !== '' ? { details: this.details } : {}),
    };
  }
}

const BY_CONTROLLER_CODE: Record<ControllerErrorCode, number> = {
  INVALID_ARGUMENT: CniCode.INVALID_CONFIG,
  NOT_FOUND: CniCode.UNKNOWN_CONTAINER,
  ALREADY_EXISTS: CniCode.ALREADY_IN_USE,
  CONFLICT: CniCode.CHECK_FAILED,
  EXHAUSTED: CniCode.POOL_EXHAUSTED,
  UNAVAILABLE: CniCode.TRY_AGAIN_LATER,
  INTERNAL: CniCode.INTERNAL,
};

/** Any failure as a CNI error: the daemon's errors keep their meaning, the rest is generic. */
export function asCniError(error: unknown): CniError {
  if (error instanceof CniError) return error;
  if (isControllerError(error)) return new CniError(BY_CONTROLLER_CODE[error.code], error.message);
  return new CniError(CniCode.INTERNAL, error instanceof Error ? error.message : String(error));
}
