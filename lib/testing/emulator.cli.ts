import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  type AppClientAuthMethod,
  CLIENT_AUTH_METHODS,
  type EmulatedAppOptions,
  ID_TOKEN_ALGS,
  type IdTokenSigningAlg,
} from './app-launch.emulator-app';
import { App2WxappEmulator, type EmulatedPoolOptions, type EmulatorResponseShape } from './app2wxapp.emulator';

/** Where the CLI writes: one call per line. */
export interface EmulatorCliIo {
  out(line: string): void;
  err(line: string): void;
}

/** What `runEmulatorCli` answers: an exit code, and when the emulator runs, the emulator and how to stop it. */
export interface RunningEmulatorCli {
  /** 0: running, or `--help`; 1: could not start (port in use, …); 2: bad arguments. */
  exitCode: number;
  emulator?: App2WxappEmulator;
  stop(): Promise<void>;
}

export const DEFAULT_CLI_PORT = 4400;
const DEFAULT_POOL_ID = 'emulator-pool';
const ID = /^[\w.-]{1,128}$/;
const SHAPES: readonly EmulatorResponseShape[] = ['string', 'object', 'bare'];

export const EMULATOR_CLI_USAGE = `Usage: app2wxapp-emulator [options]

An Authing EMULATOR for local development and tests: the app2wxapp ticket exchange
(POST /oauth/app2wxapp/auth/:userPoolId), the v3 app-launch flow (POST /api/v3/signin-by-mobile,
GET /api/v3/get-profile, JWKS), and a control API and page at /__emulator/. It is not Authing.

User pools (ticket flow):
  --user-pool-id <id>      the first pool (default: ${DEFAULT_POOL_ID})
  --secret <secret>        its secret (default: a random one, printed)
  --pool <id>:<secret>     another pool; repeatable
  --ticket-ttl <ms>        ticket lifetime (default 120000, Authing's)
  --response-shape <s>     string (default) | object | bare: how the user is wrapped

App-launch app (v3), enabled by --app-id:
  --app-id <id>            the app's id
  --app-secret <secret>    its secret (default: a random one, printed)
  --connection <id>        the app-launch connection identifier (default: wechat-app-launch)
  --client-auth <mode>     none (default) | client_secret_post | client_secret_basic
  --id-token-alg <alg>     RS256 (default) | HS256

Server:
  --port <n>               default ${DEFAULT_CLI_PORT}; 0 picks a free port
  --bind <address>         default 127.0.0.1 (loopback). Anything else exposes a login minting service.
  -h, --help               this text

Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.`;

class UsageError extends Error {}

interface CliConfig {
  pools: Array<EmulatedPoolOptions & { secret: string; secretGenerated: boolean }>;
  app?: EmulatedAppOptions & { appSecret: string; secretGenerated: boolean };
  port: number;
  bind: string;
  ticketTtlMs?: number;
  responseShape?: EmulatorResponseShape;
}

/**
 * The `app2wxapp-emulator` command, as a function: parses `argv` (without `node` and the script), starts the emulator
 * with its control API, and prints what to paste. It never prints a secret it was given. The bin adds the signal
 * handling; tests call this on port 0.
 */
