// HTTP/1.1 on a unix socket, the way Docker talks to legacy plugins: POST /<Interface>.<Method>
// with a JSON body (no Content-Type, empty for argument-less calls), always answered with
// JSON. Error style, chosen once for every route:
//   - a known method that fails (bad JSON, missing field, controller refusal, bug) answers
//     HTTP 200 with the interface's error field, {"Err": ...} or IPAM's {"Error": ...}, so
//     Docker shows "remote: <message>";
//   - HTTP-level mistakes use a status code and the same field: 404 unknown method (Docker
//     treats 404 as "not implemented"), 405 not POST, 413 body too large.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { asRequest, isControllerError, type Logger } from '../../controller/api';
import { badRequest, describeError } from './errors';
import { isObject, type JsonObject } from './fields';
import { PLUGIN_CONTENT_TYPE } from './protocol';
import type { ErrorField, RouteTable } from './routes';
import { listenOnSocketFile, removeSocketFile } from './socket-file';

export interface PluginServerOptions {
  socketPath: string;
  routes: RouteTable;
  logger: Logger;
  /** Docker's largest bodies are a few KiB; anything far bigger is not Docker. */
  maxBodyBytes?: number;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class PluginServer {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly socketPath: string,
    private readonly http: Server,
    private readonly socketIno: number,
    private readonly logger: Logger,
    private readonly calls: { running: number },
  ) {}

  static async start(options: PluginServerOptions): Promise<PluginServer> {
    const maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
    const handler = new RequestHandler(options.routes, options.logger, maxBodyBytes);
    const calls = { running: 0 };
    const http = createServer((req, res) => {
      calls.running++;
      res.once('close', () => calls.running--);
      handler.serve(req, res).catch((error: unknown) => {
        options.logger.error({ err: error, url: req.url }, 'could not answer a plugin call');
        res.destroy();
      });
    });
    http.on('clientError', (error, socket) => {
      options.logger.warn({ err: error }, 'malformed HTTP from a plugin client');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    const ino = await listenOnSocketFile(http, options.socketPath);
    // For the server's whole life: an accept that fails (EMFILE when out of descriptors) is
    // an 'error' on the server, which would otherwise end the daemon. Node retries by itself.
    let lastWarned = -Infinity;
    http.on('error', (error) => {
      if (Date.now() - lastWarned < 1000) return; // one line a second while it lasts
      lastWarned = Date.now();
      options.logger.warn({ err: error, socket: options.socketPath }, 'plugin socket: accept failed');
    });
    return new PluginServer(options.socketPath, http, ino, options.logger, calls);
  }

  /** Stops accepting, lets running calls finish (up to `graceMs`), removes the socket. */
  close(graceMs = 5000): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    await removeSocketFile(this.socketPath, this.socketIno);
    const timer = setTimeout(() => {
      if (this.calls.running > 0)
        this.logger.warn({ running: this.calls.running }, 'closing the plugin socket with calls still running');
      this.http.closeAllConnections();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }
}

class RequestHandler {
  constructor(
    private readonly routes: RouteTable,
    private readonly logger: Logger,
    private readonly maxBodyBytes: number,
  ) {}

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const method = methodOf(req.url);
    const route = this.routes.get(method);
    const errorField: ErrorField = route?.errorField ?? (method.startsWith('IpamDriver.') ? 'Error' : 'Err');
    let status = 200;
    let answer: object;
    try {
      if (route === undefined) throw new HttpProblem(404, `ovsnet: unknown plugin method "${method}"`);
      if (req.method !== 'POST')
        throw new HttpProblem(405, `ovsnet: ${method} must be called with POST, not ${req.method}`);
      const text = await this.readBody(req);
      const body = parseBody(text, method);
      this.logger.trace({ method, body }, 'plugin call received');
      try {
        answer = await asRequest(async () => route.handle(body));
      } catch (error) {
        throw text.trim() === '' && isControllerError(error, 'INVALID_ARGUMENT') ? emptyBodyError(method) : error;
      }
    } catch (error) {
      if (error instanceof HttpProblem) {
        status = error.status;
        answer = { [errorField]: error.message };
        this.logger.warn({ method, status }, error.message);
      } else {
        const wire = describeError(error, method);
        answer = { [errorField]: wire.message };
        if (wire.expected) this.logger.info({ method, reason: wire.message }, 'plugin call refused');
        else this.logger.error({ method, err: error }, 'plugin call failed unexpectedly');
      }
    }
    const text = JSON.stringify(answer);
    res.writeHead(status, {
      'Content-Type': PLUGIN_CONTENT_TYPE,
      'Content-Length': Buffer.byteLength(text),
      ...(status === 405 ? { Allow: 'POST' } : {}),
    });
    res.end(text);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    this.logger.debug(
      { method, status, ms, ...(this.logger.isLevelEnabled('trace') ? { answer } : {}) },
      'plugin call',
    );
  }

  private readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxBodyBytes) {
          req.removeAllListeners('data');
          req.resume();
          reject(new HttpProblem(413, `ovsnet: request body larger than ${this.maxBodyBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.once('error', reject);
      req.once('close', () => {
        if (!req.complete) reject(new HttpProblem(400, 'ovsnet: the client went away before sending the whole body'));
      });
    });
  }
}

/**
 * Docker's plugin client retries a call whose connection broke (ovsnet restarting) with the
 * request body already consumed, so the retry arrives empty. Nothing can be done with it;
 * say why instead of naming the first missing field.
 */
function emptyBodyError(method: string): Error {
  return badRequest(
    `${method} arrived with an empty body: Docker resent a call that an ovsnet restart interrupted without its arguments; run the command again`,
  );
}

/** Whatever the Content-Type: empty and `null` mean {}, anything else must be an object. */
function parseBody(text: string, method: string): JsonObject {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`the body of ${method} is not valid JSON (${(error as Error).message})`);
  }
  if (value === null) return {};
  if (!isObject(value)) throw badRequest(`the body of ${method} must be a JSON object`);
  return value;
}

/** "/NetworkDriver.Join?x" -> "NetworkDriver.Join"; undecodable paths match no route. */
function methodOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  try {
    return decodeURIComponent(path).replace(/^\/+/, '');
  } catch {
    return path.replace(/^\/+/, '');
  }
}
