import { App2WxappLoginError } from 'nestjs-app2wxapp';
import { extractAppLaunchCodes, extractGraphqlAppLaunchCodes, presentsNoCodes, readAppLaunchCodes } from '../../lib/login/app-launch-code.extractor';
import { appLaunchCodeDigest } from '../../lib/shared/app-launch-code.utils';
import { ticketDigest } from '../../lib/shared/ticket.utils';

const CODE = '0a3Xr2000Nh7zQ1xYw100Qk8y13Xr20y';
const PHONE = 'e31968a7f94cc5ee25fafc2aef2773f6bb8c3e1c7e6bfa8c7c3b8c18b0f4b6f1';
const codes = { code: CODE, phoneInfoCode: PHONE };

function refusal(fn: () => unknown): App2WxappLoginError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(App2WxappLoginError);
    return err as App2WxappLoginError;
  }
  throw new Error('no refusal');
}

describe('app-launch code extraction', () => {
  it('reads the JSON body', () => {
    expect(extractAppLaunchCodes({ body: { code: CODE, phoneInfoCode: PHONE, other: 1 } })).toEqual(codes);
  });

  it("reads the mini program's raw extMsg", () => {
    expect(extractAppLaunchCodes({ body: { extMsg: JSON.stringify(codes) } })).toEqual(codes);
  });

  it('prefers the body fields over extMsg', () => {
    const extMsg = JSON.stringify({ code: 'X'.repeat(32), phoneInfoCode: 'Y'.repeat(32) });
    expect(extractAppLaunchCodes({ body: { ...codes, extMsg } })).toEqual(codes);
  });

  it('reads GraphQL arguments, then an extMsg argument', () => {
    expect(extractGraphqlAppLaunchCodes({ code: CODE, phoneInfoCode: PHONE })).toEqual(codes);
    expect(extractGraphqlAppLaunchCodes({ code: null, phoneInfoCode: null, extMsg: JSON.stringify(codes) })).toEqual(codes);
  });

  it("reads what an app's codeExtractor returned", () => {
    expect(readAppLaunchCodes(codes)).toEqual(codes);
    expect(readAppLaunchCodes(JSON.stringify(codes))).toEqual(codes);
    expect(readAppLaunchCodes({ extMsg: JSON.stringify(codes) })).toEqual(codes);
  });

  it('keeps nothing but the two codes', () => {
    const read = extractAppLaunchCodes({ body: { extMsg: JSON.stringify({ ...codes, __proto__: { admin: true }, extra: 'x' }) } });
    expect(Object.keys(read)).toEqual(['code', 'phoneInfoCode']);
  });

  const hostile = `${CODE}"<script>`;
  it.each([
    ['no body', {}, /No WeChat codes were presented/],
    ['an empty body', { body: {} }, /No WeChat codes were presented/],
    ['a string body', { body: 'code=abc' }, /No WeChat codes were presented/],
    ['no phone code', { body: { code: CODE } }, /No phoneInfoCode was presented/],
    ['no login code', { body: { phoneInfoCode: PHONE } }, /No code was presented/],
    ['a numeric code', { body: { code: 12345678901, phoneInfoCode: PHONE } }, /The code must be a string/],
    ['an array code', { body: { code: [CODE], phoneInfoCode: PHONE } }, /The code must be a string/],
    ['a short code', { body: { code: 'abc', phoneInfoCode: PHONE } }, /shorter than 8/],
    ['an oversized code', { body: { code: 'a'.repeat(129), phoneInfoCode: PHONE } }, /longer than 128/],
    ['a code with other characters', { body: { code: hostile, phoneInfoCode: PHONE } }, /characters a WeChat code cannot contain/],
    ['a phone code with a newline', { body: { code: CODE, phoneInfoCode: `${PHONE}\n` } }, /phoneInfoCode contains characters/],
    ['an extMsg that is not JSON', { body: { extMsg: 'code=200&ticket=abc' } }, /extMsg is not the JSON/],
    ['an extMsg that is a JSON array', { body: { extMsg: '[1,2]' } }, /extMsg is not the JSON object/],
    ['an extMsg object', { body: { extMsg: codes } }, /extMsg must be the JSON string/],
    ['an oversized extMsg', { body: { extMsg: JSON.stringify({ ...codes, pad: 'x'.repeat(5000) }) } }, /extMsg must be the JSON string/],
    ['an extMsg without codes', { body: { extMsg: '{"errMsg":"navigateBackApp:ok"}' } }, /No code was presented/],
  ])('refuses %s with a 401 that quotes nothing', (_name, request, message) => {
    const error = refusal(() => extractAppLaunchCodes(request));
    expect(error.getStatus()).toBe(401);
    expect(error.kind).toBe('invalid-ticket');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(CODE);
    expect(error.message).not.toContain(PHONE.slice(0, 12));
    expect(JSON.stringify(error.getResponse())).not.toContain('script');
  });

  it.each([[undefined], [null], ['x'], [{}], [{ code: CODE }]])('refuses GraphQL arguments %j', (args) => {
    expect(refusal(() => extractGraphqlAppLaunchCodes(args)).getStatus()).toBe(401);
  });

  it('says when nothing at all was presented', () => {
    expect(presentsNoCodes({ body: {} })).toBe(true);
    expect(presentsNoCodes({})).toBe(true);
    expect(presentsNoCodes({ body: { extMsg: 'garbage' } })).toBe(false);
    expect(presentsNoCodes({ body: { phoneInfoCode: PHONE } })).toBe(false);
  });

  it('keys the replay claim by a digest of the login code alone', () => {
    expect(appLaunchCodeDigest(codes)).toBe(ticketDigest(CODE));
    expect(appLaunchCodeDigest({ code: CODE, phoneInfoCode: 'f'.repeat(64) })).toBe(appLaunchCodeDigest(codes));
    expect(appLaunchCodeDigest(codes)).toMatch(/^[0-9a-f]{64}$/);
  });
});
