import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { avatarSvg } from './emulated-avatar';
import { authingUser, type EmulatedPerson, type EmulatedWechatUser, newPerson, signJwt } from './emulated-user.factory';

export type EmulatorResponseShape = 'string' | 'object' | 'bare';

export interface App2WxappEmulatorOptions {
  userPoolId: string;
  /** The pool secret the emulator expects in the body. */
  secret?: string;
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
}

/**
 * A fault served instead of the next answer(s). `reset` cuts the connection once the answer has begun (headers sent,
 * body cut short), as an upstream that fails mid-answer: the client must not retry it.
 */
export type EmulatorFault =
  | 'http500'
  | 'html502'
  | 'hang'
  | 'drip'
  | 'garbage'
  | 'reset'
  | { status: number; body: unknown; contentType?: string };

export interface EmulatorRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  receivedAt: Date;
}

interface TicketRecord {
  unionid: string;
  phone: string | null;
  expiresAt: number;
  used: boolean;
}

const IDLE_SINCE = Symbol('idleSince');
const EXCHANGE_PATH = /^\/oauth\/app2wxapp\/auth\/([^/?#]+)\/?(?:\?.*)?$/;
const AVATAR_PATH = /^\/avatars\/([0-9a-f]{24})\.svg(?:\?.*)?$/;
const MAX_BODY_BYTES = 64 * 1024;

/**
 * An in-process HTTP server that implements Authing's app2wxapp exchange faithfully (see upstream-contract.md):
 * single-use tickets that expire, blocked users, all three answer shapes, and injectable faults. Point the module's
 * `host` option at `emulator.url`. It also serves the avatars it hands out (`GET /avatars/<id>.svg`), so a page that
 * shows them works offline; those requests are not exchanges: they are not recorded, counted, delayed or faulted.
 */
export class App2WxappEmulator {
  private readonly tickets = new Map<string, TicketRecord>();
  private readonly persons = new Map<string, EmulatedPerson>();
  private readonly personsById = new Map<string, EmulatedPerson>();
  private readonly faults: EmulatorFault[] = [];
  private readonly recorded: EmulatorRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly ticketKey = randomBytes(32);
  private readonly tokenKey: string;
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
    this.tokenKey = options.secret ?? randomBytes(16).toString('hex');
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
      server.listen(options.port ?? 0, bind, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = bind.includes(':') ? `[${bind}]` : bind;
    const emulator = new App2WxappEmulator(server, options, `http://${host}:${port}`);
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

  get userPoolId(): string {
    return this.options.userPoolId;
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

  /**
   * What the mini program would hand the app after the person authorised: a JWT-shaped, single-use ticket that
   * expires after `ticketTtlMs`. A new person is created unless `user.unionid` names a known one.
   */
  issueTicket(user: EmulatedWechatUser = {}): string {
    const person = this.person(user);
    const now = Date.now();
    const ttl = this.options.ticketTtlMs ?? 120_000;
    const ticket = signJwt(
      { jti: randomUUID(), sub: person.id, iat: Math.floor(now / 1000), exp: Math.ceil((now + ttl) / 1000) },
      this.ticketKey,
    );
    this.pruneTickets(now);
    this.tickets.set(ticket, { unionid: person.unionid, phone: user.phone ?? null, expiresAt: now + ttl, used: false });
    return ticket;
  }

  /** The `extMsg` the mini program returns to the app: success with a new ticket, or the user's cancellation. */
  issueExtMsg(user: EmulatedWechatUser = {}, outcome: 'success' | 'cancel' = 'success'): string {
    if (outcome === 'cancel') return `code=400&message=${encodeURIComponent('用户取消授权')}`;
    return `code=200&message=${encodeURIComponent('授权成功')}&ticket=${this.issueTicket(user)}`;
  }

  /** The Authing user id (`_id`) of a person, creating the person if new. */
  userId(unionid: string): string {
    return this.person({ unionid }).id;
  }

  blockUser(unionid: string, blocked = true): void {
    this.person({ unionid }).blocked = blocked;
  }

  deleteUser(unionid: string, deleted = true): void {
    this.person({ unionid }).deleted = deleted;
  }

  /** Serves `fault` instead of the next `times` answers. */
  failNext(fault: EmulatorFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  setLatency(ms: number): void {
    this.latency = ms;
  }

  setResponseShape(shape: EmulatorResponseShape): void {
    this.shape = shape;
  }

  /** Forgets queued faults and recorded requests; tickets and persons stay. */
  reset(): void {
    this.faults.length = 0;
    this.recorded.length = 0;
    this.count = 0;
    this.staleResets = 0;
    this.latency = this.options.latencyMs ?? 0;
    this.shape = this.options.responseShape ?? 'string';
  }

  /** Stops listening and cuts every open connection, hanging ones included. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private person(user: EmulatedWechatUser): EmulatedPerson {
    const known = user.unionid === undefined ? undefined : this.persons.get(user.unionid);
    if (known) {
      if (user.nickname !== undefined) known.nickname = user.nickname;
      if (user.avatarUrl !== undefined) known.avatarUrl = user.avatarUrl;
      return known;
    }
    const person = newPerson(this.options.userPoolId, user, this.url);
    this.persons.set(person.unionid, person);
    this.personsById.set(person.id, person);
    return person;
  }

  /** Tickets are inserted in expiry order, so expired ones sit at the head. */
  private pruneTickets(now: number): void {
    for (const [ticket, record] of this.tickets) {
      if (record.expiresAt > now) break;
      this.tickets.delete(ticket);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const avatar = req.method === 'GET' || req.method === 'HEAD' ? AVATAR_PATH.exec(req.url ?? '') : null;
    if (avatar) return this.serveAvatar(avatar[1], req, res);
    this.count++;
    if (this.dropStale(req, res)) return;
    const text = await readBody(req);
    // The rest of an oversized body is never read: the connection ends with the answer.
    if (text === undefined) res.setHeader('connection', 'close');
    this.record(req, text);
    if (this.latency > 0) await sleep(this.latency);
    if (res.destroyed) return;

    const fault = this.faults.shift();
    if (fault !== undefined) return this.serveFault(fault, req, res);

    const match = EXCHANGE_PATH.exec(req.url ?? '');
    if (!match) return send(res, 404, { code: 404, message: 'Not Found' });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, { code: 405, message: 'Method Not Allowed' });
    }
    if (text === undefined) return send(res, 413, { code: 413, message: 'Request body too large' });
    const userPoolId = decodeSegment(match[1]);
    if (userPoolId === undefined) return send(res, 400, { code: 400, message: 'The path is not valid percent-encoding' });
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      return send(res, 400, { code: 400, message: 'Request body must be JSON' });
    }
    if (userPoolId !== this.options.userPoolId) {
      return send(res, 200, { code: 2224, message: '用户池不存在' });
    }
    const requireSecret = this.options.requireSecret ?? this.options.secret !== undefined;
    if (requireSecret && body?.secret !== this.options.secret) {
      return send(res, 200, { code: 2003, message: '用户池密钥错误' });
    }
    const record = typeof body?.ticket === 'string' ? this.tickets.get(body.ticket) : undefined;
    if (!record) return send(res, 200, { code: 2207, message: 'ticket 无效' });
    if (record.used) return send(res, 200, { code: 2207, message: 'ticket 已被使用' });
    if (record.expiresAt <= Date.now()) return send(res, 200, { code: 2206, message: 'ticket 已过期' });
    record.used = true;

    const person = this.persons.get(record.unionid)!;
    person.loginsCount++;
    const user = authingUser(person, this.options.userPoolId, record.phone, this.tokenKey);
    const message = '获取用户信息成功';
    if (this.shape === 'bare') return send(res, 200, user);
    return send(res, 200, { code: 200, message, data: this.shape === 'string' ? JSON.stringify(user) : user });
  }

  private serveAvatar(personId: string, req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (!this.personsById.has(personId)) return send(res, 404, { code: 404, message: 'Not Found' });
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

  private serveFault(fault: EmulatorFault, req: IncomingMessage, res: ServerResponse): void {
    switch (fault) {
      case 'hang':
        return; // answered never; close() cuts the connection
      case 'drip':
        return drip(res);
      case 'reset':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
        res.write('{"code":200,"data":', () => req.socket.destroy());
        return;
      case 'http500':
        return send(res, 500, { code: 500, message: 'Internal Server Error' });
      case 'html502':
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><head><title>502 Bad Gateway</title></head><body><center>502 Bad Gateway</center></body></html>');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"code":200,"data":"{\\"_id\\":');
        return;
      default: {
        const raw = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
        res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'application/json; charset=utf-8' });
        res.end(raw);
      }
    }
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

/**
 * The body as text, or undefined when it exceeds MAX_BODY_BYTES (decided as soon as it does: a body that never ends
 * is not waited for) or the request failed.
 */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

/** A percent-decoded path segment, or undefined when its encoding is broken (`%E0%A4%A`). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const raw = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(raw) });
  res.end(raw);
}

/** Headers at once, then a byte of body every 100 ms, never the end: a trickling upstream or proxy. */
function drip(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': 1_000_000 });
  res.write('{');
  const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 100);
  timer.unref();
  res.once('close', () => clearInterval(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
