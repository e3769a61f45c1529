import { once } from 'node:events';
import { Body, Controller, HttpCode, HttpException, Post, Req } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { App2WxappAuthenticator, App2WxappModule } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { WebSocket } from 'ws';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';

const POOL = 'pool-authenticator';
const SECRET = 'authenticator-secret-2d8c';

/** A login endpoint of the app's own, with no guard: the body's ticket goes straight to the authenticator. */
@Controller('session')
class SessionController {
  constructor(private readonly authenticator: App2WxappAuthenticator) {}

  @Post()
  @HttpCode(200)
  async create(@Body() body: { ticket?: unknown }, @Req() request: unknown) {
    return { user: await this.authenticator.authenticate(body?.ticket, request) };
  }
}

/** Logging in over a WebSocket: the answer is a `user` event, or an `error` event with the status of the table. */
@WebSocketGateway({ path: '/ws' })
class LoginGateway {
  constructor(private readonly authenticator: App2WxappAuthenticator) {}

  @SubscribeMessage('login')
  async login(@MessageBody() data: { ticket?: unknown }) {
    try {
      return { event: 'user', data: await this.authenticator.authenticate(data?.ticket) };
    } catch (err) {
      if (!(err instanceof HttpException)) throw err;
      return { event: 'error', data: { status: err.getStatus(), message: err.message } };
    }
  }
}

/** A real `ws` client that sends one message at a time and waits for its answer. */
class WsClient {
  private constructor(private readonly socket: WebSocket) {}

  static async connect(url: string): Promise<WsClient> {
    const socket = new WebSocket(url);
    await once(socket, 'open');
    return new WsClient(socket);
  }

  async send(event: string, data: unknown): Promise<{ event: string; data: any }> {
    const answer = once(this.socket, 'message');
    this.socket.send(JSON.stringify({ event, data }));
    const [raw] = await answer;
    return JSON.parse(String(raw));
  }

  async close(): Promise<void> {
    const closed = once(this.socket, 'close');
    this.socket.close();
    await closed;
  }
}

describe.each(ADAPTERS)('App2WxappAuthenticator.authenticate on %s', (adapter) => {
  let emulator: App2WxappEmulator;
  let running: RunningApp;
  let ws: WsClient;

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
    running = await startApp(
      adapter,
      [
        App2WxappModule.forRoot({
          userPoolId: POOL,
          secret: SECRET,
          host: emulator.url,
          circuitBreaker: false,
          // The request is handed over as given: the controller passes its HTTP request, the gateway none.
          validateUser: (profile, request: any) => ({ id: profile.id, device: request?.headers?.['x-device'] ?? null }),
        }),
      ],
      { controllers: [SessionController], providers: [LoginGateway] },
      (app) => app.useWebSocketAdapter(new WsAdapter(app)),
    );
    ws = await WsClient.connect(`${running.url.replace(/^http/, 'ws')}/ws`);
  });
  afterAll(async () => {
    await ws.close();
    await running.close();
    await emulator.close();
  });
  beforeEach(() => emulator.reset());

  describe('from a plain controller', () => {
    it('logs the body ticket in, with the request handed to validateUser; a replay is 401', async () => {
      const ticket = emulator.issueTicket({ unionid: 'oSession' });
      const res = await running.post('/session', { ticket }, { 'x-device': 'ios-17' });
      expect([res.status, res.body.user]).toEqual([200, { id: emulator.userId('oSession'), device: 'ios-17' }]);
      const replay = await running.post('/session', { ticket });
      expect([replay.status, replay.body.message]).toEqual([401, 'This ticket has already been used']);
      expect(emulator.requestCount).toBe(1);
    });

    it('keeps the statuses of the table: blocked 403, no ticket 401 without calling Authing, upstream 500 502', async () => {
      emulator.blockUser('oSessionBlocked');
      const blocked = await running.post('/session', { ticket: emulator.issueTicket({ unionid: 'oSessionBlocked' }) });
      expect([blocked.status, blocked.body.message]).toEqual([403, 'This user is blocked in Authing']);
      emulator.reset();
      const missing = await running.post('/session', {});
      expect([missing.status, missing.body.message, emulator.requestCount]).toEqual([401, 'No ticket was presented', 0]);
      emulator.failNext('http500');
      expect((await running.post('/session', { ticket: emulator.issueTicket() })).status).toBe(502);
    });
  });

  describe('from a WebSocket gateway (@nestjs/platform-ws, a real ws client)', () => {
    it('answers the user, then 401 in the error event when the ticket is presented again', async () => {
      const ticket = emulator.issueTicket({ unionid: 'oSocket', nickname: 'Socket' });
      expect(await ws.send('login', { ticket })).toEqual({ event: 'user', data: { id: emulator.userId('oSocket'), device: null } });
      expect(await ws.send('login', { ticket })).toEqual({ event: 'error', data: { status: 401, message: 'This ticket has already been used' } });
      expect(emulator.requestCount).toBe(1);
    });

    it('refuses a blocked user and a deleted one (403 in the error event)', async () => {
      emulator.blockUser('oSocketBlocked');
      emulator.deleteUser('oSocketDeleted');
      expect(await ws.send('login', { ticket: emulator.issueTicket({ unionid: 'oSocketBlocked' }) })).toEqual({
        event: 'error',
        data: { status: 403, message: 'This user is blocked in Authing' },
      });
      expect(await ws.send('login', { ticket: emulator.issueTicket({ unionid: 'oSocketDeleted' }) })).toEqual({
        event: 'error',
        data: { status: 403, message: 'This user has been deleted in Authing' },
      });
    });

    it('a message without a ticket: 401, and Authing is not called', async () => {
      expect(await ws.send('login', {})).toEqual({ event: 'error', data: { status: 401, message: 'No ticket was presented' } });
      expect(emulator.requestCount).toBe(0);
    });
  });
});
