import { HttpService } from '@nestjs/axios';
import { jest } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { AxiosError, AxiosHeaders } from 'axios';
import { App2WxappClient, App2WxappModule, App2WxappUpstreamError } from 'nestjs-app2wxapp';

const SECRET = 'pool-secret-value-42';
const TICKET = 'eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl';

/** An AxiosError as axios builds it: its config carries the request body, i.e. the secret and the ticket. */
function axiosErrorWithSecrets(code: string): AxiosError {
  const config = {
    url: 'https://core.authing.cn/oauth/app2wxapp/auth/pool',
    method: 'post',
    data: JSON.stringify({ secret: SECRET, ticket: TICKET }),
    headers: new AxiosHeaders({ 'content-type': 'application/json' }),
  };
  return new AxiosError(`connect ${code} with ${config.data}`, code, config as never, { body: config.data });
}

async function clientWith(request: (...args: unknown[]) => Promise<unknown>) {
  const lines: string[] = [];
  const capture = (...args: unknown[]) =>
    void lines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : JSON.stringify(a))).join(' '));
  const moduleRef = await Test.createTestingModule({
    imports: [App2WxappModule.forRoot({ userPoolId: 'pool', secret: SECRET, circuitBreaker: false })],
  })
    .setLogger({ log: capture, warn: capture, error: capture, debug: capture, verbose: capture, fatal: capture })
    .overrideProvider(HttpService)
    .useValue({ axiosRef: { request, defaults: {} } })
    .compile();
  return { client: moduleRef.get(App2WxappClient), lines, close: () => moduleRef.close() };
}

describe('error sanitising', () => {
  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ERR_BAD_RESPONSE', 'CERT_HAS_EXPIRED', 'EWHATEVER'])(
    'never surfaces the secret or the ticket from an AxiosError (%s)',
    async (code) => {
      const { client, lines, close } = await clientWith(() => Promise.reject(axiosErrorWithSecrets(code)));
      const error = await client.exchangeTicket(TICKET).catch((e: unknown) => e);
      await close();
      expect(error).toBeInstanceOf(App2WxappUpstreamError);
      const exposed = [
        (error as Error).message,
        (error as Error).stack ?? '',
        JSON.stringify((error as App2WxappUpstreamError).getResponse()),
        JSON.stringify(error),
        String((error as { cause?: unknown }).cause ?? ''),
        ...lines,
      ].join('\n');
      expect(exposed).not.toContain(SECRET);
      expect(exposed).not.toContain(TICKET);
      expect(lines.some((l) => /Ticket exchange failed \(pool default, ticket #[0-9a-f]{12}\)/.test(l))).toBe(true);
    },
  );

  it('never surfaces an unexpected non-axios error either', async () => {
    const { client, lines, close } = await clientWith(() => {
      throw new TypeError(`boom ${SECRET} ${TICKET}`);
    });
    const error = await client.exchangeTicket(TICKET).catch((e: unknown) => e);
    await close();
    expect(error).toBeInstanceOf(App2WxappUpstreamError);
    expect(`${(error as Error).message}${lines.join('')}`).not.toMatch(new RegExp(`${SECRET}|${TICKET}`));
  });

  it('redacts the ticket and the secret if Authing echoes them in a refusal', async () => {
    const body = JSON.stringify({ code: 2207, message: `ticket ${TICKET} invalid for secret ${SECRET}` });
    const { client, lines, close } = await clientWith(() => Promise.resolve({ status: 200, data: body }));
    const error = await client.exchangeTicket(TICKET).catch((e: unknown) => e);
    await close();
    expect((error as Error).message).toContain('[redacted]');
    expect(`${(error as Error).message}${lines.join('')}`).not.toMatch(new RegExp(`${SECRET}|${TICKET}`));
  });

  it('sends the secret in the body and never in the URL', async () => {
    const request = jest.fn((..._args: unknown[]) => Promise.resolve({ status: 200, data: JSON.stringify({ code: 200, data: { _id: 'u1' } }) }));
    const { client, close } = await clientWith(request);
    const profile = await client.exchangeTicket(TICKET);
    await close();
    expect(profile.id).toBe('u1');
    const [config] = request.mock.calls[0] as [{ method: string; url: string; data: unknown; maxRedirects: number; timeout: number }];
    expect(config.method).toBe('POST');
    expect(config.url).toBe('https://core.authing.cn/oauth/app2wxapp/auth/pool');
    expect(config.data).toEqual({ secret: SECRET, ticket: TICKET });
    expect(config.maxRedirects).toBe(0);
    expect(config.timeout).toBe(5000);
  });
});
