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

describe('demo page in headless Chromium', () => {
  let database: DatabaseFixture;
  let sample: SampleServer;
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    database = await pgliteDatabase();
    sample = await startSample(database.env);
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
    await sample?.close();
    await database?.dispose();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it('shows the whole login as a person sees it: launch, login twice, refused replay, cancel', async () => {
    await page.goto(sample.url);
    await page.waitForSelector('body[data-ready="true"]');

    expect(await page.textContent('#mode-banner')).toContain('EMULATOR MODE');
    expect(await page.textContent('#launch-params')).toContain('gh_a781a791e29e');
    expect(await page.textContent('#launch-params')).toContain('getPhone=1');

    await page.selectOption('#person-preset', 'new');
    await page.fill('#nickname', 'Browser Bob');
    await page.fill('#unionid', `wx-browser-${Date.now()}`);
    await page.check('#share-phone');
    await page.click('#authorize');

    expect(await textOf(page, '#login-count', '1')).toBe('1');
    expect(await textOf(page, '#profile-nickname', 'Browser Bob')).toBe('Browser Bob');
    expect(await page.textContent('#login-status')).toContain('200');
    expect(await page.textContent('#extmsg')).toContain('code=200');
    expect(await page.textContent('#login-request')).toContain('ticket');
    expect(await textOf(page, '#me', /"loginCount": 1/)).toContain('"nickname": "Browser Bob"');
    expect(await page.textContent('#stored-row')).toContain('"authingId"');
    expect(await page.textContent('#profile')).not.toContain('token');

    // The same person authorises again: a new ticket, the same stored user.
    await page.click('#authorize');
    expect(await textOf(page, '#login-count', '2')).toBe('2');
    await textOf(page, '#me', /"loginCount": 2/);

    await page.click('#replay');
    expect(await textOf(page, '#replay-result', /^401/)).toMatch(/already been used/);

    await page.click('#cancel');
    expect(await textOf(page, '#cancel-result', /^401/)).toContain('用户取消授权');
    expect(await page.textContent('#login-status')).toContain('用户取消授权');

    expect(problems).toEqual([]);
  }, 60_000);
});
