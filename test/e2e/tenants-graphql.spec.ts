import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { UseGuards } from '@nestjs/common';
import { Args, GraphQLModule, Mutation, Query, Resolver } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { App2WxappGuard, App2WxappModule, App2WxappUser } from 'nestjs-app2wxapp';
import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { CapturedLogs, GRAPHQL_DRIVERS, type GraphqlDriverName, UserRow } from './support/graphql-app';
import { TenantTable } from './support/tenant-table';
import { request } from './support/test-app';

@Resolver(() => UserRow)
class TenantLoginResolver {
  /** A schema needs a query. */
  @Query(() => String)
  ping(): string {
    return 'pong';
  }

  @Mutation(() => UserRow, { nullable: true })
  @UseGuards(App2WxappGuard.forTenant((req) => req.headers['x-tenant']))
  tenantLogin(@Args('ticket', { type: () => String }) _ticket: string, @App2WxappUser() user: { tenant: string; id: string }): UserRow {
    return { id: `row-${user.id}`, authingId: user.id, pool: user.tenant };
  }
}

const LOGIN = 'mutation Login($ticket: String!) { tenantLogin(ticket: $ticket) { authingId pool } }';

describe.each(GRAPHQL_DRIVERS)('tenants in GraphQL resolvers with %s on %s', (driver: GraphqlDriverName) => {
  let emulator: App2WxappEmulator;
  let table: TenantTable;
  let logs: CapturedLogs;
  let app: Awaited<ReturnType<typeof boot>>;

  async function boot() {
    const graphql =
      driver === 'apollo'
        ? GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true, includeStacktraceInErrorResponses: false })
        : GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true, graphiql: false });
    const moduleRef = await Test.createTestingModule({
      imports: [graphql, App2WxappModule.forTenantsAsync({ useFactory: () => ({ resolveTenant: table.resolveTenant }) })],
      providers: [TenantLoginResolver],
    }).compile();
    const nest = moduleRef.createNestApplication(driver === 'apollo' ? new ExpressAdapter() : new FastifyAdapter(), { logger: logs });
    await nest.listen(0, '127.0.0.1');
    return nest;
  }
  const graphql = async (tenant: string | undefined, ticket: string) =>
    request(
      `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/graphql`,
      { query: LOGIN, variables: { ticket } },
      tenant ? { 'x-tenant': tenant } : {},
    );

  beforeAll(async () => {
    emulator = await App2WxappEmulator.start({ userPoolId: 'tenant-pool-graphql', secret: 'graphql-tenant-secret-4e1a' });
    table = await TenantTable.open();
    await table.upsert('acme', { userPoolId: 'tenant-pool-graphql', secret: 'graphql-tenant-secret-4e1a', host: emulator.url });
    logs = new CapturedLogs();
    app = await boot();
  });
  afterAll(async () => {
    await app?.close();
    await table?.close();
    await emulator?.close();
  });
  afterEach(() => expect(logs.takeProblems()).toEqual([]));

  it('forTenant works on a resolver: the tenant logs in, validateUser is told its name', async () => {
    const res = await graphql('acme', emulator.issueTicket({ unionid: 'oGqlTenant' }));
    expect(res.status).toBe(200);
    expect(res.body.data.tenantLogin).toEqual({ authingId: emulator.userId('oGqlTenant'), pool: 'acme' });
  });

  it('an unknown tenant: the field is null with a 401 error, no upstream call', async () => {
    emulator.reset();
    for (const tenant of ['nobody', undefined]) {
      const res = await graphql(tenant, emulator.issueTicket());
      expect(res.body.data.tenantLogin).toBeNull();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].message).toBe('This request names no tenant that this app knows');
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    }
    expect(emulator.requestCount).toBe(0);
  });
});
