import { pgliteDatabase } from '../support/database-fixtures';
import { describeSampleScenarios } from '../support/sample-scenarios';

describeSampleScenarios('embedded PGlite', pgliteDatabase);
