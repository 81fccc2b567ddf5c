// The observability listener: /metrics (Prometheus text format), and with the page on, the
// live page at / and the JSON it polls at /api/overview. Read-only: GET and HEAD only,
// nothing served changes state. One listener serves what both --metrics and --http ask
// for when they name the same address.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../../log';
import { listenText, type ListenAddress } from './listen';

export interface ObserveRoutes {
  /** The body in pieces: prom-client's text and the per-endpoint families' bytes (series-text.ts). */
  metrics: () => Promise<{ contentType: string; body: ReadonlyArray<string | Buffer> }>;
  /** Absent: only /metrics is served here. */
  page?: { html: () => string; overview: () => Promise<unknown> };
}

export interface ObserveServer {
  /** The address it listens on (the port the kernel chose for port 0). */
  address: ListenAddress;
  /** It serves the live page too. */
  page: boolean;
  close(): Promise<void>;
}

async function answer(req: IncomingMessage, res: ServerResponse, routes: ObserveRoutes): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('read-only: GET only\n');
    return;
  }
  const send = (type: string, text: string | ReadonlyArray<string | Buffer>): void => {
    // The pieces go to the socket as they are, in one write of many (text encoded by the
    // socket itself): copying them into one buffer first would cost a scrape of thousands
    // of endpoints a large object.
    const pieces = typeof text === 'string' ? [text] : text;
    res.writeHead(200, {
      'Content-Type': type,
      'Cache-Control': 'no-store',
      'Content-Length': pieces.reduce((sum, piece) => sum + Buffer.byteLength(piece, 'utf8'), 0),
    });
    if (req.method !== 'HEAD') {
      res.cork();
      for (const piece of pieces) res.write(piece, 'utf8');
      res.uncork();
    }
    res.end();
  };
  if (path === '/metrics') {
    const { contentType, body } = await routes.metrics();
    send(contentType, body);
  } else if (routes.page && (path === '/' || path === '/index.html')) {
    send('text/html; charset=utf-8', routes.page.html());
  } else if (routes.page && path === '/api/overview') {
    send('application/json', JSON.stringify(await routes.page.overview()));
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  }
}

export async function startObserveServer(
  at: ListenAddress,
  routes: ObserveRoutes,
  logger: Logger,
): Promise<ObserveServer> {
  const server: Server = createServer((req, res) => {
    answer(req, res, routes).catch((error: unknown) => {
      logger.warn({ err: error, url: req.url }, 'observability request failed');
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`error: ${(error as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  const bound = server.address();
  const address = typeof bound === 'object' && bound !== null ? { host: at.host, port: bound.port } : at;
  logger.info({ listen: listenText(address), page: routes.page !== undefined }, 'observability listener is serving');
  return {
    address,
    page: routes.page !== undefined,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
