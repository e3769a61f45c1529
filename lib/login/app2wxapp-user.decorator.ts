import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { graphqlFieldUsers } from './graphql-field-users';

/**
 * The logged-in user: what `validateUser` returned, or the `App2WxappProfile` when there is no hook. In a GraphQL
 * resolver, the user that `App2WxappGuard` logged in for this very field, never another field's.
 */
export const App2WxappUser = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  if (context.getType<string>() === 'graphql') {
    const info = context.getArgs()[3];
    return info ? graphqlFieldUsers.get(info) : undefined;
  }
  return context.switchToHttp().getRequest().user;
});
