import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keepAliveAgent } from '../../lib/client/keep-alive.agent';

describe('keepAliveAgent', () => {
  let server: Server;
  let closed = 0;
  let opened = 0;

  beforeAll(async () => {
    // The server keeps connections far longer than the agent: only the agent can close them.
    server = createServer((_req, res) => res.end('ok'));
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      opened++;
      socket.on('close', () => closed++);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (agent: import('node:http').Agent) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });

  it('reuses a connection while it is busy, and closes it once it has been idle for idleMs', async () => {
    const { agent, destroy } = keepAliveAgent(false, 200);
    try {
      await get(agent);
      await get(agent);
      expect(opened).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(closed).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(closed).toBe(1);
      await get(agent);
      expect(opened).toBe(2);
    } finally {
      destroy();
    }
  });
});
