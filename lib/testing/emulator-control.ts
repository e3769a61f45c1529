import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AppLaunchSigninStep, type AppLaunchUserStatus, SIGNIN_STEPS, USER_STATUSES } from './app-launch.emulator-app';
import type { App2WxappEmulator } from './app2wxapp.emulator';
import { type EmulatedWechatUser, wechatId } from './emulated-user.factory';
import { decodeSegment, type EmulatorFaultTarget, FAULT_TARGETS, parseFault, parseJson, send } from './emulator-http';
import { emulatorPage } from './emulator-page';

/** A refusal with its HTTP status. */
class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  run(emulator: App2WxappEmulator, params: string[], body: Body, url: URL): { status?: number; body: unknown } | { page: string; nonce: string };
}

const PERSON_STRINGS = ['unionid', 'openid', 'nickname', 'avatarUrl', 'language', 'city', 'province', 'country'] as const;
const MAX_FIELD = 200;

const ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: /^\/?$/,
    run(emulator) {
      const nonce = randomBytes(16).toString('base64');
      return { page: emulatorPage(emulator, nonce), nonce };
    },
  },
  { method: 'GET', pattern: /^\/state$/, run: (emulator) => ({ body: state(emulator) }) },
  {
    method: 'POST',
    pattern: /^\/tickets$/,
    run(emulator, _params, body) {
      const userPoolId = optionalString(body, 'userPoolId');
      const selector = { userPoolId: userPoolId ?? emulator.userPoolId };
      if (!emulator.hasPool(selector.userPoolId)) throw new ControlError(404, 'no user pool with this userPoolId');
      const user = person(body, ['userPoolId']);
      user.unionid ??= wechatId();
      const ticket = emulator.issueTicket(user, selector);
      const extMsg = `code=200&message=${encodeURIComponent('授权成功')}&ticket=${ticket}`;
      return {
        status: 201,
        body: { ticket, extMsg, userId: emulator.userId(user.unionid, selector), unionid: user.unionid, userPoolId: selector.userPoolId },
      };
    },
  },
  {
    method: 'POST',
    pattern: /^\/tickets\/([^/]+)\/expire$/,
    run(emulator, [ticket]) {
      if (!emulator.expireTicket(ticket)) throw new ControlError(404, 'the emulator never issued this ticket (or forgot it long ago)');
      return { body: { expired: true } };
    },
  },
  {
    method: 'POST',
    pattern: /^\/users\/([^/]+)\/(block|unblock|delete|undelete)$/,
    run(emulator, [unionid, action], body) {
      noOtherFields(body, ['userPoolId']);
      const userPoolId = optionalString(body, 'userPoolId') ?? emulator.userPoolId;
      if (!emulator.hasPool(userPoolId)) throw new ControlError(404, 'no user pool with this userPoolId');
      checkLength('unionid', unionid);
      const on = action === 'block' || action === 'delete';
      if (action.endsWith('block')) emulator.blockUser(unionid, on, { userPoolId });
      else emulator.deleteUser(unionid, on, { userPoolId });
      return {
        body: { unionid, userPoolId, userId: emulator.userId(unionid, { userPoolId }), [action.endsWith('block') ? 'blocked' : 'deleted']: on },
      };
    },
  },
  {
    method: 'POST',
    pattern: /^\/faults$/,
    run(emulator, _params, body) {
      noOtherFields(body, ['fault', 'times', 'on']);
      const parsed = parseFault(body.fault);
      if ('error' in parsed) throw new ControlError(400, parsed.error);
      const times = body.times ?? 1;
      if (typeof times !== 'number' || !Number.isSafeInteger(times) || times < 1 || times > 1000)
        throw new ControlError(400, 'times must be an integer from 1 to 1000');
      const on = body.on ?? 'any';
      if (typeof on !== 'string' || !FAULT_TARGETS.includes(on as EmulatorFaultTarget))
        throw new ControlError(400, `on must be one of ${FAULT_TARGETS.join(', ')}`);
      emulator.failNext(parsed.fault, times, { on: on as EmulatorFaultTarget });
      return { status: 201, body: { queued: times, pendingFaults: emulator.pendingFaults } };
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/faults$/,
    run(emulator) {
      emulator.clearFaults();
      return { body: { pendingFaults: 0 } };
    },
  },
  { method: 'GET', pattern: /^\/clock$/, run: (emulator) => ({ body: clock(emulator) }) },
  {
    method: 'POST',
    pattern: /^\/clock$/,
    run(emulator, _params, body) {
      noOtherFields(body, ['advanceMs']);
      const ms = body.advanceMs;
      if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) throw new ControlError(400, 'advanceMs must be an integer >= 0');
      emulator.advanceClock(ms);
      return { body: clock(emulator) };
    },
  },
  {
    method: 'POST',
    pattern: /^\/pools$/,
    run(emulator, _params, body) {
      noOtherFields(body, ['userPoolId', 'secret']);
      const userPoolId = requiredString(body, 'userPoolId');
      const secret = requiredString(body, 'secret', 'secret');
      if (emulator.hasPool(userPoolId)) throw new ControlError(409, 'a pool with this userPoolId exists already');
      emulator.addPool({ userPoolId, secret });
      return { status: 201, body: { userPoolId } };
    },
  },
  {
    method: 'POST',
    pattern: /^\/pools\/([^/]+)\/secret$/,
    run(emulator, [userPoolId], body) {
      noOtherFields(body, ['secret']);
      const secret = requiredString(body, 'secret', 'secret');
      if (!emulator.hasPool(userPoolId)) throw new ControlError(404, 'no user pool with this userPoolId');
      emulator.rotateSecret(userPoolId, secret);
      return { body: { userPoolId, rotated: true } };
    },
  },
  {
    method: 'POST',
    pattern: /^\/codes$/,
    run(emulator, _params, body) {
      const appId = optionalString(body, 'appId') ?? emulator.appLaunch.defaultAppId;
      if (appId === undefined) throw new ControlError(404, 'the emulator has no app-launch app (start it with --app-id)');
      if (!emulator.appLaunch.hasApp(appId)) throw new ControlError(404, 'no app with this appId');
      return { status: 201, body: emulator.issueCodes(person(body, ['appId']), { appId }) };
    },
  },
  {
    method: 'POST',
    pattern: /^\/app-users\/([^/]+)$/,
    run(emulator, [unionid], body) {
      noOtherFields(body, ['status', 'locked', 'step']);
      checkLength('unionid', unionid);
      const { status, locked, step } = body;
      if (status !== undefined && !USER_STATUSES.includes(status as AppLaunchUserStatus))
        throw new ControlError(400, `status must be one of ${USER_STATUSES.join(', ')}`);
      if (locked !== undefined && typeof locked !== 'boolean') throw new ControlError(400, 'locked must be a boolean');
      if (step !== undefined && step !== null && !SIGNIN_STEPS.includes(step as AppLaunchSigninStep))
        throw new ControlError(400, `step must be one of ${SIGNIN_STEPS.join(', ')} or null`);
      if (status === undefined && locked === undefined && step === undefined)
        throw new ControlError(400, 'give at least one of status, locked, step');
      if (status !== undefined) emulator.appLaunch.setUserStatus(unionid, status as AppLaunchUserStatus);
      if (locked !== undefined) emulator.appLaunch.lockUser(unionid, locked);
      if (step !== undefined) emulator.appLaunch.requireSigninStep(unionid, step as AppLaunchSigninStep | null);
      return { body: { unionid, userId: emulator.appLaunch.userId(unionid), ...body } };
    },
  },
  {
    method: 'POST',
    pattern: /^\/apps\/([^/]+)\/rotate-key$/,
    run(emulator, [appId], body) {
      noOtherFields(body, ['dropOld']);
      if (body.dropOld !== undefined && typeof body.dropOld !== 'boolean') throw new ControlError(400, 'dropOld must be a boolean');
      if (!emulator.appLaunch.hasApp(appId)) throw new ControlError(404, 'no app with this appId');
      if (emulator.appLaunch.currentKid(appId) === undefined)
        throw new ControlError(409, 'this app signs with HS256 (its app secret): it has no key to rotate');
      return { body: { appId, kid: emulator.appLaunch.rotateSigningKey(appId, { dropOld: body.dropOld === true }) } };
    },
  },
];

