/**
 * The user each GraphQL field logged in, keyed by the field's `info` object. Fields of one operation share one HTTP
 * request, so `request.user` holds whichever field logged in last: `@App2WxappUser()` reads this instead.
 */
export const graphqlFieldUsers = new WeakMap<object, unknown>();
