import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A fault served instead of the next answer(s):
 * - `http500`: HTTP 500 with a JSON body;
 * - `http404`: HTTP 404 with an HTML page, as a host answers a path it does not serve (a wrong `host` option);
 * - `html502`: HTTP 502 with a proxy's HTML page;
 * - `hang`: never answers (the connection stays open until `close()`);
 * - `drip`: the headers arrive at once (HTTP 200, JSON, a large `content-length`), then the body trickles a byte
 *   every 100 ms and never ends: a client that only bounds the time to the headers waits forever;
 * - `garbage`: HTTP 200 with JSON cut short;
 * - `reset`: the connection is cut once the answer has begun (headers sent, body cut short), as an upstream that fails
 *   mid-answer: the client must not retry it;
 * - `{ status, body, contentType? }`: that answer (`body` is sent as is when a string, else as JSON).
 */
export type EmulatorFault =
  'http500' | 'http404' | 'html502' | 'hang' | 'drip' | 'garbage' | 'reset' | { status: number; body: unknown; contentType?: string };

export const NAMED_FAULTS = ['http500', 'http404', 'html502', 'hang', 'drip', 'garbage', 'reset'] as const;

/**
 * Which requests a queued fault applies to: `any` (the default) is the next request to any upstream route; the others
 * name one: `exchange` (the app2wxapp ticket exchange), `signin` (v3 signin-by-mobile), `profile` (v3 get-profile),
 * `jwks` (either JWKS path). The control API, the page and avatars are never faulted.
 */
export type EmulatorFaultTarget = 'any' | 'exchange' | 'signin' | 'profile' | 'jwks';

export const FAULT_TARGETS: readonly EmulatorFaultTarget[] = ['any', 'exchange', 'signin', 'profile', 'jwks'];

export const MAX_BODY_BYTES = 64 * 1024;

/** A fault description from outside, checked: the fault, or why it was refused. */
export function parseFault(raw: unknown): { fault: EmulatorFault } | { error: string } {
  const named = `${NAMED_FAULTS.join(', ')} or { status, body, contentType? }`;
  if (typeof raw === 'string') {
    return (NAMED_FAULTS as readonly string[]).includes(raw) ? { fault: raw as EmulatorFault } : { error: `unknown fault; use one of ${named}` };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { error: `fault must be one of ${named}` };
  const { status, body, contentType, ...rest } = raw as Record<string, unknown>;
  if (Object.keys(rest).length > 0)
    return {
      error: `unknown field in fault: ${Object.keys(rest)
        .slice(0, 5)
        .map((k) => JSON.stringify(k.slice(0, 40)))
        .join(', ')}`,
    };
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599)
    return { error: 'fault.status must be an integer from 200 to 599' };
  if (contentType !== undefined && (typeof contentType !== 'string' || !/^[\x20-\x7e]{1,200}$/.test(contentType))) {
    return { error: 'fault.contentType must be a printable string of at most 200 characters' };
  }
  return { fault: { status, body, ...(contentType === undefined ? {} : { contentType }) } };
}

/**
 * The body as text, or undefined when it exceeds MAX_BODY_BYTES (decided as soon as it does: a body that never ends
 * is not waited for) or the request failed.
 */
export function readBody(req: IncomingMessage): Promise<string | undefined> {
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

/** JSON.parse that answers undefined instead of throwing; an empty body is `{}`. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** A percent-decoded path segment, or undefined when its encoding is broken (`%E0%A4%A`). */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  const raw = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(raw) });
  res.end(raw);
}

export function serveFault(fault: EmulatorFault, req: IncomingMessage, res: ServerResponse): void {
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
    case 'http404':
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center></body></html>');
      return;
    case 'html502':
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body><center>502 Bad Gateway</center></body></html>');
      return;
    case 'garbage':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"code":200,"data":"{\\"_id\\":');
      return;
    default: {
      const raw = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? null);
      res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'application/json; charset=utf-8' });
      res.end(raw);
    }
  }
}

/** Headers at once, then a byte of body every 100 ms, never the end: a trickling upstream or proxy. */
function drip(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': 1_000_000 });
  res.write('{');
  const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 100);
  timer.unref();
  res.once('close', () => clearInterval(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The emulator's clock: real time plus an offset that tests move forward. */
export class EmulatorClock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  get offsetMs(): number {
    return this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }

  reset(): void {
    this.offset = 0;
  }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}
