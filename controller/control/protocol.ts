// The control socket protocol between the `ovsnet` CLI and the daemon: one JSON object per
// line in each direction. Requests {id, method, params}; answers {id, result} or
// {id, error: {code, message}} with the ControllerError codes. Which methods there are, with
// their params and results, is declared once in contract.ts.
import type { ControllerErrorCode } from '../errors';

export interface ControlRequest {
  id: number;
  method: string;
  params?: unknown;
}

export type ControlResponse =
  | { id: number; result: unknown }
  | { id: number; error: { code: ControllerErrorCode | 'METHOD_NOT_FOUND' | 'BAD_REQUEST'; message: string } };

/** Splits a byte stream into complete lines; keeps the partial tail for the next chunk. */
export class LineSplitter {
  private tail = '';
  push(chunk: string): string[] {
    const text = this.tail + chunk;
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    return lines.filter((line) => line.trim() !== '');
  }
  get pending(): number {
    return this.tail.length;
  }
}

/** Refuse to buffer more than this for one request line. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
