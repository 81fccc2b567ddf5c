// One client connection to the control socket: lines in, answers out. A client cannot
// make the daemon hold unbounded work or memory for it: at most `maxInFlight` requests run
// at once (reading stops until one finishes), a reply the client does not read stops
// reading too (until the socket drains), a request line is at most MAX_LINE_BYTES, and a
// connection with nothing running that stays silent for `idleTimeoutMs` is closed. Each call
// runs as one request (store/request-scope.ts): its store calls share one bound.
import type { Socket } from 'node:net';
import { ControllerError } from '../errors';
import { asRequest } from '../store/request-scope';
import type { Logger } from '../log';
import { LineSplitter, MAX_LINE_BYTES, type ControlRequest, type ControlResponse } from './protocol';

/** A handler as the dispatcher calls it: parameters straight from the wire. */
export type WireHandler = (params: unknown) => Promise<unknown>;

export interface ConnectionLimits {
  /** Requests of one connection running at once (default 32). */
  maxInFlight?: number;
  /** Close a connection silent this long with nothing running (default 10 minutes). */
  idleTimeoutMs?: number;
}

/** Told of every answered call: its method, how long it took, whether it failed (for metrics). */
export type CallObserver = (method: string, seconds: number, failed: boolean) => void;

export function serveConnection(
  socket: Socket,
  methods: Readonly<Record<string, WireHandler>>,
  logger: Logger,
  limits: ConnectionLimits & { onCall?: CallObserver } = {},
): void {
  const maxInFlight = limits.maxInFlight ?? 32;
  const splitter = new LineSplitter();
  let inFlight = 0;
  let draining = false;
  /** Lines read but not started, held while the connection is at its cap. */
  const queued: string[] = [];
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  socket.setTimeout(limits.idleTimeoutMs ?? 10 * 60_000);
  socket.on('timeout', () => {
    if (inFlight === 0 && queued.length === 0) socket.destroy();
  });

  const reply = (response: ControlResponse): void => {
    if (socket.destroyed) return;
    if (!socket.write(`${JSON.stringify(response)}\n`) && !draining) {
      draining = true;
      socket.once('drain', () => {
        draining = false;
        pump();
      });
    }
  };
  /** Starts what is queued while under the cap; reads on only when nothing waits. */
  const pump = (): void => {
    while (queued.length > 0 && inFlight < maxInFlight && !draining) {
      inFlight++;
      void answer(queued.shift() as string, methods, logger, reply, limits.onCall).finally(() => {
        inFlight--;
        pump();
      });
    }
    if (queued.length === 0 && !draining) socket.resume();
    else socket.pause();
  };
  let refused = false;
  socket.on('data', (chunk: string) => {
    if (refused) return;
    queued.push(...splitter.push(chunk));
    if (splitter.pending > MAX_LINE_BYTES) {
      refused = true;
      queued.length = 0;
      const refusal: ControlResponse = {
        id: 0,
        error: { code: 'BAD_REQUEST', message: `request line longer than ${MAX_LINE_BYTES} bytes` },
      };
      // Closed once the refusal is out: the rest of the line is never read.
      socket.write(`${JSON.stringify(refusal)}\n`, () => socket.destroy());
      setTimeout(() => socket.destroy(), 5_000).unref(); // a client that reads nothing gets no refusal either
      return;
    }
    pump();
  });
}

async function answer(
  line: string,
  methods: Readonly<Record<string, WireHandler>>,
  logger: Logger,
  reply: (response: ControlResponse) => void,
  onCall?: CallObserver,
): Promise<void> {
  let request: ControlRequest;
  try {
    request = JSON.parse(line) as ControlRequest;
    if (
      typeof request !== 'object' ||
      request === null ||
      typeof request.method !== 'string' ||
      typeof request.id !== 'number'
    ) {
      throw new Error('expected {"id": number, "method": string, "params": ...}');
    }
    if (request.startedAt !== undefined && !Number.isFinite(request.startedAt))
      throw new Error('"startedAt" must be a time in milliseconds since the epoch');
  } catch (error) {
    reply({ id: 0, error: { code: 'BAD_REQUEST', message: `malformed request: ${(error as Error).message}` } });
    return;
  }
  const method = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
  if (!method) {
    reply({ id: request.id, error: { code: 'METHOD_NOT_FOUND', message: `unknown method "${request.method}"` } });
    return;
  }
  const started = process.hrtime.bigint();
  const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    reply({
      id: request.id,
      result: (await asRequest(async () => method(request.params ?? {}), request.startedAt)) ?? null,
    });
    onCall?.(request.method, seconds(), false);
  } catch (error) {
    onCall?.(request.method, seconds(), true);
    if (error instanceof ControllerError) {
      reply({ id: request.id, error: { code: error.code, message: error.message } });
    } else {
      logger.error({ err: error, method: request.method }, 'control method failed');
      reply({
        id: request.id,
        error: { code: 'INTERNAL', message: `internal error in ${request.method}: ${(error as Error).message}` },
      });
    }
  }
}
