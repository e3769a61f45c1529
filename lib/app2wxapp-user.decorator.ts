import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The logged-in user: what `validateUser` returned, or the `App2WxappProfile` when there is no hook. */
export const App2WxappUser = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  return context.switchToHttp().getRequest().user;
});
