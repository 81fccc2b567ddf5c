// OVSDB frames nothing: messages are JSON texts written back to back (RFC 7047 section 4).
// This splitter finds where each top-level value ends by scanning every byte exactly once,
// tracking nesting depth and whether it is inside a string (where braces do not count).
// It works on bytes, so a multi-byte UTF-8 character split across chunks is reassembled
// intact, and a large message arriving in many chunks is copied only once, when complete.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export class JsonFramingError extends Error {
  readonly code = 'OVSDB_FRAMING' as const;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

export class JsonStreamSplitter {
  /** Pieces of the message in progress, from its first byte. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxMessageBytes = 512 * 1024 * 1024) {}

  /** Feeds bytes; returns the complete JSON texts they finished, in order. */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    let segmentStart = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
        continue;
      }
      if (this.depth === 0) {
        if (isWhitespace(byte)) continue;
        if (byte !== OPEN_BRACE && byte !== OPEN_BRACKET) {
          this.reset();
          throw new JsonFramingError(
            `expected a JSON object or array, found byte 0x${byte.toString(16).padStart(2, '0')}`,
          );
        }
        segmentStart = i;
      }
      if (byte === QUOTE) this.inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          const tail = chunk.subarray(segmentStart, i + 1);
          const whole =
            this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail], this.pendingLength + tail.length);
          out.push(whole.toString('utf8'));
          this.pending = [];
          this.pendingLength = 0;
          segmentStart = -1;
        }
      }
    }
    if (this.depth > 0 && segmentStart >= 0) {
      const piece = chunk.subarray(segmentStart);
      this.pending.push(piece);
      this.pendingLength += piece.length;
      if (this.pendingLength > this.maxMessageBytes) {
        this.reset();
        throw new JsonFramingError(`a message exceeded ${this.maxMessageBytes} bytes without ending`);
      }
    }
    return out;
  }

  /** Bytes held for an unfinished message. */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  reset(): void {
    this.pending = [];
    this.pendingLength = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }
}