/** Answers a request under `/__emulator`. Every refusal is a JSON `{ statusCode, message }` with that HTTP status. */
export function handleControl(emulator: App2WxappEmulator, req: IncomingMessage, res: ServerResponse, url: URL, text: string | undefined): void {
  const headers = { 'cache-control': 'no-store' };
  const fail = (status: number, message: string, extra: Record<string, string> = {}) =>
    send(res, status, { statusCode: status, message }, { ...headers, ...extra });
  const path = url.pathname.slice('/__emulator'.length);
  const matching = ROUTES.map((route) => ({ route, match: route.pattern.exec(path) })).filter((m) => m.match);
  if (matching.length === 0) return fail(404, 'No such control route; see GET /__emulator/ or docs/testing.md');
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const found = matching.find((m) => m.route.method === method);
  if (!found) return fail(405, 'Method Not Allowed', { allow: matching.map((m) => m.route.method).join(', ') });
  if (text === undefined) return fail(413, 'Request body too large');

  let body: Body = {};
  if (found.route.method !== 'GET') {
    const parsed = parseJson(text);
    if (!parsed.ok) return fail(400, 'Request body must be JSON');
    if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value))
      return fail(400, 'Request body must be a JSON object');
    body = parsed.value as Body;
  }
  const params: string[] = [];
  for (const raw of found.match!.slice(1)) {
    const decoded = decodeSegment(raw);
    if (decoded === undefined || decoded === '') return fail(400, 'The path is not valid percent-encoding');
    params.push(decoded);
  }
  let answer: ReturnType<Route['run']>;
  try {
    answer = found.route.run(emulator, params, body, url);
  } catch (error) {
    if (error instanceof ControlError) return fail(error.status, error.message);
    if (error instanceof TypeError) return fail(400, error.message);
    throw error;
  }
  if ('page' in answer) {
    res.writeHead(200, { ...headers, ...pageHeaders(answer.nonce), 'content-length': Buffer.byteLength(answer.page) });
    res.end(req.method === 'HEAD' ? undefined : answer.page);
    return;
  }
  return send(res, answer.status ?? 200, answer.body, headers);
}