export async function runEmulatorCli(argv: readonly string[], io: EmulatorCliIo): Promise<RunningEmulatorCli> {
  const idle = { emulator: undefined, stop: async () => undefined };
  let config: CliConfig | 'help';
  try {
    config = parse(argv);
  } catch (error) {
    io.err(`app2wxapp-emulator: ${error instanceof UsageError ? error.message : 'invalid arguments'}`);
    io.err('Run app2wxapp-emulator --help for the options.');
    return { exitCode: 2, ...idle };
  }
  if (config === 'help') {
    io.out(EMULATOR_CLI_USAGE);
    return { exitCode: 0, ...idle };
  }
  const [first, ...others] = config.pools;
  let emulator: App2WxappEmulator;
  try {
    emulator = await App2WxappEmulator.start({
      userPoolId: first.userPoolId,
      secret: first.secret,
      pools: others.map(({ userPoolId, secret }) => ({ userPoolId, secret })),
      apps: config.app ? [config.app] : [],
      port: config.port,
      bindAddress: config.bind,
      ticketTtlMs: config.ticketTtlMs,
      responseShape: config.responseShape,
      controlApi: true,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    const why =
      code === 'EADDRINUSE'
        ? `port ${config.port} is in use on ${config.bind}: pass --port <n> (0 picks a free one)`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
          ? `cannot listen on ${config.bind}: no such local address`
          : code === 'EACCES'
            ? `no permission to listen on port ${config.port}`
            : `could not start: ${code ?? (error as Error)?.message ?? 'unknown error'}`;
    io.err(`app2wxapp-emulator: ${why}`);
    return { exitCode: 1, ...idle };
  }
  banner(io, emulator, config);
  return { exitCode: 0, emulator, stop: () => emulator.close() };
}

function parse(argv: readonly string[]): CliConfig | 'help' {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'user-pool-id': { type: 'string' },
        secret: { type: 'string' },
        pool: { type: 'string', multiple: true },
        'ticket-ttl': { type: 'string' },
        'response-shape': { type: 'string' },
        'app-id': { type: 'string' },
        'app-secret': { type: 'string' },
        connection: { type: 'string' },
        'client-auth': { type: 'string' },
        'id-token-alg': { type: 'string' },
        port: { type: 'string' },
        bind: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(describeParseError(error as NodeJS.ErrnoException));
  }
  if (values.help) return 'help';
  const text = (name: string) => values[name] as string | undefined;

  const pools: CliConfig['pools'] = [];
  const userPoolId = text('user-pool-id');
  const secret = text('secret');
  if (secret !== undefined && secret === '') throw new UsageError('--secret must not be empty');
  if (userPoolId !== undefined) checkId('--user-pool-id', userPoolId);
  if (userPoolId !== undefined || secret !== undefined || !values.pool) {
    if (userPoolId === undefined && secret !== undefined && values.pool) throw new UsageError('--secret needs --user-pool-id when --pool is given');
    pools.push({ userPoolId: userPoolId ?? DEFAULT_POOL_ID, secret: secret ?? generated(), secretGenerated: secret === undefined });
  }
  for (const [index, spec] of ((values.pool as string[] | undefined) ?? []).entries()) {
    const colon = spec.indexOf(':');
    if (colon < 0) throw new UsageError(`--pool #${index + 1} must be <userPoolId>:<secret> (it has no ':')`);
    const id = spec.slice(0, colon);
    const poolSecret = spec.slice(colon + 1);
    checkId(`--pool #${index + 1}'s user pool id`, id);
    if (poolSecret === '') throw new UsageError(`--pool #${index + 1} has an empty secret`);
    pools.push({ userPoolId: id, secret: poolSecret, secretGenerated: false });
  }
  const seen = new Set<string>();
  for (const pool of pools) {
    if (seen.has(pool.userPoolId)) throw new UsageError(`user pool ${pool.userPoolId} is given twice`);
    seen.add(pool.userPoolId);
  }

  const config: CliConfig = { pools, port: DEFAULT_CLI_PORT, bind: '127.0.0.1' };
  const port = text('port');
  if (port !== undefined) {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new UsageError('--port must be an integer from 0 to 65535');
    config.port = Number(port);
  }
  const bind = text('bind');
  if (bind !== undefined) {
    if (!/^[\w.:-]{1,253}$/.test(bind)) throw new UsageError('--bind must be an IP address or host name, such as 127.0.0.1');
    config.bind = bind;
  }
  const ttl = text('ticket-ttl');
  if (ttl !== undefined) {
    if (!/^\d{1,10}$/.test(ttl) || Number(ttl) < 1) throw new UsageError('--ticket-ttl must be a positive integer (milliseconds)');
    config.ticketTtlMs = Number(ttl);
  }
  const shape = text('response-shape');
  if (shape !== undefined) {
    if (!SHAPES.includes(shape as EmulatorResponseShape)) throw new UsageError(`--response-shape must be one of ${SHAPES.join(', ')}`);
    config.responseShape = shape as EmulatorResponseShape;
  }

  const appId = text('app-id');
  const appOnly = ['app-secret', 'connection', 'client-auth', 'id-token-alg'].filter((name) => values[name] !== undefined);
  if (appId === undefined) {
    if (appOnly.length > 0) throw new UsageError(`--${appOnly[0]} needs --app-id`);
    return config;
  }
  checkId('--app-id', appId);
  const appSecret = text('app-secret');
  if (appSecret !== undefined && appSecret === '') throw new UsageError('--app-secret must not be empty');
  const connection = text('connection');
  if (connection !== undefined && !/^[a-z0-9-]{1,31}$/.test(connection)) {
    throw new UsageError('--connection must be lowercase letters, digits and -, under 32 characters (the console rule)');
  }
  const clientAuth = text('client-auth');
  if (clientAuth !== undefined && !CLIENT_AUTH_METHODS.includes(clientAuth as AppClientAuthMethod)) {
    throw new UsageError(`--client-auth must be one of ${CLIENT_AUTH_METHODS.join(', ')}`);
  }
  const alg = text('id-token-alg');
  if (alg !== undefined && !ID_TOKEN_ALGS.includes(alg as IdTokenSigningAlg))
    throw new UsageError(`--id-token-alg must be one of ${ID_TOKEN_ALGS.join(', ')}`);
  config.app = {
    appId,
    appSecret: appSecret ?? generated(),
    secretGenerated: appSecret === undefined,
    connection,
    clientAuth: clientAuth as AppClientAuthMethod | undefined,
    idTokenAlg: alg as IdTokenSigningAlg | undefined,
  };
  return config;
}

/** parseArgs' messages quote the offending argument, which may be a secret: say what is wrong without it. */
function describeParseError(error: NodeJS.ErrnoException): string {
  const option = /'(--?[\w-]{1,40})/.exec(error?.message ?? '')?.[1];
  switch (error?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return option ? `unknown option ${option}` : 'unknown option';
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return 'unexpected argument: every value follows its option (--secret <secret>)';
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/ambiguous/.test(error.message) && option) return `the value after ${option} starts with '-': write ${option}=<value>`;
      return option ? `${option} needs a value` : 'an option is missing its value';
    default:
      return 'invalid arguments';
  }
}

