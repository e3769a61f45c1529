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
    expect(resolveOptions({ userPoolId: 'pool', secret: SECRET, host }).exchangeUrl).toBe(url);
  });

  it.each([
    [{}, /userPoolId/],
    [{ userPoolId: 42 }, /userPoolId must be a string/],
    [{ userPoolId: '' }, /userPoolId should not be empty/],
    [{ userPoolId: 'p', host: 'http://core.authing.cn' }, /host must use https:; plain http: is accepted only for a loopback host/],
    [{ userPoolId: 'p', host: 'ftp://core.authing.cn' }, /host must use https:/],
    [{ userPoolId: 'p', host: 'core.authing.cn' }, /host must be an absolute URL/],
    [{ userPoolId: 'p', host: 'https://core.authing.cn?x=1' }, /host must not carry a query or a fragment/],
    [{ userPoolId: 'p', host: 'https://core.authing.cn/?' }, /host must not carry a query or a fragment/],
    [{ userPoolId: 'p', host: 'https://core.authing.cn#' }, /host must not carry a query or a fragment/],
    [{ userPoolId: 'p', host: 'https://user:pw@core.authing.cn' }, /host must not carry credentials/],
    [{ userPoolId: 'p', secret: undefined }, /secret is undefined \(is its environment variable unset\?\)/],
    [{ userPoolId: 'p' }, /secret is required .*exchangeWithoutSecret: true/],
    [{ userPoolId: 'p', secret: 's', exchangeWithoutSecret: true }, /secret must be left out when exchangeWithoutSecret is true/],
    [{ userPoolId: 'p', exchangeWithoutSecret: 'yes' }, /exchangeWithoutSecret must be a boolean/],
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

  it('accepts a pool that says it exchanges without a secret', () => {
    expect(resolveOptions({ userPoolId: 'pool', exchangeWithoutSecret: true }).secret).toBeUndefined();
  });

  it.each([
    'https://admin:hunter2-secret-pw@core.authing.cn',
    'https://core.authing.cn/?token=hunter2-secret-pw',
    'not a url hunter2-secret-pw',
    'http://evil.example/hunter2-secret-pw',
  ])('never echoes a host value in a boot error (%#)', (host) => {
    expect(() => resolveOptions({ userPoolId: 'p', secret: SECRET, host })).toThrow(/host must/);
    try {
      resolveOptions({ userPoolId: 'p', secret: SECRET, host });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
      expect((err as Error).message).not.toContain('admin');
    }
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
        return { userPoolId: 'pool-from-class', secret: SECRET };
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
