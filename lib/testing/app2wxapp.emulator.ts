import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AppLaunchEmulator, type AppLaunchCodes, appLaunchRoute, type EmulatedAppOptions } from './app-launch.emulator-app';
import { avatarSvg } from './emulated-avatar';
import { authingUser, type EmulatedPerson, type EmulatedWechatUser, newPerson, signJwt } from './emulated-user.factory';
import { handleControl } from './emulator-control';
import {
  decodeSegment,
  EmulatorClock,
  type EmulatorFault,
  type EmulatorFaultTarget,
  FAULT_TARGETS,
  parseFault,
  parseJson,
  readBody,
  send,
  serveFault,
  sleep,
} from './emulator-http';

export type EmulatorResponseShape = 'string' | 'object' | 'bare';
export type { EmulatorFault, EmulatorFaultTarget } from './emulator-http';

/** One user pool the emulator answers for. */
export interface EmulatedPoolOptions {
  userPoolId: string;
  /** The pool secret the emulator expects in the body. */
  secret?: string;
  /** Refuse exchanges without the right secret. Default: true when `secret` is given. */
  requireSecret?: boolean;
  /** Ticket lifetime. Default: the emulator's `ticketTtlMs`. */
  ticketTtlMs?: number;
}

export interface App2WxappEmulatorOptions {
  /** The first pool, the default of every method that takes `{ userPoolId }`. */
  userPoolId: string;
  /** The pool secret the emulator expects in the body. */
  secret?: string;
  /** More pools, each with its own id and secret. `addPool()` adds them later. */
  pools?: EmulatedPoolOptions[];
  /** Apps of the v3 app-launch flow (`emulator.appLaunch`). `addApp()` adds them later. */
  apps?: EmulatedAppOptions[];
  /** Default 0: a free port. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  bindAddress?: string;
  /** `string` (default): `data` is a JSON string, as the official iOS demo parses; `object`; `bare`: the user alone. */
  responseShape?: EmulatorResponseShape;
  /** Refuse exchanges without the right secret. Default: true when `secret` is given. */
  requireSecret?: boolean;
  /** Ticket lifetime. Default 120000 ms, Authing's default. */
  ticketTtlMs?: number;
  /** Delay before every answer, for slow-upstream tests and benchmarks. Default 0. */
  latencyMs?: number;
  /** How many recent requests `requests` keeps. Default 1000. */
  maxRecordedRequests?: number;
  /**
   * How long an idle keep-alive connection stays open. Default 5000 ms, Node's default. A client that reuses a
   * connection just as the server closes it gets ECONNRESET; benchmarks set this above their pauses.
   */
  keepAliveTimeoutMs?: number;
  /**
   * Models a load balancer that drops idle upstream connections without a `Keep-Alive: timeout=` hint: a request
   * that arrives on a connection idle for this long or more is answered by resetting the connection, unread.
   * Default: off.
   */
  resetIdleConnectionsAfterMs?: number;
  /**
   * Serve the control API and its page under `/__emulator/` (see docs/testing.md). It mints logins for anyone who asks,
   * so the default is on only when bound to a loopback address.
   */
  controlApi?: boolean;
}

export interface EmulatorRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  receivedAt: Date;
}

/** Selects one of the emulator's pools; the first pool when absent. */
export interface PoolSelector {
  userPoolId?: string;
}

interface PoolRecord {
  userPoolId: string;
  secret: string | undefined;
  requireSecret: boolean;
  ticketTtlMs: number;
  persons: Map<string, EmulatedPerson>;
  /** Signs the `token` of its users: the pool secret at start (as Authing does), a random key without one. */
  tokenKey: string;
}

interface TicketRecord {
  userPoolId: string;
  unionid: string;
  phone: string | null;
  expiresAt: number;
  used: boolean;
}

interface QueuedFault {
  fault: EmulatorFault;
  on: EmulatorFaultTarget;
}

