import { HttpService } from '@nestjs/axios';
import { BadGatewayException, Body, Controller, HttpCode, Inject, Post, UnauthorizedException } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export const BASELINE_APP_LAUNCH = Symbol('BASELINE_APP_LAUNCH');

export interface BaselineAppLaunch {
  /** `{appHost}/api/v3/signin-by-mobile` */
  signinUrl: string;
  /** `{appHost}/{appId}/oidc/.well-known/jwks.json` */
  jwksUrl: string;
  /** `{appHost}/oidc` */
  issuer: string;
  appId: string;
  appSecret: string;
  /** The connection's identifier, `extIdpConnidentifier`. */
  connection: string;
  scope: string;
}

/** WeChat's codes: about 32 and 64 characters of base64url or hex. */
const CODE = /^[A-Za-z0-9_-]{8,128}$/;

/**
 * What a careful developer writes for the app-launch flow without the package: check the two codes' shape, post the
 * v3 sign-in (client_secret_post) with the same HttpService and keep-alive agent and a timeout, check the HTTP status
 * and `statusCode === 200`, verify `data.id_token` with jose (the key set created once; issuer, audience, RS256 only)
 * and return its claims. Like the ticket baseline, it has no replay store, no circuit breaker, no concurrency limit
 * and no metrics hook, and it calls `axiosRef` directly, to be as cheap as it can be.
 */
@Controller()
export class BaselineAppLaunchController {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly http: HttpService,
    @Inject(BASELINE_APP_LAUNCH) private readonly app: BaselineAppLaunch,
  ) {
    this.jwks = createRemoteJWKSet(new URL(app.jwksUrl));
  }

  @Post('baseline-app-launch')
  @HttpCode(200)
  async login(@Body() body: { code?: unknown; phoneInfoCode?: unknown } | undefined) {
    const code = body?.code;
    const phoneInfoCode = body?.phoneInfoCode;
    if (typeof code !== 'string' || !CODE.test(code) || typeof phoneInfoCode !== 'string' || !CODE.test(phoneInfoCode)) {
      throw new UnauthorizedException('code and phoneInfoCode are required');
    }
    let status: number;
    let answer: { statusCode?: unknown; message?: unknown; data?: { id_token?: unknown } } | undefined;
    try {
      const response = await this.http.axiosRef.post(
        this.app.signinUrl,
        {
          connection: 'wechat_mini_program_code_and_phone',
          extIdpConnidentifier: this.app.connection,
          wechatMiniProgramCodeAndPhonePayload: { wxLoginInfo: { code }, wxPhoneInfo: { code: phoneInfoCode } },
          options: { scope: this.app.scope },
          client_id: this.app.appId,
          client_secret: this.app.appSecret,
        },
        { headers: { 'x-authing-app-id': this.app.appId }, timeout: 5000, validateStatus: () => true },
      );
      status = response.status;
      answer = response.data;
    } catch (err) {
      if (process.env.BENCH_DEBUG) console.error(`baseline-app-launch: sign-in failed (${(err as { code?: string })?.code ?? 'no code'})`);
      throw new BadGatewayException('Authing could not be reached');
    }
    if (status >= 500) throw new BadGatewayException('Authing failed');
    if ((status !== 200 && status !== 201) || answer?.statusCode !== 200) {
      throw new UnauthorizedException(typeof answer?.message === 'string' ? answer.message : 'Authing refused the codes');
    }
    const idToken = answer.data?.id_token;
    if (typeof idToken !== 'string') throw new BadGatewayException("Authing's answer holds no id_token");
    try {
      const { payload } = await jwtVerify(idToken, this.jwks, {
        issuer: this.app.issuer,
        audience: this.app.appId,
        algorithms: ['RS256'],
        requiredClaims: ['sub', 'exp'],
      });
      return { user: payload };
    } catch (err) {
      if (process.env.BENCH_DEBUG) console.error(`baseline-app-launch: id_token refused (${(err as { code?: string })?.code ?? 'no code'})`);
      throw new BadGatewayException("Authing's id_token could not be verified");
    }
  }
}
