import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type DatabaseFixture, pgliteDatabase } from '../support/database-fixtures';
import { type SampleServer, startSample } from '../support/sample-server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  // CI installs it; a silent skip would pass without testing the page.
  throw new Error(`Chromium not found at ${CHROMIUM}: run \`bash .ci/chromium.sh\` (Debian's chromium) or set CHROMIUM_PATH.`);
}

// Set DEMO_SCREENSHOTS to a directory to keep a full-page screenshot of each width, for a person to look at.
const SCREENSHOTS = process.env.DEMO_SCREENSHOTS;

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Waits until the element's text is what a person would read, then returns it. */
async function textOf(page: Page, selector: string, expected: string | RegExp): Promise<string> {
  const pattern = typeof expected === 'string' ? `^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : expected.source;
  await page.waitForFunction(
    // Runs in the page; the test compiles without the DOM typings.
    ([sel, source]) => new RegExp(source).test((globalThis as any).document.querySelector(sel)?.textContent ?? ''),
    [selector, pattern] as const,
    { timeout: 15_000 },
  );
  return (await page.textContent(selector)) ?? '';
}

/** What differs between the two flows, as a person sees it on the page. */
const FLOWS = [
  {
    flow: 'ticket',
    env: {},
    badge: "ticket flow (Authing's mini program)",
    launch: ['"flow": "ticket"', 'gh_a781a791e29e', 'getPhone=1'],
    extMsg: /^code=200&message=/,
    request: '"ticket"',
    cancelled: /^401 — .*用户取消授权/,
  },
  {
    flow: 'app-launch',
    env: { AUTHING_FLOW: 'app-launch' },
    badge: 'app-launch flow (your own mini program)',
    launch: ['"flow": "app-launch"', '"userName": null'],
    // Masked: a WeChat code is a credential until it is spent.
    extMsg: /^\{"code":"[^"]{4}…\(\d+ chars\)","phoneInfoCode":"[^"]{4}…\(64 chars\)"\}$/,
    request: '"extMsg"',
    // The customer's own mini program returns no codes when the phone is declined: the guard refuses it.
    cancelled: /^401 — /,
  },
] as const;

describe('demo page in headless Chromium', () => {
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    profileDir = await mkdtemp(join(tmpdir(), 'app2wxapp-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Script errors and Content-Security-Policy violations (a stale script hash would block the page's script).
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  /** The avatar as the person sees it: a loaded image (naturalWidth > 0), or null when there is none. */
  function avatar() {
    return page.$eval('#avatar', (img: any) =>
      img.getAttribute('src') ? { src: img.src as string, complete: img.complete as boolean, width: img.naturalWidth as number } : null,
    );
  }

  describe.each(FLOWS)('in the $flow flow', (expected) => {
    let database: DatabaseFixture;
    let sample: SampleServer;

    beforeAll(async () => {
      database = await pgliteDatabase();
      sample = await startSample({ ...database.env, ...expected.env });
    }, 120_000);

    afterAll(async () => {
      await sample?.close();
      await database?.dispose();
    });

    it.each(VIEWPORTS)(
      'shows the whole login as a person sees it on a $name ($width px): launch, login twice, refused replay, cancel',
      async (viewport) => {
        problems.length = 0;
        await page.setViewportSize({ width: viewport.width, height: viewport.height });
        await page.goto(sample.url);
        await page.waitForSelector('body[data-ready="true"]');

        expect(await page.textContent('#mode-banner')).toContain('EMULATOR MODE');
        expect(await page.textContent('#flow-badge')).toBe(expected.badge);
        expect(await page.getAttribute('#flow-badge', 'data-flow')).toBe(expected.flow);
        const launch = (await page.textContent('#launch-params')) ?? '';
        for (const part of expected.launch) expect(launch).toContain(part);
        // The app-launch sign-in takes both codes: the phone cannot be withheld there.
        expect(await page.isDisabled('#share-phone')).toBe(expected.flow === 'app-launch');

        await page.selectOption('#person-preset', 'new');
        await page.fill('#nickname', 'Browser Bob');
        await page.fill('#unionid', `wx-browser-${Date.now()}`);
        await page.fill('#phone', '13900001111');
        if (expected.flow === 'ticket') await page.check('#share-phone');
        // What the emulated mini program minted: none of it may appear whole on the page.
        const minted: string[] = [];
        const onMint = async (response: { url(): string; json(): Promise<any> }) => {
          if (!/\/dev\/emulator\/(tickets|codes)$/.test(response.url())) return;
          const body = await response.json();
          minted.push(...[body.ticket, body.code, body.phoneInfoCode].filter((value): value is string => typeof value === 'string'));
        };
        page.on('response', onMint);
        await page.click('#authorize');

        expect(await textOf(page, '#login-count', '1')).toBe('1');
        expect(await textOf(page, '#profile-nickname', 'Browser Bob')).toBe('Browser Bob');
        expect(await page.textContent('#login-status')).toContain('200');
        expect(await page.textContent('#extmsg')).toMatch(expected.extMsg);
        expect(await page.textContent('#login-request')).toContain(expected.request);
        expect(await textOf(page, '#me', /"loginCount": 1/)).toContain('"nickname": "Browser Bob"');
        expect(await page.textContent('#me')).toContain('"phone": "13900001111"');
        expect(await page.textContent('#stored-row')).toContain('"authingId"');
        expect(await page.textContent('#profile')).toContain(`"flow": "${expected.flow}"`);
        expect(await page.textContent('#profile')).not.toContain('token');
        // The emulator's avatar, served from its own origin: a real picture, offline.
        await page.waitForFunction(() => ((globalThis as any).document.querySelector('#avatar')?.naturalWidth ?? 0) > 0, undefined, {
          timeout: 15_000,
        });
        expect(await avatar()).toEqual({
          src: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/avatars\/[0-9a-f]{24}\.svg$/),
          complete: true,
          width: 120,
        });

        // The same person authorises again: a new ticket or new codes, the same stored user.
        await page.click('#authorize');
        expect(await textOf(page, '#login-count', '2')).toBe('2');
        await textOf(page, '#me', /"loginCount": 2/);
        page.off('response', onMint);
        expect(minted.length).toBe(expected.flow === 'ticket' ? 2 : 4);
        const shown = await page.evaluate(() => (globalThis as any).document.body.innerText as string);
        for (const secret of minted) expect(shown).not.toContain(secret);

        await page.click('#replay');
        expect(await textOf(page, '#replay-result', /^401/)).toMatch(/already been used/);

        // Nothing overflows sideways: every control is reachable without horizontal scrolling.
        expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
        if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `demo-page-${expected.flow}-${viewport.name}.png`), fullPage: true });

        // A cancelled login leaves nobody logged in: the card no longer shows the previous person.
        await page.click('#cancel');
        expect(await textOf(page, '#cancel-result', /^401/)).toMatch(expected.cancelled);
        expect(await page.textContent('#login-status')).toMatch(/^401/);
        for (const id of ['#profile-nickname', '#login-count', '#profile', '#stored-row', '#me']) expect(await page.textContent(id)).toBe('—');
        expect(await avatar()).toBeNull();
        if (SCREENSHOTS)
          await page.screenshot({ path: join(SCREENSHOTS, `demo-page-${expected.flow}-${viewport.name}-cancelled.png`), fullPage: true });

        expect(problems).toEqual([]);
      },
      60_000,
    );
  });
});
