// The control socket protocol between the `ovsnet` CLI and the daemon: one JSON object per
// line in each direction. Requests {id, method, params}; answers {id, result} or
// {id, error: {code, message}} with the ControllerError codes. Which methods there are, with
// their params and results, is declared once in contract.ts.
import type { ControllerErrorCode } from '../errors';

export interface ControlRequest {
  id: number;
  method: string;
  params?: unknown;
  /**
   * When the caller's command began (epoch ms), if before the request was sent: the daemon
   * counts the cluster store's bound from then (store/request-scope.ts), so a command that
   * must fail within seconds when etcd is down does not add its own start-up to the bound.
   */
  startedAt?: number;
}

export type ControlResponse =
  | { id: number; result: unknown }
  | { id: number; error: { code: ControllerErrorCode | 'METHOD_NOT_FOUND' | 'BAD_REQUEST'; message: string } };

/**
 * Splits a byte stream into complete lines; keeps the partial tail for the next chunk. Each
 * chunk is scanned once and a partial line is kept as pieces, so a long line costs its
 * length, not its length squared (the 4 MiB cap is reached in milliseconds).
 */
export class LineSplitter {
  private parts: string[] = [];
  private size = 0;
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      this.parts.push(chunk.slice(start, nl));
      const line = this.parts.join('');
      this.parts = [];
      this.size = 0;
      if (line.trim() !== '') lines.push(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.parts.push(start === 0 ? chunk : chunk.slice(start));
      this.size += chunk.length - start;
    }
    return lines;
  }
  get pending(): number {
    return this.size;
  }
}

/** Refuse to buffer more than this for one request line. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
