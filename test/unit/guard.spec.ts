import { type ExecutionContext, InternalServerErrorException, UnauthorizedException } from '@nestjs/common';
import { App2WxappGuard, App2WxappUpstreamError } from 'nestjs-app2wxapp';

function context(type: string, response: Record<string, unknown> = {}): ExecutionContext {
  return {
    getType: () => type,
    switchToHttp: () => ({ getRequest: () => ({ headers: {} }), getResponse: () => response }),
  } as unknown as ExecutionContext;
}

describe('App2WxappGuard', () => {
  it('fails closed on a context it does not know (no request is let through)', async () => {
    const guard = new App2WxappGuard();
    await expect(guard.canActivate(context('rpc'))).rejects.toThrow(InternalServerErrorException);
    await expect(guard.canActivate(context('graphql'))).rejects.toThrow(/override getRequest/);
  });

  it("keeps the strategy's reason instead of Passport's bare 401", () => {
    const guard = new App2WxappGuard();
    const reason = new UnauthorizedException('This ticket has already been used');
    expect(() => guard.handleRequest(reason, false, undefined, context('http'))).toThrow(reason);
  });

  it('sets Retry-After on a 503 that carries one (Express and Fastify responses)', () => {
    const guard = new App2WxappGuard();
    const error = new App2WxappUpstreamError('paused', 'circuit-open', 503, undefined, 7);
    const headers: Record<string, string> = {};
    const express = { setHeader: (k: string, v: string) => (headers[`express ${k}`] = v) };
    const fastify = { header: (k: string, v: string) => (headers[`fastify ${k}`] = v) };
    expect(() => guard.handleRequest(error, false, undefined, context('http', express))).toThrow(error);
    expect(() => guard.handleRequest(error, false, undefined, context('http', fastify))).toThrow(error);
    expect(headers).toEqual({ 'express Retry-After': '7', 'fastify Retry-After': '7' });
  });

  it('answers 500, not 401, when Passport yields neither a user nor an error', () => {
    const guard = new App2WxappGuard();
    expect(() => guard.handleRequest(null, false, undefined, context('http'))).toThrow(InternalServerErrorException);
  });

  it('returns the user', () => {
    expect(new App2WxappGuard().handleRequest(null, { id: 'u' }, undefined, context('http'))).toEqual({ id: 'u' });
  });
});