function checkId(what: string, id: string): void {
  if (!ID.test(id)) throw new UsageError(`${what} must be 1 to 128 letters, digits, _ . or -`);
}

function generated(): string {
  return `emulator-${randomBytes(12).toString('hex')}`;
}

/** A value for a POSIX shell, single-quoted when it needs to be. */
function sh(value: string): string {
  return /^[\w.:/@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function banner(io: EmulatorCliIo, emulator: App2WxappEmulator, config: CliConfig): void {
  const url = emulator.url;
  const rule = '='.repeat(78);
  const [first, ...others] = config.pools;
  const secretLine = (name: string, secret: string, isGenerated: boolean, flag: string) =>
    isGenerated ? `  export ${name}=${sh(secret)}` : `  # ${name}: the value you passed with ${flag} (not printed)`;
  io.out(rule);
  io.out('  EMULATOR: this is NOT Authing. It answers like Authing and mints logins for anyone who asks.');
  io.out(`  app2wxapp-emulator listening on ${url}`);
  io.out(rule);
  if (!config.bind.startsWith('127.') && config.bind !== 'localhost' && config.bind !== '::1') {
    io.err(`WARNING: bound to ${config.bind}, not loopback: anyone who can reach this port can mint logins through ${url}/__emulator/.`);
  }
  io.out('');
  io.out('Paste into the shell that starts your backend (ticket flow):');
  io.out(`  export AUTHING_HOST=${sh(url)}`);
  io.out(`  export AUTHING_USER_POOL_ID=${sh(first.userPoolId)}`);
  io.out(secretLine('AUTHING_USER_POOL_SECRET', first.secret, first.secretGenerated, '--secret'));
  for (const pool of others) io.out(`  # another pool: ${pool.userPoolId} (its secret as passed with --pool)`);
  if (config.app) {
    const app = config.app;
    io.out('');
    io.out('App-launch (v3):');
    io.out(`  export AUTHING_APP_HOST=${sh(url)}`);
    io.out(`  export AUTHING_APP_ID=${sh(app.appId)}`);
    io.out(secretLine('AUTHING_APP_SECRET', app.appSecret, app.secretGenerated, '--app-secret'));
    io.out(`  export AUTHING_CONNECTION=${sh(app.connection ?? 'wechat-app-launch')}`);
    io.out(`  # client auth ${app.clientAuth ?? 'none'}, id_token ${app.idTokenAlg ?? 'RS256'}, issuer ${url}/oidc`);
    io.out(`  # JWKS ${url}/${app.appId}/oidc/.well-known/jwks.json (also ${url}/oidc/.well-known/jwks.json)`);
  }
  io.out('');
  io.out(`Control page: ${url}/__emulator/`);
  io.out(`A ticket:     curl -s -X POST ${url}/__emulator/tickets -H 'content-type: application/json' -d '{"nickname":"Alice"}'`);
  if (config.app) io.out(`App codes:    curl -s -X POST ${url}/__emulator/codes -H 'content-type: application/json' -d '{"nickname":"Alice"}'`);
  io.out('Ctrl-C stops it.');
}
