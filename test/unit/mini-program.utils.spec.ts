import { buildMiniProgramLaunch, parseExtMsg } from 'nestjs-app2wxapp';

describe('parseExtMsg', () => {
  it('reads a success with its ticket', () => {
    expect(parseExtMsg('code=200&message=授权成功&ticket=eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.sig')).toEqual({
      code: 200,
      message: '授权成功',
      ticket: 'eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.sig',
    });
  });

  it('reads the cancellation without a ticket', () => {
    expect(parseExtMsg('code=400&message=用户取消授权')).toEqual({ code: 400, message: '用户取消授权' });
  });

  it('URL-decodes values and keeps "=" inside them (the official samples break here)', () => {
    const ext = parseExtMsg(`code=200&message=${encodeURIComponent('授权成功 100%')}&ticket=abc.def==`);
    expect(ext).toEqual({ code: 200, message: '授权成功 100%', ticket: 'abc.def==' });
    expect(parseExtMsg('code=200&message=a%3Db%26c&ticket=x%2By%2Fz%3D').ticket).toBe('x+y/z=');
  });

  it("keeps the ticket's '=' padding that the official samples' split on '=' loses (docs/mobile.md)", () => {
    const extMsg = 'code=200&message=%E6%8E%88%E6%9D%83%E6%88%90%E5%8A%9F&ticket=abc.def==';
    const naive = Object.fromEntries(extMsg.split('&').map((pair) => pair.split('=')));
    expect(naive.ticket).toBe('abc.def'); // truncated: Authing would refuse it
    expect(parseExtMsg(extMsg)).toEqual({ code: 200, message: '授权成功', ticket: 'abc.def==' });
  });

  it('keeps "+" and a lone "%" as they are', () => {
    expect(parseExtMsg('code=200&message=50%+off&ticket=a+b').message).toBe('50%+off');
    expect(parseExtMsg('code=200&ticket=a+b').ticket).toBe('a+b');
  });

  it('tolerates a leading "?", empty pairs and a missing code', () => {
    expect(parseExtMsg('?code=200&&ticket=t')).toEqual({ code: 200, message: '', ticket: 't' });
    expect(parseExtMsg('message=hi')).toEqual({ code: 0, message: 'hi' });
    expect(parseExtMsg('code=abc').code).toBe(0);
  });

  it('takes the first of repeated keys', () => {
    expect(parseExtMsg('code=400&code=200&ticket=t').code).toBe(400);
  });

  it('rejects a non-string', () => {
    expect(() => parseExtMsg(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('buildMiniProgramLaunch', () => {
  it("builds the launch request for Authing's mini program", () => {
    expect(buildMiniProgramLaunch({ userPoolId: '5f8d3e1b', getPhone: true })).toEqual({
      userName: 'gh_a781a791e29e',
      path: '/routes/explore?userPoolId=5f8d3e1b&getPhone=1&fromApp=1&useSelfWxapp=0',
    });
  });

  it('leaves getPhone out unless asked', () => {
    expect(buildMiniProgramLaunch({ userPoolId: 'p' }).path).toBe('/routes/explore?userPoolId=p&fromApp=1&useSelfWxapp=0');
  });

  it('encodes the pool id', () => {
    expect(buildMiniProgramLaunch({ userPoolId: 'a&b=c' }).path).toContain('userPoolId=a%26b%3Dc&');
  });

  it.each([undefined, '', '  ', 42])('refuses the pool id %p', (userPoolId) => {
    expect(() => buildMiniProgramLaunch({ userPoolId } as never)).toThrow(/userPoolId/);
  });
});
