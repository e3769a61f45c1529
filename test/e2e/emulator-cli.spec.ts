import { App2WxappEmulator, runEmulatorCli, type RunningEmulatorCli } from 'nestjs-app2wxapp/testing';

/** Runs the CLI in this process, capturing what it prints. */
async function cli(argv: string[]): Promise<{ run: RunningEmulatorCli; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const run = await runEmulatorCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { run, out: out.join('\n'), err: err.join('\n') };
}

async function exchange(url: string, pool: string, secret: string, ticket: string): Promise<{ code: number }> {
  const res = await fetch(`${url}/oauth/app2wxapp/auth/${pool}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ secret, ticket }),
  });
  return (await res.json()) as { code: number };
}

async function ticketFrom(url: string, body: unknown = {}): Promise<string> {
  const res = await fetch(`${url}/__emulator/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return ((await res.json()) as { ticket: string }).ticket;
}

describe('the app2wxapp-emulator command (runEmulatorCli)', () => {
  const running: RunningEmulatorCli[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((run) => run.stop()));
  });

  it('--help prints the usage and starts nothing', async () => {
    const { run, out, err } = await cli(['--help']);
    expect(run.exitCode).toBe(0);
    expect(run.emulator).toBeUndefined();
    expect(out).toMatch(/^Usage: app2wxapp-emulator \[options\]/);
    for (const flag of [
      '--user-pool-id',
      '--secret',
      '--pool <id>:<secret>',
      '--port',
      '--bind',
      '--app-id',
      '--app-secret',
      '--connection',
      '--client-auth',
      '--id-token-alg',
    ]) {
      expect(out).toContain(flag);
    }
    expect(err).toBe('');
  });

  it('serves several pools and an app, says loudly it is an emulator, and prints what to paste without the secrets it was given', async () => {
    const { run, out, err } = await cli([
      '--user-pool-id',
      'cli-pool-a',
      '--secret',
      'CLI-SECRET-A-91f0',
      '--pool',
      'cli-pool-b:CLI-SECRET-B-22c4',
      '--port',
      '0',
      '--app-id',
      'cli-app',
      '--app-secret',
      'CLI-APP-SECRET-7e1d',
      '--connection',
      'cli-conn',
      '--client-auth',
      'client_secret_basic',
      '--id-token-alg',
      'HS256',
    ]);
    running.push(run);
    expect(run.exitCode).toBe(0);
    const url = run.emulator!.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out).toContain('EMULATOR: this is NOT Authing.');
    expect(out).toContain(`listening on ${url}`);
    const lines = out.split('\n').map((line) => line.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        `export AUTHING_HOST=${url}`,
        'export AUTHING_USER_POOL_ID=cli-pool-a',
        '# AUTHING_USER_POOL_SECRET: the value you passed with --secret (not printed)',
        '# another pool: cli-pool-b (its secret as passed with --pool)',
        `export AUTHING_APP_HOST=${url}`,
        'export AUTHING_APP_ID=cli-app',
        '# AUTHING_APP_SECRET: the value you passed with --app-secret (not printed)',
        'export AUTHING_CONNECTION=cli-conn',
        `Control page: ${url}/__emulator/`,
      ]),
    );
    expect(`${out}\n${err}`).not.toMatch(/CLI-SECRET|CLI-APP-SECRET/);
    expect(err).toBe('');

    expect((await exchange(url, 'cli-pool-a', 'CLI-SECRET-A-91f0', await ticketFrom(url))).code).toBe(200);
    expect((await exchange(url, 'cli-pool-b', 'CLI-SECRET-B-22c4', await ticketFrom(url, { userPoolId: 'cli-pool-b' }))).code).toBe(200);
    expect((await exchange(url, 'cli-pool-b', 'CLI-SECRET-A-91f0', await ticketFrom(url, { userPoolId: 'cli-pool-b' }))).code).toBe(2003);
    expect(run.emulator!.appLaunch.describeApps()).toEqual([
      { appId: 'cli-app', connection: 'cli-conn', clientAuth: 'client_secret_basic', idTokenAlg: 'HS256' },
    ]);

    await run.stop();
    await expect(fetch(`${url}/__emulator/state`)).rejects.toThrow();
  });

  it("without a secret, makes one up and prints it (it is the emulator's own), and it works", async () => {
    const { run, out } = await cli(['--port', '0']);
    running.push(run);
    expect(out).toContain('export AUTHING_USER_POOL_ID=emulator-pool');
    const secret = /export AUTHING_USER_POOL_SECRET=(emulator-[0-9a-f]{24})$/m.exec(out)?.[1];
    expect(secret).toBeDefined();
    expect((await exchange(run.emulator!.url, 'emulator-pool', secret!, await ticketFrom(run.emulator!.url))).code).toBe(200);
  });

  it.each([
    [['--secret'], '--secret needs a value'],
    [['--secret', ''], '--secret must not be empty'],
    [['--pool', 'HUNTER2-no-colon'], "--pool #1 must be <userPoolId>:<secret> (it has no ':')"],
    [['--pool', 'a:HUNTER2', '--pool', 'a:HUNTER2b'], 'user pool a is given twice'],
    [['--pool', 'bad id:HUNTER2'], "--pool #1's user pool id must be 1 to 128 letters, digits, _ . or -"],
    [['--pool', 'a:'], '--pool #1 has an empty secret'],
    [['HUNTER2'], 'unexpected argument: every value follows its option (--secret <secret>)'],
    [['--sekret=HUNTER2'], 'unknown option --sekret'],
    [['--port', '70000'], '--port must be an integer from 0 to 65535'],
    [['--port', 'eighty'], '--port must be an integer from 0 to 65535'],
    [['--bind', '0.0.0.0; rm -rf /'], '--bind must be an IP address or host name, such as 127.0.0.1'],
    [['--response-shape', 'xml'], '--response-shape must be one of string, object, bare'],
    [['--ticket-ttl=-5'], '--ticket-ttl must be a positive integer (milliseconds)'],
    [['--secret', '-HUNTER2'], "the value after --secret starts with '-': write --secret=<value>"],
    [['--app-secret', 'HUNTER2'], '--app-secret needs --app-id'],
    [['--app-id', 'a', '--client-auth', 'magic'], '--client-auth must be one of client_secret_post, client_secret_basic, none'],
    [['--app-id', 'a', '--id-token-alg', 'none'], '--id-token-alg must be one of RS256, HS256'],
    [['--app-id', 'a', '--connection', 'Not_Valid'], '--connection must be lowercase letters, digits and -, under 32 characters (the console rule)'],
    [['--app-id', 'a', '--app-secret', ''], '--app-secret must not be empty'],
  ])('refuses %j with a clear message, exit code 2, and never the secret', async (argv, message) => {
    const { run, out, err } = await cli(argv);
    expect(run.exitCode).toBe(2);
    expect(run.emulator).toBeUndefined();
    expect(out).toBe('');
    expect(err).toBe(`app2wxapp-emulator: ${message}\nRun app2wxapp-emulator --help for the options.`);
    expect(err).not.toContain('HUNTER2');
  });

  it('says so when the port is taken, with exit code 1', async () => {
    const holder = await App2WxappEmulator.start({ userPoolId: 'holder' });
    try {
      const port = new URL(holder.url).port;
      const { run, err } = await cli(['--port', port]);
      expect(run.exitCode).toBe(1);
      expect(err).toBe(`app2wxapp-emulator: port ${port} is in use on 127.0.0.1: pass --port <n> (0 picks a free one)`);
    } finally {
      await holder.close();
    }
  });
});
