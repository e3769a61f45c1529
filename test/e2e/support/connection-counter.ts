import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP relay in front of an upstream (an emulator): it counts the connections open through it, so that a test sees
 * when the module closes its keep-alive connections. Bytes pass unchanged.
 */
export class ConnectionCounter {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(upstreamUrl: string): Promise<ConnectionCounter> {
    const target = new URL(upstreamUrl);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const counter = new ConnectionCounter(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('connection', (client) => {
      const upstream = connect(Number(target.port), target.hostname);
      counter.sockets.add(client);
      const end = () => {
        counter.sockets.delete(client);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
      client.pipe(upstream).pipe(client);
    });
    return counter;
  }

  /** Connections open through the relay now. */
  get open(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `condition` until it holds, or fails after `withinMs` (a bound against hanging, not a measurement). */
export async function eventually(condition: () => boolean, withinMs = 5000): Promise<void> {
  const until = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
