import { postgresDatabase } from '../support/database-fixtures';
import { describeSampleScenarios } from '../support/sample-scenarios';

const serverUrl = process.env.TEST_DATABASE_URL;
if (!serverUrl) {
  // CI provides the server; a silent skip would pass without testing anything.
  throw new Error(
    'TEST_DATABASE_URL is not set: this suite needs a real PostgreSQL server. Start one with ' +
      '`source .ci/postgres.sh && start_postgres` (it exports TEST_DATABASE_URL), then run `npm run test:services`.',
  );
}

describeSampleScenarios('a real PostgreSQL server', postgresDatabase(serverUrl));
