import { type INestApplication, UseGuards } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Args, Field, GraphQLModule, ID, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { App2WxappGuard, App2WxappModule, type App2WxappModuleOptions, type App2WxappProfile, App2WxappUser } from 'nestjs-app2wxapp';
import { CapturedLogs } from './captured-logs';
import { request, type TestResponse } from './test-app';

/** Apollo serves GraphQL on Express, Mercurius on Fastify. */
export type GraphqlDriverName = 'apollo' | 'mercurius';
export const GRAPHQL_DRIVERS: [GraphqlDriverName, 'express' | 'fastify'][] = [
  ['apollo', 'express'],
  ['mercurius', 'fastify'],
];

@ObjectType('User')
export class UserRow {
  @Field(() => ID) id!: string;
  @Field(() => String) authingId!: string;
  @Field(() => String, { nullable: true }) nickname?: string;
  @Field(() => String) pool!: string;
}

/** The app's users table, filled by `validateUser`: resolvers must answer these rows, not Authing's profile. */
export class UserRows {
  readonly rows = new Map<string, UserRow>();

  upsert(profile: App2WxappProfile, pool: string): UserRow {
    const key = `${pool}:${profile.id}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { id: `row-${this.rows.size + 1}`, authingId: profile.id, nickname: profile.nickname, pool };
      this.rows.set(key, row);
    }
    return row;
  }
}

// Nullable fields: a failed login is null beside the fields that succeeded (a non-null one would null all of `data`).
@Resolver(() => UserRow)
export class LoginResolver {
  @Mutation(() => UserRow, { nullable: true })
  @UseGuards(App2WxappGuard)
  login(@Args('ticket', { type: () => String }) _ticket: string, @App2WxappUser() user: UserRow): UserRow {
    return user;
  }

  /** The ticket comes in the x-app2wxapp-ticket header. */
  @Mutation(() => UserRow, { nullable: true })
  @UseGuards(App2WxappGuard)
  loginByHeader(@App2WxappUser() user: UserRow): UserRow {
    return user;
  }

  @Mutation(() => UserRow, { nullable: true })
  @UseGuards(App2WxappGuard)
  loginWithExtMsg(@Args('extMsg', { type: () => String }) _extMsg: string, @App2WxappUser() user: UserRow): UserRow {
    return user;
  }

  /** Not guarded: `@App2WxappUser()` must not hand it a user that another field of the operation logged in. */
  @Mutation(() => String)
  whoAmI(@App2WxappUser() user?: UserRow): string {
    return user?.nickname ?? 'nobody';
  }

  /** A query: its fields resolve in parallel, unlike a mutation's. */
  @Query(() => UserRow, { nullable: true })
  @UseGuards(App2WxappGuard)
  me(@Args('ticket', { type: () => String }) _ticket: string, @App2WxappUser() user: UserRow): UserRow {
    return user;
  }
}

@Resolver()
@UseGuards(App2WxappGuard.forPool('genauth'))
export class GenauthResolver {
  @Mutation(() => UserRow, { nullable: true })
  genauthLogin(@Args('ticket', { type: () => String }) _ticket: string, @App2WxappUser() user: UserRow): UserRow {
    return user;
  }
}

export { CapturedLogs, type LogEntry } from './captured-logs';

export interface GraphqlApp {
  app: INestApplication;
  url: string;
  logs: CapturedLogs;
  /** POSTs one GraphQL operation to /graphql. */
  graphql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface GraphqlPools {
  default: App2WxappModuleOptions<UserRow>;
  genauth?: App2WxappModuleOptions<UserRow>;
}

/** Boots a real Nest app with a real GraphQL server (code-first schema) on 127.0.0.1. */
export async function startGraphqlApp(driver: GraphqlDriverName, pools: GraphqlPools): Promise<GraphqlApp> {
  const graphqlModule =
    driver === 'apollo'
      ? GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true, includeStacktraceInErrorResponses: false })
      : GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true, graphiql: false });
  const moduleRef = await Test.createTestingModule({
    imports: [
      graphqlModule,
      App2WxappModule.forRoot(pools.default),
      ...(pools.genauth ? [App2WxappModule.forRoot({ ...pools.genauth, name: 'genauth' })] : []),
    ],
    providers: [LoginResolver, ...(pools.genauth ? [GenauthResolver] : [])],
  }).compile();
  const logs = new CapturedLogs();
  const adapter = driver === 'apollo' ? new ExpressAdapter() : new FastifyAdapter();
  const app = moduleRef.createNestApplication(adapter, { logger: logs });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    logs,
    graphql: (query, variables, headers) => request(`${url}/graphql`, { query, variables }, headers),
    close: () => app.close(),
  };
}
