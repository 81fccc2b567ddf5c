// OVSDB errors as values with stable codes: one per error string of RFC 7047 (and those
// OVS adds, ovsdb-server(7) 3.1), plus codes of their own for what the client detects
// itself - a lost connection, a timeout, a malformed reply, a bad argument, a row missing
// from the replica - so a caller never mistakes the client's verdict for the server's.
import { isUuidAtom } from './notation';
import type { OperationResult } from './operations';

export type OvsdbErrorCode =
  | 'REFERENTIAL_INTEGRITY_VIOLATION'
  | 'CONSTRAINT_VIOLATION'
  | 'RESOURCES_EXHAUSTED'
  | 'IO_ERROR'
  | 'DUPLICATE_UUID_NAME'
  | 'DOMAIN_ERROR'
  | 'RANGE_ERROR'
  | 'TIMED_OUT'
  | 'NOT_SUPPORTED' // also when an earlier refusal showed the server lacks what a call needs
  | 'ABORTED'
  | 'NOT_OWNER'
  | 'UNKNOWN_DATABASE'
  | 'SYNTAX_ERROR'
  | 'UNKNOWN_COLUMN'
  | 'OVSDB_ERROR'
  | 'INTERNAL_ERROR'
  | 'PERMISSION_ERROR'
  | 'UNKNOWN_METHOD'
  | 'CANCELED' // the caller aborted the request (RFC 7047 4.1.4); the server's "canceled"
  | 'UNRECOGNIZED' // an error string this client does not know
  // Detected by the client itself, never sent by a server:
  | 'CONNECTION_CLOSED' // the session ended before the answer came
  | 'REQUEST_TIMEOUT' // no answer within the client's deadline
  | 'PROTOCOL' // the server sent a stream that is not valid JSON-RPC
  | 'MALFORMED_REPLY' // a reply whose shape does not fit the request (a transact answer that is not one result per operation)
  | 'INVALID_ARGUMENT' // the caller's request is malformed, or names a table, column or monitor that does not exist
  | 'ROW_NOT_FOUND' // a row the request needs is not in the replica
  | 'ROW_EXISTS' // a row the request would create is already in the replica
  | 'REALISATION_FAILED' // the daemon applying the database (ovs-vswitchd) reported it could not realise a row
  | 'TLS_CONFIG'; // the TLS key, certificate or CA given for an ssl: remote cannot be used

const BY_STRING: Record<string, OvsdbErrorCode> = {
  'referential integrity violation': 'REFERENTIAL_INTEGRITY_VIOLATION',
  'constraint violation': 'CONSTRAINT_VIOLATION',
  'resources exhausted': 'RESOURCES_EXHAUSTED',
  'I/O error': 'IO_ERROR',
  'duplicate uuid-name': 'DUPLICATE_UUID_NAME',
  'domain error': 'DOMAIN_ERROR',
  'range error': 'RANGE_ERROR',
  'timed out': 'TIMED_OUT',
  'not supported': 'NOT_SUPPORTED',
  aborted: 'ABORTED',
  'not owner': 'NOT_OWNER',
  'unknown database': 'UNKNOWN_DATABASE',
  'syntax error': 'SYNTAX_ERROR',
  'unknown column': 'UNKNOWN_COLUMN',
  'ovsdb error': 'OVSDB_ERROR',
  'internal error': 'INTERNAL_ERROR',
  'permission error': 'PERMISSION_ERROR',
  'unknown method': 'UNKNOWN_METHOD',
  canceled: 'CANCELED',
};

export class OvsdbError extends Error {
  constructor(
    readonly code: OvsdbErrorCode,
    message: string,
    /** The error string as the server sent it, when it came from the server. */
    readonly error?: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'OvsdbError';
  }
}

/**
 * The caller's AbortSignal fired before the answer came. The request was withdrawn with a
 * JSON-RPC `cancel`, so a transaction still waiting on the server never commits; one that
 * had already committed stays committed (the server cannot undo it).
 */
