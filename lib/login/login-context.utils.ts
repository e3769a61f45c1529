import { type ExecutionContext, InternalServerErrorException } from '@nestjs/common';

/** The request behind an HTTP or GraphQL context, and where its answer goes. Other contexts fail closed. */
export interface LoginContext {
  request: any;
  response: any;
  /** A GraphQL resolver's arguments and `info` (one per field); undefined over HTTP. */
  graphqlArgs?: unknown;
  graphqlInfo?: object;
}

export function loginContext(context: ExecutionContext): LoginContext {
  const type = context.getType<string>();
  if (type === 'http') {
    const http = context.switchToHttp();
    return { request: http.getRequest(), response: http.getResponse() };
  }
  if (type === 'graphql') {
    const [, args, ctx, info] = context.getArgs();
    // Apollo puts the HTTP request at `req`, Mercurius at `request`.
    const request = ctx?.req ?? ctx?.request;
    if (!request) {
      throw new InternalServerErrorException(
        'App2WxappGuard found no HTTP request in the GraphQL context (expected context.req or context.request)',
      );
    }
    return { request, response: ctx.res ?? ctx.reply, graphqlArgs: args ?? {}, graphqlInfo: info ?? undefined };
  }
  throw new InternalServerErrorException(
    `App2WxappGuard cannot log in a "${type}" request; inject App2WxappAuthenticator and call authenticate(ticket) instead`,
  );
}

/** Express and Fastify both: `Retry-After` on a 503 that says when to retry. */
export function setRetryAfter(err: unknown, response: any): void {
  const seconds = (err as { retryAfterSeconds?: number })?.retryAfterSeconds;
  if (!seconds || !response) return;
  if (typeof response.header === 'function') response.header('Retry-After', String(seconds));
  else response.setHeader?.('Retry-After', String(seconds));
}
