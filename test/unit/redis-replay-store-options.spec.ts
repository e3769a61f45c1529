import { App2WxappReplayStoreError, type RedisTicketReplayClient, RedisTicketReplayStore } from 'nestjs-app2wxapp';

// Option validation and the WAIT decision, on a stand-in client (the real servers are in test/services/).

interface FakeClient extends RedisTicketReplayClient {
  calls: string[];
}

function client(options: { set?: 'OK' | null; acknowledged?: number | Error; isCluster?: boolean; noWait?: boolean } = {}): FakeClient {
  const calls: string[] = [];
  const fake: FakeClient = {
    calls,
    status: 'ready',
    isCluster: options.isCluster,
    connect: async () => undefined,
    set: async (key) => (calls.push(`SET ${key}`), options.set === undefined ? 'OK' : options.set),
    del: async (key) => (calls.push(`DEL ${key}`), 1),
    wait: async (replicas, timeout) => {
      calls.push(`WAIT ${replicas} ${timeout}`);
      const { acknowledged = 1 } = options;
      if (acknowledged instanceof Error) throw acknowledged;
      return acknowledged;
    },
  };
  if (options.noWait) delete fake.wait;
  return fake;
}

describe('RedisTicketReplayStore options', () => {
  it.each([-1, 1.5, Number.NaN, '1', null])('refuses waitForReplicas %p, naming the option', (value) => {
    expect(() => new RedisTicketReplayStore(client(), { waitForReplicas: value as never })).toThrow(
      new TypeError('RedisTicketReplayStore: waitForReplicas must be an integer of at least 0'),
    );
  });

  it.each([0, -5, 2.5, '50', Number.POSITIVE_INFINITY])('refuses waitTimeoutMs %p, naming the option (0 would make WAIT block forever)', (value) => {
    expect(() => new RedisTicketReplayStore(client(), { waitForReplicas: 1, waitTimeoutMs: value as never })).toThrow(
      new TypeError('RedisTicketReplayStore: waitTimeoutMs must be an integer of at least 1'),
    );
  });

  it('refuses a keyPrefix that is not a string', () => {
    expect(() => new RedisTicketReplayStore(client(), { keyPrefix: 5 as never })).toThrow(/keyPrefix must be a string/);
  });

  it('refuses waitForReplicas on a client without wait(), and on a Cluster client', () => {
    expect(() => new RedisTicketReplayStore(client({ noWait: true }), { waitForReplicas: 1 })).toThrow(
      'RedisTicketReplayStore: waitForReplicas needs a client with wait() (an ioredis Redis)',
    );
    expect(() => new RedisTicketReplayStore(client({ isCluster: true }), { waitForReplicas: 1 })).toThrow(
      /waitForReplicas is not supported on a Cluster client/,
    );
    expect(() => new RedisTicketReplayStore(client({ isCluster: true, noWait: true }), { waitForReplicas: 0 })).not.toThrow();
  });
});

describe('RedisTicketReplayStore with waitForReplicas', () => {
  it('sends no WAIT by default', async () => {
    const redis = client();
    expect(await new RedisTicketReplayStore(redis).claim('k', 1000)).toBe(true);
    expect(redis.calls).toEqual(['SET app2wxapp:ticket:k']);
  });

  it('confirms a claim once enough replicas acknowledge it (waitTimeoutMs defaults to 50)', async () => {
    const redis = client({ acknowledged: 2 });
    expect(await new RedisTicketReplayStore(redis, { waitForReplicas: 2 }).claim('k', 1000)).toBe(true);
    expect(redis.calls).toEqual(['SET app2wxapp:ticket:k', 'WAIT 2 50']);
  });

  it('releases an unconfirmed claim and refuses the login with a 503 that carries Retry-After', async () => {
    const redis = client({ acknowledged: 0 });
    const error = await new RedisTicketReplayStore(redis, { waitForReplicas: 1, waitTimeoutMs: 20 }).claim('k', 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(App2WxappReplayStoreError);
    expect((error as App2WxappReplayStoreError).getStatus()).toBe(503);
    expect((error as App2WxappReplayStoreError).retryAfterSeconds).toBe(1);
    expect(redis.calls).toEqual(['SET app2wxapp:ticket:k', 'WAIT 1 20', 'DEL app2wxapp:ticket:k']);
  });

  it('releases the claim and passes the error on when WAIT itself fails', async () => {
    const redis = client({ acknowledged: new Error('Connection is closed.') });
    await expect(new RedisTicketReplayStore(redis, { waitForReplicas: 1 }).claim('k', 1000)).rejects.toThrow('Connection is closed.');
    expect(redis.calls).toEqual(['SET app2wxapp:ticket:k', 'WAIT 1 50', 'DEL app2wxapp:ticket:k']);
  });

  it('does not WAIT for a claim it lost (the ticket was already used)', async () => {
    const redis = client({ set: null });
    expect(await new RedisTicketReplayStore(redis, { waitForReplicas: 1 }).claim('k', 1000)).toBe(false);
    expect(redis.calls).toEqual(['SET app2wxapp:ticket:k']);
  });
});
