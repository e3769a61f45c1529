import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEMO_PAGE = Symbol('DEMO_PAGE');

export interface DemoPage {
  html: string;
  /** Allows exactly the page's own inline script and style, and requests to this origin only. */
  contentSecurityPolicy: string;
}

/** Reads `index.html` once, at boot, so a missing file fails the start rather than the first visit. */
export function loadDemoPage(publicDir: string): DemoPage {
  const html = readFileSync(join(publicDir, 'index.html'), 'utf8');
  const hashes = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))]
      .map((match) => `'sha256-${createHash('sha256').update(match[1]).digest('base64')}'`)
      .join(' ');
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${hashes('script') || "'none'"}`,
    `style-src ${hashes('style') || "'none'"}`,
    "connect-src 'self'",
    'img-src * data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}
