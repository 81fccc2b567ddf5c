// Splits a byte stream into OpenFlow messages by the 16-bit length of each 8-byte header.
// Split-safe at any byte; a header announcing fewer than 8 bytes is a framing error
// (the stream cannot be resynchronised after it).
import { OFP_HEADER_LEN } from './constants';
import { OfpDecodeError } from './buffer';

export class OfpFramer {
  private chunks: Buffer[] = [];
  private length = 0;

  /** Returns complete messages, or an error value when the stream is corrupt. */
  push(chunk: Buffer): Buffer[] | OfpDecodeError {
    this.chunks.push(chunk);
    this.length += chunk.length;
    const out: Buffer[] = [];
    while (this.length >= OFP_HEADER_LEN) {
      const head = this.peek(OFP_HEADER_LEN);
      const messageLength = head.readUInt16BE(2);
      if (messageLength < OFP_HEADER_LEN)
        return new OfpDecodeError(
          `message header announces ${messageLength} bytes, less than the 8-byte header`,
          'bad_length',
        );
      if (this.length < messageLength) break;
      out.push(this.take(messageLength));
    }
    return out;
  }

  private peek(n: number): Buffer {
    if ((this.chunks[0] as Buffer).length >= n) return (this.chunks[0] as Buffer).subarray(0, n);
    const all = Buffer.concat(this.chunks, this.length);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    let taken: Buffer;
    if (first.length >= n) {
      taken = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks, this.length);
      taken = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.length -= n;
    return taken;
  }

  get pendingBytes(): number {
    return this.length;
  }
}
