import { mapProfile } from '../../lib/profile/app2wxapp-profile.mapper';
import { parseUpstreamAnswer } from '../../lib/client/upstream-answer.parser';

const oauth = {
  nickName: '小明',
  gender: 1,
  language: 'zh_CN',
  city: 'Hangzhou',
  province: 'Zhejiang',
  country: 'China',
  avatarUrl: 'https://thirdwx.qlogo.cn/a.png',
  phone: '17600006754',
  openid: 'oOpenFromOauth',
  unionid: 'oUnionFromOauth',
};
const user = {
  _id: '5e57a21bb5d3e9bc4f0c2b0a',
  username: 'xiaoming',
  nickname: '小明',
  photo: 'https://files.authing.co/u.png',
  company: '',
  phone: '176xxxx6754',
  openid: 'oOpen',
  unionid: 'oUnion',
  oauth: JSON.stringify(oauth),
  metadata: '""',
  token: 'eyJhbGciOiJIUzI1NiJ9.eyJkYXRhIjp7fX0.c2ln',
  tokenExpiredAt: '2026-12-06T10:00:00.000Z',
  blocked: false,
  isDeleted: false,
  registerInClient: 'pool-from-upstream',
};

describe('parseUpstreamAnswer', () => {
  it.each([
    ['an envelope whose data is a JSON string', { code: 200, message: '获取用户信息成功', data: JSON.stringify(user) }],
    ['an envelope whose data is an object', { code: 200, message: 'ok', data: user }],
    ['the bare user object', user],
    ['an envelope whose code is the string "200"', { code: '200', message: 'ok', data: JSON.stringify(user) }],
  ])('reads %s', (_name, body) => {
    const answer = parseUpstreamAnswer(body);
    expect(answer).toEqual({ kind: 'user', user });
  });

  it.each([
    [{ code: 2207, message: 'ticket 无效' }, 2207, 'ticket 无效'],
    [{ code: '2206', message: 'ticket 已过期' }, 2206, 'ticket 已过期'],
    [{ code: 500 }, 500, undefined],
  ])('reports a refusal for %j', (body, code, message) => {
    expect(parseUpstreamAnswer(body)).toEqual({ kind: 'refused', code, message });
  });

  it('keeps refusal messages printable, and whole: they are redacted before anything cuts them', () => {
    const answer = parseUpstreamAnswer({ code: 400, message: `bad\u0000\n${'x'.repeat(500)}` });
    expect(answer.kind).toBe('refused');
    const message = (answer as { message: string }).message;
    expect(message).toHaveLength(505);
    // eslint-disable-next-line no-control-regex
    expect(message).not.toMatch(/[\u0000\n]/);
  });

  it.each([
    ['a JSON array', [user]],
    ['null', null],
    ['a string', 'ok'],
    ['a success whose data is malformed JSON', { code: 200, data: '{"_id":' }],
    ['a success without data', { code: 200, message: 'ok' }],
    ['a success whose user has no _id', { code: 200, data: { nickname: 'x' } }],
    ['a bare object without _id', { nickname: 'x' }],
    ['a code that is not a number', { code: 'OK', data: user }],
  ])('calls %s invalid', (_name, body) => {
    expect(parseUpstreamAnswer(body).kind).toBe('invalid');
  });
});

describe('mapProfile', () => {
  it('maps every documented field and parses the oauth and metadata JSON strings', () => {
    const profile = mapProfile(user, 'configured-pool');
    expect(profile).toMatchObject({
      id: user._id,
      // The configured pool, never the answer's (which names pool-from-upstream): apps key users by it.
      userPoolId: 'configured-pool',
      openid: 'oOpen',
      unionid: 'oUnion',
      username: 'xiaoming',
      nickname: '小明',
      photo: user.photo,
      phone: '176xxxx6754',
      gender: 1,
      language: 'zh_CN',
      city: 'Hangzhou',
      province: 'Zhejiang',
      country: 'China',
      token: user.token,
      blocked: false,
    });
    expect(profile.tokenExpiredAt).toEqual(new Date('2026-12-06T10:00:00.000Z'));
    expect(profile.email).toBeUndefined();
    expect(profile.raw.oauth).toEqual(oauth);
    expect(profile.raw.metadata).toBe('');
    expect(profile.raw._id).toBe(user._id);
  });

  it('falls back to the oauth fields and to the configured pool', () => {
    const { openid, unionid, nickname, photo, phone, registerInClient, ...rest } = user;
    const profile = mapProfile(rest, 'configured-pool');
    expect(profile).toMatchObject({
      userPoolId: 'configured-pool',
      openid: 'oOpenFromOauth',
      unionid: 'oUnionFromOauth',
      nickname: '小明',
      photo: oauth.avatarUrl,
      phone: '17600006754',
    });
  });

  it('does not throw on a malformed oauth string and leaves its fields undefined', () => {
    const profile = mapProfile({ ...user, oauth: '{"nickName": "broken', metadata: '{oops' }, 'p');
    expect(profile.gender).toBeUndefined();
    expect(profile.city).toBeUndefined();
    expect(profile.raw.oauth).toBe('{"nickName": "broken');
    expect(profile.raw.metadata).toBe('{oops');
  });

  it('gives undefined, never "undefined" or "null", for absent values', () => {
    const profile = mapProfile({ _id: 'abc', phone: null, nickname: null, oauth: null, tokenExpiredAt: 'not a date', blocked: 'nope' }, 'p');
    for (const key of ['phone', 'nickname', 'openid', 'unionid', 'gender', 'city', 'token', 'tokenExpiredAt'] as const) {
      expect(profile[key]).toBeUndefined();
    }
    expect(profile.blocked).toBe(true); // 'nope' is not a boolean: fail closed
    expect(JSON.stringify(profile)).not.toMatch(/"undefined"|"null"/);
  });

  it('marks a blocked user', () => {
    expect(mapProfile({ ...user, blocked: true }, 'p').blocked).toBe(true);
  });

  it('keeps the token and the raw object out of JSON output', () => {
    const json = JSON.parse(JSON.stringify(mapProfile(user, 'p')));
    expect(json.token).toBeUndefined();
    expect(json.raw).toBeUndefined();
    expect(json.id).toBe(user._id);
    expect(JSON.stringify(json)).not.toContain(user.token);
  });
});