const IDLE_SINCE = Symbol('idleSince');
const EXCHANGE_PATH = /^\/oauth\/app2wxapp\/auth\/([^/?#]+)\/?$/;
const AVATAR_PATH = /^\/avatars\/([0-9a-f]{24})\.svg$/;
const CONTROL_PREFIX = '/__emulator';
/** Expired tickets are kept this long, so that using one answers "expired" (2206) rather than "invalid" (2207). */
const EXPIRED_TICKET_GRACE_MS = 10 * 60_000;

/**
 * An in-process HTTP server that implements Authing's app2wxapp exchange faithfully (docs/testing.md, "The ticket
 * exchange"): single-use tickets that expire, blocked users, all three answer shapes, injectable faults, several
 * user pools, and a clock tests can move. It also serves the v3 app-launch flow (`emulator.appLaunch`), a control API
 * and page under `/__emulator/`, and the avatars it hands out (`GET /avatars/<id>.svg`), so a page that shows them
 * works offline. Avatars, the control API and the page are not exchanges: they are not recorded, counted, delayed or
 * faulted. Point the module's `host` option at `emulator.url`.
 */
export class App2WxappEmulator {
  private readonly pools = new Map<string, PoolRecord>();
  private readonly tickets = new Map<string, TicketRecord>();
  private readonly personsById = new Map<string, EmulatedPerson>();
  private readonly faults: QueuedFault[] = [];
  private readonly recorded: EmulatorRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly ticketKey = randomBytes(32);
  private readonly clock = new EmulatorClock();
  /** The v3 app-launch flow on the same port: apps, WeChat codes, signin-by-mobile, get-profile, JWKS. */
  readonly appLaunch: AppLaunchEmulator;
  /** Whether `/__emulator/` (control API and page) is served. */
  readonly controlApiEnabled: boolean;
  private count = 0;
  private staleResets = 0;
  private shape: EmulatorResponseShape;
  private latency: number;

  private constructor(
    private readonly server: Server,
    private readonly options: App2WxappEmulatorOptions,
    readonly url: string,
  ) {
    this.shape = options.responseShape ?? 'string';
    this.latency = options.latencyMs ?? 0;
    this.appLaunch = new AppLaunchEmulator(this.clock, url);
    this.controlApiEnabled = options.controlApi ?? isLoopback(options.bindAddress ?? '127.0.0.1');
  }

  static async start(options: App2WxappEmulatorOptions): Promise<App2WxappEmulator> {
    if (typeof options?.userPoolId !== 'string' || !options.userPoolId) {
      throw new TypeError('App2WxappEmulator.start: userPoolId must be a non-empty string');
    }
    const server = createServer();
    if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
    const bind = options.bindAddress ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, bind, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const host = bind.includes(':') ? `[${bind}]` : bind;
    const emulator = new App2WxappEmulator(server, options, `http://${host}:${port}`);
    try {
      emulator.addPool({ userPoolId: options.userPoolId, secret: options.secret, requireSecret: options.requireSecret });
      for (const pool of options.pools ?? []) emulator.addPool(pool);
      for (const app of options.apps ?? []) emulator.addApp(app);
    } catch (error) {
      await new Promise((resolve) => server.close(resolve));
      throw error;
    }
    server.on('connection', (socket) => {
      emulator.sockets.add(socket);
      socket.once('close', () => emulator.sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      // Whatever goes wrong while answering one request ends that request, never the process.
      emulator.handle(req, res).catch(() => {
        if (!res.headersSent) send(res, 500, { code: 500, message: 'Emulator error' });
        else res.destroy();
      });
    });
    // Malformed request lines and headers (including oversized ones) get Node's status, then the connection ends.
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    });
    return emulator;
  }

  /** The first pool's id. */
  get userPoolId(): string {
    return this.options.userPoolId;
  }

  /** Every pool's id, the first pool first. */
  get userPoolIds(): string[] {
    return [...this.pools.keys()];
  }

  /** Requests received, most recent last (bounded by `maxRecordedRequests`). */
  get requests(): readonly EmulatorRequest[] {
    return this.recorded;
  }

  /** Connections reset by `resetIdleConnectionsAfterMs` since start or `reset()`. */
  get staleConnectionResets(): number {
    return this.staleResets;
  }

  /** Every request received since start or `reset()`, including those no longer recorded. */
  get requestCount(): number {
    return this.count;
  }

  /** The emulator's time (ms since the epoch): the real time plus what `advanceClock` added. */
  now(): number {
    return this.clock.now();
  }

  /** How far `advanceClock` has moved the emulator's clock ahead of real time, in ms. */
  get clockOffsetMs(): number {
    return this.clock.offsetMs;
  }

  /**
   * Moves the emulator's clock forward (tickets, WeChat codes and v3 tokens expire by it; tokens it signs carry it in
   * `iat`/`exp`). `reset()` moves it back to real time.
   */
  advanceClock(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new TypeError('advanceClock: ms must be a finite number >= 0');
    this.clock.advance(ms);
  }

  /**
   * Adds a user pool with its own id and secret. A ticket is only valid at the pool that issued it. The token of its
   * users is signed with the secret given here, as Authing does, and keeps that key if the secret is rotated.
   */
  addPool(pool: EmulatedPoolOptions): void {
    if (pool === null || typeof pool !== 'object') throw new TypeError('App2WxappEmulator.addPool: pool must be an object');
    if (typeof pool.userPoolId !== 'string' || !pool.userPoolId)
      throw new TypeError('App2WxappEmulator.addPool: userPoolId must be a non-empty string');
    if (this.pools.has(pool.userPoolId)) throw new TypeError('App2WxappEmulator.addPool: a pool with this userPoolId exists already');
    if (pool.secret !== undefined && (typeof pool.secret !== 'string' || pool.secret === ''))
      throw new TypeError('App2WxappEmulator.addPool: secret must be a non-empty string');
    const ttl = pool.ticketTtlMs ?? this.options.ticketTtlMs ?? 120_000;
    if (!Number.isFinite(ttl) || ttl <= 0) throw new TypeError('App2WxappEmulator.addPool: ticketTtlMs must be a positive number');
    this.pools.set(pool.userPoolId, {
      userPoolId: pool.userPoolId,
      secret: pool.secret,
      requireSecret: pool.requireSecret ?? pool.secret !== undefined,
      ticketTtlMs: ttl,
      persons: new Map(),
      tokenKey: pool.secret ?? randomBytes(16).toString('hex'),
    });
  }

  /**
   * Rotates a pool's secret, as a pool admin does in the console: from now on the old secret is answered with
   * Authing's 2003 (用户池密钥错误). Tickets issued before stay valid.
   */
  rotateSecret(userPoolId: string, secret: string): void {
    if (typeof secret !== 'string' || secret === '') throw new TypeError('rotateSecret: secret must be a non-empty string');
    const pool = this.pool({ userPoolId });
    pool.secret = secret;
    pool.requireSecret = true;
  }

  /** Adds an app of the v3 app-launch flow (see `appLaunch`). */
  addApp(app: EmulatedAppOptions): void {
    this.appLaunch.addApp(app);
  }

  /** The `wx.login` and `getPhoneNumber` codes the customer's mini program hands the app (v3 app-launch flow). */
  issueCodes(user: EmulatedWechatUser = {}, options: { appId?: string } = {}): AppLaunchCodes {
    return this.appLaunch.issueCodes(user, options);
  }

  /**
   * What the mini program would hand the app after the person authorised: a JWT-shaped, single-use ticket that
   * expires after the pool's `ticketTtlMs` and is valid at that pool only. A new person is created unless
   * `user.unionid` names a known one (in that pool).
   */
  issueTicket(user: EmulatedWechatUser = {}, selector: PoolSelector = {}): string {
    const pool = this.pool(selector);
    const person = this.person(user, pool);
    const now = this.clock.now();
    const ticket = signJwt(
      { jti: randomUUID(), sub: person.id, iat: Math.floor(now / 1000), exp: Math.ceil((now + pool.ticketTtlMs) / 1000) },
      this.ticketKey,
    );
    this.pruneTickets(now);
    this.tickets.set(ticket, {
      userPoolId: pool.userPoolId,
      unionid: person.unionid,
      phone: user.phone ?? null,
      expiresAt: now + pool.ticketTtlMs,
      used: false,
    });
    return ticket;
  }

  /** The `extMsg` the mini program returns to the app: success with a new ticket, or the user's cancellation. */
  issueExtMsg(user: EmulatedWechatUser = {}, outcome: 'success' | 'cancel' = 'success', selector: PoolSelector = {}): string {
    if (outcome === 'cancel') return `code=400&message=${encodeURIComponent('用户取消授权')}`;
    return `code=200&message=${encodeURIComponent('授权成功')}&ticket=${this.issueTicket(user, selector)}`;
  }

  /** Expires a ticket now: exchanging it answers Authing's 2206. False when the emulator never issued it. */
  expireTicket(ticket: string): boolean {
    const record = this.tickets.get(ticket);
    if (!record) return false;
    record.expiresAt = Math.min(record.expiresAt, this.clock.now());
    return true;
  }

  /** The Authing user id (`_id`) of a person, creating the person if new. */
  userId(unionid: string, selector: PoolSelector = {}): string {
    return this.person({ unionid }, this.pool(selector)).id;
  }

  blockUser(unionid: string, blocked = true, selector: PoolSelector = {}): void {
    this.person({ unionid }, this.pool(selector)).blocked = blocked;
  }

  deleteUser(unionid: string, deleted = true, selector: PoolSelector = {}): void {
    this.person({ unionid }, this.pool(selector)).deleted = deleted;
  }

  /**
   * Serves `fault` instead of the next `times` answers: of any upstream route, or only of the one named by `on`
   * (`exchange`, `signin`, `profile`, `jwks`).
   */
  failNext(fault: EmulatorFault, times = 1, { on = 'any' }: { on?: EmulatorFaultTarget } = {}): void {
    const parsed = parseFault(fault);
    if ('error' in parsed) throw new TypeError(`failNext: ${parsed.error}`);
    if (!FAULT_TARGETS.includes(on)) throw new TypeError(`failNext: on must be one of ${FAULT_TARGETS.join(', ')}`);
    if (!Number.isSafeInteger(times) || times < 0) throw new TypeError('failNext: times must be an integer >= 0');
    for (let i = 0; i < times; i++) this.faults.push({ fault: parsed.fault, on });
  }

  /** How many faults are still queued. */
  get pendingFaults(): number {
    return this.faults.length;
  }

  setLatency(ms: number): void {
    this.latency = ms;
  }

  setResponseShape(shape: EmulatorResponseShape): void {
    this.shape = shape;
  }

  /** Forgets queued faults and recorded requests, and sets the clock back to real time; tickets and persons stay. */
  reset(): void {
    this.faults.length = 0;
    this.recorded.length = 0;
    this.count = 0;
    this.staleResets = 0;
    this.latency = this.options.latencyMs ?? 0;
    this.shape = this.options.responseShape ?? 'string';
    this.clock.reset();
  }

  /** Stops listening and cuts every open connection, hanging ones included. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Each pool's id and whether it checks a secret (never the secret). */
  describePools(): Array<{ userPoolId: string; requireSecret: boolean }> {
    return [...this.pools.values()].map(({ userPoolId, requireSecret }) => ({ userPoolId, requireSecret }));
  }

  hasPool(userPoolId: string): boolean {
    return this.pools.has(userPoolId);
  }

  /** Forgets every queued fault. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  private pool({ userPoolId }: PoolSelector): PoolRecord {
    const pool = this.pools.get(userPoolId ?? this.options.userPoolId);
    if (!pool) throw new TypeError('no user pool with this userPoolId in the emulator; add it with addPool()');
    return pool;
  }

  private person(user: EmulatedWechatUser, pool: PoolRecord): EmulatedPerson {
    const known = user.unionid === undefined ? undefined : pool.persons.get(user.unionid);
    if (known) {
      if (user.nickname !== undefined) known.nickname = user.nickname;
      if (user.avatarUrl !== undefined) known.avatarUrl = user.avatarUrl;
      return known;
    }
    const person = newPerson(pool.userPoolId, user, this.url);
    pool.persons.set(person.unionid, person);
    this.personsById.set(person.id, person);
    return person;
  }

  /** Tickets are mostly inserted in expiry order, so long-expired ones sit at the head. */
  private pruneTickets(now: number): void {
    for (const [ticket, record] of this.tickets) {
      if (record.expiresAt + EXPIRED_TICKET_GRACE_MS > now) break;
      this.tickets.delete(ticket);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseUrl(req.url);
    if (!url) {
      req.resume();
      return send(res, 400, { code: 400, message: 'The request target is not a valid path' });
    }
    const avatar = req.method === 'GET' || req.method === 'HEAD' ? AVATAR_PATH.exec(url.pathname) : null;
    if (avatar) return this.serveAvatar(avatar[1], req, res);
    const control = this.controlApiEnabled && (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`));
    if (control) {
      const text = await readBody(req);
      if (text === undefined) res.setHeader('connection', 'close');
      return handleControl(this, req, res, url, text);
    }
    this.count++;
    if (this.dropStale(req, res)) return;
    const text = await readBody(req);
    // The rest of an oversized body is never read: the connection ends with the answer.
    if (text === undefined) res.setHeader('connection', 'close');
    this.record(req, text);
    if (this.latency > 0) await sleep(this.latency);
    if (res.destroyed) return;

    const match = EXCHANGE_PATH.exec(url.pathname);
    const v3 = match ? undefined : appLaunchRoute(url.pathname);
    const fault = this.takeFault(match ? 'exchange' : v3);
    if (fault !== undefined) return serveFault(fault, req, res);
    if (v3) return this.appLaunch.handle(req, res, url, text);

    if (!match) return send(res, 404, { code: 404, message: 'Not Found' });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, { code: 405, message: 'Method Not Allowed' });
    }
    if (text === undefined) return send(res, 413, { code: 413, message: 'Request body too large' });
    const userPoolId = decodeSegment(match[1]);
    if (userPoolId === undefined) return send(res, 400, { code: 400, message: 'The path is not valid percent-encoding' });
    const parsed = parseJson(text);
    if (!parsed.ok) return send(res, 400, { code: 400, message: 'Request body must be JSON' });
    const body = parsed.value as any;
    const pool = this.pools.get(userPoolId);
    if (!pool) return send(res, 200, { code: 2224, message: '用户池不存在' });
    if (pool.requireSecret && (typeof body?.secret !== 'string' || body.secret !== pool.secret)) {
      return send(res, 200, { code: 2003, message: '用户池密钥错误' });
    }
    const record = typeof body?.ticket === 'string' ? this.tickets.get(body.ticket) : undefined;
    if (!record || record.userPoolId !== pool.userPoolId) return send(res, 200, { code: 2207, message: 'ticket 无效' });
    if (record.used) return send(res, 200, { code: 2207, message: 'ticket 已被使用' });
    if (record.expiresAt <= this.clock.now()) return send(res, 200, { code: 2206, message: 'ticket 已过期' });
    record.used = true;

    const person = pool.persons.get(record.unionid)!;
    person.loginsCount++;
    const user = authingUser(person, pool.userPoolId, record.phone, pool.tokenKey);
    const message = '获取用户信息成功';
    if (this.shape === 'bare') return send(res, 200, user);
    return send(res, 200, { code: 200, message, data: this.shape === 'string' ? JSON.stringify(user) : user });
  }

  /** The first queued fault that applies to this route (`undefined`: an unknown path, which only `any` faults hit). */
  private takeFault(route: EmulatorFaultTarget | undefined): EmulatorFault | undefined {
    const index = this.faults.findIndex((queued) => queued.on === 'any' || queued.on === route);
    if (index < 0) return undefined;
    return this.faults.splice(index, 1)[0].fault;
  }

  private serveAvatar(personId: string, req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (!this.personsById.has(personId) && !this.appLaunch.hasUserId(personId)) return send(res, 404, { code: 404, message: 'Not Found' });
    const svg = avatarSvg(personId);
    const etag = `"${createHash('sha256').update(svg).digest('base64url').slice(0, 22)}"`;
    const headers = {
      'content-type': 'image/svg+xml',
      // The picture depends on the id alone: it never changes.
      'cache-control': 'public, max-age=31536000, immutable',
      etag,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
      'cross-origin-resource-policy': 'cross-origin',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(svg) });
    res.end(req.method === 'HEAD' ? undefined : svg);
  }

  /** `resetIdleConnectionsAfterMs`: resets a connection that sat idle too long, as a load balancer would. */
  private dropStale(req: IncomingMessage, res: ServerResponse): boolean {
    const limit = this.options.resetIdleConnectionsAfterMs;
    if (limit === undefined) return false;
    const socket = req.socket as Socket & { [IDLE_SINCE]?: number };
    const idleSince = socket[IDLE_SINCE];
    res.once('finish', () => (socket[IDLE_SINCE] = Date.now()));
    if (idleSince === undefined || Date.now() - idleSince < limit) return false;
    this.staleResets++;
    socket.resetAndDestroy();
    return true;
  }

  private record(req: IncomingMessage, text: string | undefined): void {
    const max = this.options.maxRecordedRequests ?? 1000;
    if (max <= 0) return;
    let body: unknown = text;
    try {
      body = text === undefined || text === '' ? undefined : JSON.parse(text);
    } catch {
      // keep the raw text
    }
    this.recorded.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, body, receivedAt: new Date() });
    if (this.recorded.length > max) this.recorded.splice(0, this.recorded.length - max);
  }
}

function parseUrl(target: string | undefined): URL | undefined {
  if (!target?.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://emulator.invalid');
  } catch {
    return undefined;
  }
}

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}
