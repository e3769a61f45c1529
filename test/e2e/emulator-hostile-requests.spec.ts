import { request } from 'node:http';
import { connect } from 'node:net';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';

const POOL = 'pool-hostile-requests';
const SECRET = 'hostile-requests-secret-3f9a';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection, as sent (no URL normalisation); fails after 3 s instead of hanging the suite. */
function send(url: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers, agent: false, timeout: 3000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path} within 3 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Raw bytes on a socket; resolves with what the server wrote before it closed the connection (or 3 s passed). */
function sendRaw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.setTimeout(3000, () => socket.destroy());
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

async function exchange(emulator: App2WxappEmulator, ticket: string): Promise<{ code: number }> {
  const answer = await send(emulator.url, 'POST', `/oauth/app2wxapp/auth/${POOL}`, JSON.stringify({ secret: SECRET, ticket }), {
    'content-type': 'application/json',
  });
  return JSON.parse(answer.body);
}

describe('the emulator answers every malformed request and keeps running', () => {
  let emulator: App2WxappEmulator;

  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('answers 400 to a pool id with broken percent-encoding, then still exchanges tickets', async () => {
    const answer = await send(emulator.url, 'POST', '/oauth/app2wxapp/auth/%E0%A4%A', JSON.stringify({ secret: SECRET, ticket: 'x' }), {
      'content-type': 'application/json',
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ code: 400, message: 'The path is not valid percent-encoding' });
    expect(await exchange(emulator, emulator.issueTicket())).toMatchObject({ code: 200 });
  });
});

describe('the emulator answers hostile requests precisely', () => {
  let emulator: App2WxappEmulator;
  const path = `/oauth/app2wxapp/auth/${POOL}`;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('answers 400 to a body that is not JSON', async () => {
    const answer = await send(emulator.url, 'POST', path, '{"secret":', json);
    expect([answer.status, JSON.parse(answer.body)]).toEqual([400, { code: 400, message: 'Request body must be JSON' }]);
  });

  it('answers 413 to an oversized body, and closes the connection', async () => {
    const answer = await send(emulator.url, 'POST', path, Buffer.alloc(200 * 1024, 'a'), json);
    expect([answer.status, JSON.parse(answer.body), answer.headers.connection]).toEqual([
      413,
      { code: 413, message: 'Request body too large' },
      'close',
    ]);
  });

  it('answers 413 to a body that never ends, without waiting for it', async () => {
    const { hostname, port } = new URL(emulator.url);
    const received = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let text = '';
      socket.setTimeout(3000, () => socket.destroy());
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n`);
      socket.write(Buffer.alloc(100 * 1024, ' ')); // and never the rest
    });
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('answers 405 with Allow to another method on the exchange path, and 404 to an unknown path', async () => {
    const get = await send(emulator.url, 'GET', path);
    expect([get.status, get.headers.allow, JSON.parse(get.body)]).toEqual([405, 'POST', { code: 405, message: 'Method Not Allowed' }]);
    const unknown = await send(emulator.url, 'POST', '/oauth/app2wxapp/nope', '{}', json);
    expect([unknown.status, JSON.parse(unknown.body)]).toEqual([404, { code: 404, message: 'Not Found' }]);
  });

  it('answers 431 to oversized headers and 400 to a request line that is not HTTP', async () => {
    await expect(send(emulator.url, 'POST', path, '{}', { ...json, 'x-filler': 'a'.repeat(20_000) })).resolves.toMatchObject({ status: 431 });
    expect(await sendRaw(emulator.url, 'HELLO THERE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(await sendRaw(emulator.url, `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('still exchanges a ticket after all of that', async () => {
    expect(await exchange(emulator, emulator.issueTicket())).toMatchObject({ code: 200 });
  });
});
