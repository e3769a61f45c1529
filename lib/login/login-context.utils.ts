import { type ExecutionContext, HttpException, HttpStatus, InternalServerErrorException } from '@nestjs/common';
import { App2WxappLoginError } from '../failure/app2wxapp-login.error';

/** The HTTP request behind a GraphQL field, where its answer goes, and the field's arguments and `info`. */
export interface GraphqlLoginContext {
  request: any;
  response: any;
  graphqlArgs: unknown;
  /** One object per field resolution: the key of `graphqlFieldUsers`. */
  graphqlInfo?: object;
}

/** For any context but HTTP (which the guard reads itself): GraphQL, or a closed door. */
export function graphqlLoginContext(context: ExecutionContext): GraphqlLoginContext {
  const type = context.getType<string>();
  if (type === 'graphql') {
    const [, args, ctx, info] = context.getArgs();
    // Nest's drivers put the HTTP request at `req`; a custom Mercurius context may put it at `request`.
    const request = ctx?.req ?? ctx?.request;
    if (!request) {
      throw new InternalServerErrorException('App2WxappGuard found no HTTP request in the GraphQL context (expected context.req or context.request)');
    }
    // Nest's Apollo driver keeps only `req` in its default context; Express links the response from the request.
    const response = ctx.res ?? ctx.reply ?? request.res;
    return { request, response, graphqlArgs: args ?? {}, graphqlInfo: info ?? undefined };
  }
  throw new InternalServerErrorException(
    `App2WxappGuard cannot log in a "${type}" request; inject App2WxappAuthenticator and call authenticate(ticket) instead`,
  );
}

/** Express and Fastify both: `Retry-After` on a 503 that says when to retry. */
export function setRetryAfter(err: unknown, response: any): void {
  if (!(err instanceof App2WxappLoginError) || !err.retryAfterSeconds || !response) return;
  const seconds = err.retryAfterSeconds;
  if (typeof response.header === 'function') response.header('Retry-After', String(seconds));
  else response.setHeader?.('Retry-After', String(seconds));
}

/** The codes that Nest's Apollo driver gives these statuses; any other status is INTERNAL_SERVER_ERROR. */
const GRAPHQL_CODES: Record<number, string> = {
  [HttpStatus.BAD_REQUEST]: 'BAD_REQUEST',
  [HttpStatus.UNAUTHORIZED]: 'UNAUTHENTICATED',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'BAD_USER_INPUT',
};

/**
 * GraphQL servers copy a thrown error's `extensions` into the answer. Mercurius has no other way to learn the status
 * (Nest transforms HttpExceptions for Apollo only), so the guard's failures carry `{ code, status }` on every driver.
 * Not enumerable: nothing else that serialises the exception sees it.
 */
export function addGraphqlExtensions(err: unknown): void {
  if (!(err instanceof HttpException) || (err as { extensions?: unknown }).extensions !== undefined) return;
  const status = err.getStatus();
  const extensions = { code: GRAPHQL_CODES[status] ?? 'INTERNAL_SERVER_ERROR', status };
  Object.defineProperty(err, 'extensions', { value: extensions, configurable: true, writable: true });
}