function pageHeaders(nonce: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

function state(emulator: App2WxappEmulator) {
  return {
    url: emulator.url,
    pools: emulator.describePools(),
    apps: emulator.appLaunch.describeApps(),
    clock: clock(emulator),
    pendingFaults: emulator.pendingFaults,
  };
}

function clock(emulator: App2WxappEmulator) {
  return { now: new Date(emulator.now()).toISOString(), offsetMs: emulator.clockOffsetMs };
}

/** The person fields of a control request, checked; `also` names other fields the route takes. */
function person(body: Body, also: string[]): EmulatedWechatUser {
  noOtherFields(body, [...PERSON_STRINGS, 'phone', 'gender', ...also]);
  const user: EmulatedWechatUser = {};
  for (const key of PERSON_STRINGS) {
    const value = optionalString(body, key);
    if (value !== undefined) user[key] = value;
  }
  if (body.phone !== undefined) {
    if (body.phone !== null && (typeof body.phone !== 'string' || !/^\+?[\d -]{3,20}$/.test(body.phone)))
      throw new ControlError(400, 'phone must be a phone number (digits, spaces, -, an optional +) or null');
    user.phone = body.phone as string | null;
  }
  if (body.gender !== undefined) {
    if (body.gender !== 0 && body.gender !== 1 && body.gender !== 2) throw new ControlError(400, 'gender must be 0, 1 or 2');
    user.gender = body.gender;
  }
  return user;
}

function noOtherFields(body: Body, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0)
    throw new ControlError(
      400,
      `unknown field${unknown.length > 1 ? 's' : ''}: ${unknown
        .slice(0, 5)
        .map((k) => JSON.stringify(k.slice(0, 40)))
        .join(', ')}; allowed: ${allowed.join(', ')}`,
    );
}

function optionalString(body: Body, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new ControlError(400, `${key} must be a non-empty string`);
  checkLength(key, value);
  return value;
}

/** `secretName` set: the message names the field and never repeats the value. */
function requiredString(body: Body, key: string, secretName?: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw new ControlError(400, `${secretName ?? key} is required: a non-empty string`);
  checkLength(key, value);
  return value;
}

function checkLength(key: string, value: string): void {
  if (value.length > MAX_FIELD) throw new ControlError(400, `${key} must be at most ${MAX_FIELD} characters`);
}
