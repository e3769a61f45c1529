import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';

const POOL = 'pool-avatars';
const SECRET = 'avatars-secret-51c2';

/** The photo Authing would answer for this ticket, exchanged at the emulator as the module does. */
async function photoOf(emulator: App2WxappEmulator, ticket: string): Promise<string> {
  const answer = await fetch(`${emulator.url}/oauth/app2wxapp/auth/${POOL}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ secret: SECRET, ticket }),
  });
  const { data } = (await answer.json()) as { data: string };
  return JSON.parse(data).photo;
}

describe('the emulator serves the avatars it hands out', () => {
  let emulator: App2WxappEmulator;

  beforeEach(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
  });
  afterEach(async () => {
    await emulator.close();
  });

  it('hands out an avatar URL on its own origin, which answers a cacheable SVG', async () => {
    const photo = await photoOf(emulator, emulator.issueTicket({ unionid: 'o-avatar-alice' }));
    expect(photo).toBe(`${emulator.url}/avatars/${emulator.userId('o-avatar-alice')}.svg`);

    const image = await fetch(photo);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/svg+xml');
    expect(image.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    const svg = await image.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="120" height="120"[^>]*>.*<rect .*<\/svg>$/s);
    expect(Number(image.headers.get('content-length'))).toBe(Buffer.byteLength(svg));

    const revalidated = await fetch(photo, { headers: { 'if-none-match': image.headers.get('etag')! } });
    expect(revalidated.status).toBe(304);
  });

  it('draws the same picture for the same person, after a restart too, and another for someone else', async () => {
    const alice = await (await fetch(await photoOf(emulator, emulator.issueTicket({ unionid: 'o-avatar-alice' })))).text();
    const again = await (await fetch(await photoOf(emulator, emulator.issueTicket({ unionid: 'o-avatar-alice', nickname: 'Renamed' })))).text();
    const bob = await (await fetch(await photoOf(emulator, emulator.issueTicket({ unionid: 'o-avatar-bob' })))).text();
    expect(again).toBe(alice);
    expect(bob).not.toBe(alice);

    await emulator.close();
    emulator = await App2WxappEmulator.start({ userPoolId: POOL, secret: SECRET });
    const restarted = await (await fetch(await photoOf(emulator, emulator.issueTicket({ unionid: 'o-avatar-alice' })))).text();
    expect(restarted).toBe(alice);
  });

  it('answers 404 for a person it does not know, and keeps an avatarUrl it was given', async () => {
    expect((await fetch(`${emulator.url}/avatars/${'0'.repeat(24)}.svg`)).status).toBe(404);
    const given = 'https://example.com/me.png';
    expect(await photoOf(emulator, emulator.issueTicket({ avatarUrl: given }))).toBe(given);
  });

  it('keeps avatar requests out of the exchange: not counted, recorded or faulted', async () => {
    const photo = await photoOf(emulator, emulator.issueTicket());
    emulator.reset();
    emulator.failNext('http500');
    expect((await fetch(photo)).status).toBe(200);
    expect(emulator.requestCount).toBe(0);
    expect(emulator.requests).toEqual([]);

    const exchange = await fetch(`${emulator.url}/oauth/app2wxapp/auth/${POOL}`, { method: 'POST', body: '{}' });
    expect(exchange.status).toBe(500);
  });
});