export class OvsdbCanceledError extends OvsdbError {
  constructor(
    readonly method: string,
    readonly requestId: number | undefined,
    /** The signal's reason, for callers that abort with one. */
    override readonly cause: unknown,
  ) {
    super('CANCELED', `${method} was canceled${requestId === undefined ? ' before it was sent' : ''}`);
    this.name = 'OvsdbCanceledError';
  }
}

/** The error of one operation of a transaction (or of its commit, opIndex = op count). */
export class TransactionError extends OvsdbError {
  constructor(
    code: OvsdbErrorCode,
    message: string,
    error: string,
    details: string | undefined,
    readonly opIndex: number,
    readonly operation: unknown,
  ) {
    super(code, message, error, details);
    this.name = 'TransactionError';
  }
}

export function codeOf(error: string): OvsdbErrorCode {
  return BY_STRING[error] ?? 'UNRECOGNIZED';
}

/** Turns a JSON-RPC or operation error object into an OvsdbError. */
export function errorFromJson(value: unknown, context = 'OVSDB request'): OvsdbError {
  if (typeof value === 'string') return new OvsdbError(codeOf(value), `${context} failed: ${value}`, value);
  if (typeof value === 'object' && value !== null) {
    const v = value as { error?: unknown; details?: unknown; syntax?: unknown };
    const error = typeof v.error === 'string' ? v.error : 'unknown error';
    const details = typeof v.details === 'string' ? v.details : undefined;
    const syntax = typeof v.syntax === 'string' ? ` in ${v.syntax}` : '';
    return new OvsdbError(
      codeOf(error),
      `${context} failed: ${error}${details ? `: ${details}` : ''}${syntax}`,
      error,
      details,
    );
  }
  return new OvsdbError('MALFORMED_REPLY', `${context} failed with a malformed error: ${JSON.stringify(value)}`);
}

/**
 * Checks a transact reply against the operations sent. The first failing operation carries
 * the error and later ones are null; a failed commit appends one extra element after the
 * operations (ovsdb/execution.c), so the whole array is scanned. A reply that passes holds
 * one result object per operation, with its members of the right shape.
 */
export function checkTransactResult(operations: readonly unknown[], results: unknown): OperationResult[] {
  if (!Array.isArray(results))
    throw new OvsdbError('MALFORMED_REPLY', `transact answered ${JSON.stringify(results)}, not an array`);
  results.forEach((result, index) => {
    if (
      typeof result === 'object' &&
      result !== null &&
      'error' in result &&
      (result as { error: unknown }).error !== null
    ) {
      const { error, details } = result as { error: unknown; details?: unknown };
      const text = typeof error === 'string' ? error : JSON.stringify(error);
      const detailText = typeof details === 'string' ? details : undefined;
      const which = index < operations.length ? `operation ${index} (${opName(operations[index])})` : 'commit';
      throw new TransactionError(
        codeOf(text),
        `transaction failed at ${which}: ${text}${detailText ? `: ${detailText}` : ''}`,
        text,
        detailText,
        index,
        operations[index],
      );
    }
  });
  if (results.length < operations.length) {
    throw new OvsdbError(
      'MALFORMED_REPLY',
      `transact answered ${results.length} results for ${operations.length} operations`,
    );
  }
  results.forEach((result, index) => {
    if (!isOperationResult(result))
      throw new OvsdbError('MALFORMED_REPLY', `transact answered ${JSON.stringify(result)} for operation ${index}`);
  });
  return results as OperationResult[];
}

function isOperationResult(value: unknown): value is OperationResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { uuid, rows, count } = value as Record<string, unknown>;
  return (
    (uuid === undefined || isUuidAtom(uuid)) &&
    (count === undefined || typeof count === 'number') &&
    (rows === undefined ||
      (Array.isArray(rows) && rows.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))))
  );
}

function opName(op: unknown): string {
  if (typeof op !== 'object' || op === null) return '?';
  const o = op as { op?: string; table?: string };
  return o.table ? `${o.op} ${o.table}` : String(o.op);
}
