import { UseGuards } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Args, Field, GraphQLModule, ID, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { App2WxappGuard, App2WxappModule, type App2WxappProfile, App2WxappUser } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { CapturedLogs } from './support/captured-logs';
import { GRAPHQL_DRIVERS } from './support/graphql-app';
import { request } from './support/test-app';

const APP = { appId: 'alg-app', appSecret: 'alg-app-secret-2c9e4d', connection: 'wx-graphql-launch', clientAuth: 'client_secret_basic' } as const;

@ObjectType('LaunchUser')
class LaunchUser {
  @Field(() => ID) id!: string;
  @Field(() => String) flow!: string;
}

@Resolver(() => LaunchUser)
class LaunchResolver {
  /** A schema needs a query type. */
  @Query(() => String)
  ping(): string {
    return 'pong';
  }

  @Mutation(() => LaunchUser, { nullable: true })
  @UseGuards(App2WxappGuard.forPool('launch'))
  launch(
    @Args('code', { type: () => String, nullable: true }) _code: string,
    @Args('phoneInfoCode', { type: () => String, nullable: true }) _phone: string,
    @App2WxappUser() user: LaunchUser,
  ): LaunchUser {
    return user;
  }

  @Mutation(() => LaunchUser, { nullable: true })
  @UseGuards(App2WxappGuard.forPool('launch'))
  launchWithExtMsg(@Args('extMsg', { type: () => String }) _extMsg: string, @App2WxappUser() user: LaunchUser): LaunchUser {
    return user;
  }
}

describe.each(GRAPHQL_DRIVERS)('the app-launch flow in GraphQL resolvers (%s on %s)', (driver) => {
  let emulator: App2WxappEmulator;
  let logs: CapturedLogs;
  let url: string;
  let close: () => Promise<void>;
  let seen: string[];

  const graphql = (query: string, variables: Record<string, unknown>) => request(`${url}/graphql`, { query, variables });
  const issue = () => {
    const codes = emulator.issueCodes({ unionid: 'o-alg-user' }, { appId: APP.appId });
    seen.push(codes.code, codes.phoneInfoCode);
    return codes;
  };

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: 'alg-ticket-pool', secret: 'alg-ticket-secret', apps: [APP] });
    const graphqlModule =
      driver === 'apollo'
        ? GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true, includeStacktraceInErrorResponses: false })
        : GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true, graphiql: false });
    const moduleRef = await Test.createTestingModule({
      imports: [
        graphqlModule,
        App2WxappModule.forRoot({ userPoolId: 'alg-ticket-pool', secret: 'alg-ticket-secret', host: emulator.url }),
        App2WxappModule.forRoot({
          name: 'launch',
          flow: 'app-launch',
          userPoolId: 'alg-user-pool',
          appId: APP.appId,
          appSecret: APP.appSecret,
          appHost: emulator.url,
          connection: APP.connection,
          clientAuth: 'client_secret_basic',
          validateUser: (profile: App2WxappProfile) => {
            seen.push(profile.tokens!.accessToken, profile.tokens!.idToken);
            return { id: profile.id, flow: profile.flow };
          },
        }),
      ],
      providers: [LaunchResolver],
    }).compile();
    logs = new CapturedLogs();
    const app = moduleRef.createNestApplication(driver === 'apollo' ? new ExpressAdapter() : new FastifyAdapter(), { logger: logs });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    close = () => app.close();
  });

  beforeEach(() => {
    seen = [APP.appSecret];
    emulator.reset();
  });

  afterAll(async () => {
    await close();
    await emulator.close();
  });

  it('logs in with code and phoneInfoCode arguments, then refuses the same code with 401', async () => {
    const codes = issue();
    const mutation = 'mutation ($c: String, $p: String) { launch(code: $c, phoneInfoCode: $p) { id flow } }';
    const answer = await graphql(mutation, { c: codes.code, p: codes.phoneInfoCode });
    expect(answer.body.data.launch).toEqual({ id: codes.userId, flow: 'app-launch' });
    const replay = await graphql(mutation, { c: codes.code, p: codes.phoneInfoCode });
    expect(replay.body.data.launch).toBeNull();
    expect(replay.body.errors[0].message).toBe('This WeChat code has already been used');
    expect(replay.body.errors[0].extensions).toMatchObject({ status: 401 });
    const problems = logs.takeProblems();
    expect(problems).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('already presented') })]);
    const shown = [answer.text, replay.text, ...problems.map((p) => p.message)].join('\n');
    for (const value of seen) expect(shown).not.toContain(value);
  });

  it('logs in with the extMsg argument, and answers 401 without a call when the phone code is missing', async () => {
    const codes = issue();
    const answer = await graphql('mutation ($e: String!) { launchWithExtMsg(extMsg: $e) { id flow } }', { e: codes.extMsg });
    expect(answer.body.data.launchWithExtMsg).toEqual({ id: codes.userId, flow: 'app-launch' });
    const before = emulator.requestCount;
    const missing = await graphql('mutation ($c: String) { launch(code: $c) { id } }', { c: issue().code });
    expect(missing.body.errors[0].message).toBe('No phoneInfoCode was presented');
    expect(missing.body.errors[0].extensions).toMatchObject({ status: 401 });
    expect(emulator.requestCount).toBe(before);
    expect(logs.takeProblems()).toEqual([]);
  });
});
