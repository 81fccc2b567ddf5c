// The locks a client wants (RFC 7047 4.1.8-4.1.10) and whether it holds each one. The server
// forgets a session's locks when the connection ends, so after a reconnect the client asks
// for every lock here again - as OVS's own IDL does - instead of silently running unlocked.
import type { JsonValue } from '../protocol/jsonrpc';

export class LockBook {
  /** Lock name -> held right now (false: requested and waiting, or stolen). */
  private readonly wanted = new Map<string, boolean>();

  /** Records the answer to lock or steal: {"locked": true|false}. */
  requested(name: string, reply: JsonValue): void {
    const locked = typeof reply === 'object' && reply !== null && !Array.isArray(reply) && reply['locked'] === true;
    this.wanted.set(name, locked);
  }

  released(name: string): void {
    this.wanted.delete(name);
  }

  /** The server's "locked" and "stolen" notifications; other methods are ignored. */
  notified(method: string, params: readonly JsonValue[]): void {
    const name = params[0];
    if (typeof name !== 'string' || !this.wanted.has(name)) return;
    if (method === 'locked') this.wanted.set(name, true);
    else if (method === 'stolen') this.wanted.set(name, false);
  }

  /** The session ended: the server has released everything we held. */
  disconnected(): void {
    for (const name of this.wanted.keys()) this.wanted.set(name, false);
  }

  holds(name: string): boolean {
    return this.wanted.get(name) === true;
  }

  names(): string[] {
    return [...this.wanted.keys()];
  }
}
