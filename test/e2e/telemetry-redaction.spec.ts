import { createHash, randomBytes } from 'node:crypto';
import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { App2WxappGuard, App2WxappModule, type App2WxappProfile, App2WxappUser } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { type OtelSdk, recordedStrings, registerOtelSdk } from './support/otel-sdk';
import { ADAPTERS, type RunningApp, startApp } from './support/test-app';

const POOL = 'pool-telemetry-redaction';
const NAMED_POOL = 'pool-telemetry-redaction-genauth';
/** Random, so that no run of it is shared with a name in this file by chance. */
const SECRET = randomBytes(20).toString('hex');
const PHONE = '13800138000';
/** Long enough to be a leak: the same run as the log rule for secrets and tickets. */
const RUN = 12;

@Controller()
class NamedPoolController {
  @Post('genauth')
  @HttpCode(200)
  @UseGuards(App2WxappGuard.forPool('genauth'))
  genauth(@App2WxappUser() user: unknown) {
    return { user };
  }
}

/** The first run of `RUN` characters of `secret` that `text` contains, or undefined. */
function leakedRun(text: string, secret: string): string | undefined {
  if (secret.length <= RUN) return text.includes(secret) ? secret : undefined;
  for (let i = 0; i + RUN <= secret.length; i++) {
    const run = secret.slice(i, i + RUN);
    if (text.includes(run)) return run;
  }
  return undefined;
}

describe.each(ADAPTERS)('nothing secret or personal in telemetry on %s', (adapter) => {
  let sdk: OtelSdk;
  let emulator: App2WxappEmulator;
  let named: App2WxappEmulator;
  let running: RunningApp;
  /** What validateUser saw: the profile with Authing's token, which a response body never carries. */
  const profiles: App2WxappProfile[] = [];
  const keep = (profile: App2WxappProfile) => (profiles.push(profile), profile);

  beforeAll(async () => {
    sdk = registerOtelSdk();
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
    named = await App2WxappEmulator.start({ userPoolId: NAMED_POOL, secret: SECRET });
    running = await startApp(
      adapter,
      [
        App2WxappModule.forRoot({ userPoolId: POOL, secret: SECRET, host: emulator.url, circuitBreaker: false, validateUser: keep }),
        App2WxappModule.forRoot({ name: 'genauth', userPoolId: NAMED_POOL, secret: SECRET, host: named.url, validateUser: keep }),
      ],
      { controllers: [NamedPoolController] },
    );
  });
  afterAll(async () => {
    await running.close();
    await Promise.all([emulator.close(), named.close()]);
    await sdk.shutdown();
  });

  it('no span attribute, status, event or metric point carries the secret, a ticket or its hash, a token, a phone or a user id', async () => {
    const forbidden: Record<string, string> = { secret: SECRET, phone: PHONE };
    const tickets: string[] = [];
    const present = async (path: string, ticket: string, status: number) => {
      tickets.push(ticket);
      const res = await running.post(path, { ticket });
      expect(res.status).toBe(status);
      return res.body;
    };

    await present('/login', emulator.issueTicket({ phone: PHONE }), 200);
    await present('/genauth', named.issueTicket({ phone: PHONE }), 200);
    profiles.forEach((profile, i) => {
      expect(profile.phone).toBe(PHONE);
      Object.assign(forbidden, {
        [`token${i}`]: profile.token,
        [`openid${i}`]: profile.openid,
        [`unionid${i}`]: profile.unionid,
        [`userId${i}`]: profile.id,
      });
    });

    await present('/login', tickets[0], 401); // replayed
    // Upstream answers that quote the ticket and the secret back: a refusal and a 5xx.
    const quoted = emulator.issueTicket();
    emulator.failNext({ status: 400, body: { code: 400, message: `ticket ${quoted} refused for secret ${SECRET}` } });
    await present('/login', quoted, 401);
    const quoted5xx = emulator.issueTicket();
    emulator.failNext({ status: 500, body: { code: 500, message: `error with ${quoted5xx} and ${SECRET}` } });
    await present('/login', quoted5xx, 502);
    emulator.failNext({ status: 200, body: `{"code":200,"data":"${quoted5xx}${SECRET}` }); // garbage quoting both
    await present('/login', quoted5xx, 502);
    const blocked = emulator.issueTicket({ unionid: 'oBlockedRedactionUser00000001', phone: PHONE });
    emulator.blockUser('oBlockedRedactionUser00000001');
    await present('/login', blocked, 403);
    forbidden.blockedUnionid = 'oBlockedRedactionUser00000001';
    forbidden.blockedUserId = emulator.userId('oBlockedRedactionUser00000001');

    tickets.forEach((ticket, i) => {
      forbidden[`ticket${i}`] = ticket;
      forbidden[`ticketSha256_${i}`] = createHash('sha256').update(ticket).digest('hex');
    });

    for (const [what, value] of Object.entries(forbidden)) expect({ what, value: typeof value }).toEqual({ what, value: 'string' });
    const spans = sdk.spans();
    const strings = recordedStrings(spans, await sdk.collect());
    // Not a vacuous scan: the spans and points of these logins are all there.
    expect(spans.filter((span) => span.name === 'app2wxapp.login')).toHaveLength(tickets.length);
    expect(strings).toEqual(expect.arrayContaining(['app2wxapp.outcome', 'replayed', 'rejected', 'upstream-error', 'blocked', POOL, NAMED_POOL]));
    expect(strings).toEqual(expect.arrayContaining(['app2wxapp.login.duration', 'app2wxapp.circuit.state']));

    const leaks = Object.entries(forbidden).flatMap(([what, value]) =>
      strings.flatMap((text) => {
        const run = leakedRun(text, value);
        return run ? [{ what, run, in: text }] : [];
      }),
    );
    expect(leaks).toEqual([]);
  });
});
