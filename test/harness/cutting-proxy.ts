// A TCP relay on loopback in front of a server, for losing a request or its answer on
// purpose: it can drop what flows one way, then cut every connection, as a link that
// fails mid-call does. Closed at the end of the test.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

/** What the relay passes on: everything, or all but the answers, or all but the requests. */
export type RelayMode = 'pass' | 'lose-answers' | 'lose-requests';

export class CuttingProxy {
  mode: RelayMode = 'pass';
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(t: TestContext, target: { host: string; port: number }): Promise<CuttingProxy> {
    // Connections are relayed once the proxy exists; none can arrive before it listens.
    const relays: Array<(client: Socket) => void> = [];
    const server = createServer((client) => relays[0]?.(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const proxy = new CuttingProxy(server, typeof address === 'object' && address ? address.port : 0);
    relays.push((client) => proxy.relay(client, target));
    t.after(() => proxy.close());
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Ends every connection now, as a failed link would. */
  cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  close(): Promise<void> {
    this.cutAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, target: { host: string; port: number }): void {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (this.mode !== 'lose-requests') upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.mode !== 'lose-answers') client.write(chunk);
    });
  }
}
