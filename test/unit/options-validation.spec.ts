import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { App2WxappModule, MemoryTicketReplayStore } from 'nestjs-app2wxapp';
import { resolveOptions } from '../../lib/options/app2wxapp-options.schema';

const SECRET = 'pool-secret-value-42';

describe('options validation', () => {
  it('fills in the defaults', () => {
    const options = resolveOptions({ userPoolId: 'pool', secret: SECRET });
    expect(options).toMatchObject({
      host: 'https://core.authing.cn',
      timeoutMs: 5000,
      ticketTtlMs: 120000,
      allowBlockedUsers: false,
      circuitBreaker: { threshold: 5, cooldownMs: 10000 },
      maxConcurrentExchanges: 256,
      maxQueuedExchanges: 1024,
      exchangeUrl: 'https://core.authing.cn/oauth/app2wxapp/auth/pool',
    });
    expect(options.replayStore).toBeInstanceOf(MemoryTicketReplayStore);
    expect(Object.isFrozen(options)).toBe(true);
  });

  it.each([
    ['https://core.genauth.ai/', 'https://core.genauth.ai/oauth/app2wxapp/auth/pool'],
    ['https://auth.example.cn/private', 'https://auth.example.cn/private/oauth/app2wxapp/auth/pool'],
    ['http://127.0.0.1:4000', 'http://127.0.0.1:4000/oauth/app2wxapp/auth/pool'],
    ['http://localhost:4000', 'http://localhost:4000/oauth/app2wxapp/auth/pool'],
    ['http://[::1]:4000', 'http://[::1]:4000/oauth/app2wxapp/auth/pool'],
  ])('accepts host %s', (host, url) => {
    expect(resolveOptions({ userPoolId: 'pool', host }).exchangeUrl).toBe(url);
  });

  it.each([
    [{}, /userPoolId/],
    [{ userPoolId: 42 }, /userPoolId must be a string/],
    [{ userPoolId: '' }, /userPoolId should not be empty/],
    [{ userPoolId: 'p', host: 'http://core.authing.cn' }, /host must use https:; plain http: is accepted only for a loopback host/],
    [{ userPoolId: 'p', host: 'ftp://core.authing.cn' }, /host must use https:/],
    [{ userPoolId: 'p', host: 'core.authing.cn' }, /host must be an absolute URL/],
    [{ userPoolId: 'p', host: 'https://core.authing.cn?x=1' }, /host must not carry credentials, a query or a fragment/],
    [{ userPoolId: 'p', timeoutMs: 0 }, /timeoutMs must be a positive number/],
    [{ userPoolId: 'p', timeoutMs: -5 }, /timeoutMs must be a positive number/],
    [{ userPoolId: 'p', timeoutMs: '5000' }, /timeoutMs must be a number/],
    [{ userPoolId: 'p', ticketTtlMs: 1.5 }, /ticketTtlMs must be an integer/],
    [{ userPoolId: 'p', validateUser: 'upsert' }, /validateUser must be a function/],
    [{ userPoolId: 'p', replayStore: {} }, /replayStore must be false or an object with claim/],
    [{ userPoolId: 'p', circuitBreaker: { threshold: 0 } }, /circuitBreaker must be false or/],
    [{ userPoolId: 'p', allowBlockedUsers: 'yes' }, /allowBlockedUsers must be a boolean/],
    [{ userPoolId: 'p', timeoutMS: 1000 }, /unknown option "timeoutMS"/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(message);
  });

  it('names every bad option at once and never echoes the secret', () => {
    let message = '';
    try {
      resolveOptions({ userPoolId: 7, secret: 123456, host: `http://evil.example/${SECRET}` } as never);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^App2WxappModule: invalid options: /);
    expect(message).toMatch(/userPoolId/);
    expect(message).toMatch(/secret must be a string/);
    expect(message).toMatch(/host must use https:/);
    expect(message).not.toContain('123456');
  });

  it('refuses a missing options object', () => {
    expect(() => resolveOptions(undefined as never)).toThrow(/options must be an object/);
  });

  it('fails forRoot at boot', async () => {
    const builder = Test.createTestingModule({ imports: [App2WxappModule.forRoot({ userPoolId: '', secret: SECRET })] });
    await expect(builder.compile()).rejects.toThrow(/userPoolId should not be empty/);
  });

  it('fails forRootAsync at boot', async () => {
    const builder = Test.createTestingModule({
      imports: [App2WxappModule.forRootAsync({ useFactory: async () => ({ userPoolId: 'p', host: 'http://authing.example' }) })],
    });
    await expect(builder.compile()).rejects.toThrow(/host must use https:/);
  });

  it('accepts forRootAsync with useClass', async () => {
    class OptionsFactory {
      createApp2WxappOptions() {
        return { userPoolId: 'pool-from-class' };
      }
    }
    @Module({})
    class AppModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule, App2WxappModule.forRootAsync({ useClass: OptionsFactory })],
    }).compile();
    await moduleRef.close();
  });
});
