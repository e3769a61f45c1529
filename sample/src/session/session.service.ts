import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { SampleConfig } from '../config/sample-config.interface';
import { InjectSampleConfig } from '../config/sample-config.module';
import type { StoredUser } from '../users/stored-user.interface';

export interface AccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds. */
  expiresIn: number;
}

/** Claims of the app's own access token: just who, and until when. */
export interface SessionClaims {
  sub: string;
  iat: number;
  exp: number;
}

/** The app's own session after an Authing login: an HS256 JWT, independent of Authing's token. */
@Injectable()
export class SessionService {
  constructor(
    private readonly jwt: JwtService,
    @InjectSampleConfig() private readonly config: SampleConfig,
  ) {}

  async issue(user: StoredUser): Promise<AccessToken> {
    const accessToken = await this.jwt.signAsync({ sub: user.id });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.session.ttlSeconds };
  }

  /** Rejects a token that is malformed, tampered with, signed with another key or algorithm, or expired. */
  async verify(token: string): Promise<SessionClaims> {
    return this.jwt.verifyAsync<SessionClaims>(token);
  }
}
