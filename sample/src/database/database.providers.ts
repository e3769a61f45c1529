import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { SAMPLE_CONFIG } from '../config/sample-config.module';
import type { SampleConfig } from '../config/sample-config.interface';
import { DATABASE, type Database } from './database.interface';
import { PgliteDatabase } from './pglite.database';
import { PostgresDatabase } from './postgres.database';
import { SCHEMA_SCRIPT } from './schema';

export const InjectDatabase = (): ParameterDecorator => Inject(DATABASE);

/** Opens the database chosen by configuration and creates the schema before anything can query it. */
export const databaseProvider: Provider = {
  provide: DATABASE,
  inject: [SAMPLE_CONFIG],
  useFactory: async (config: SampleConfig): Promise<Database> => {
    const logger = new Logger('Database');
    const settings = config.database;
    const database = settings.kind === 'postgres' ? await PostgresDatabase.connect(settings.url) : await PgliteDatabase.open(settings.dataDir);
    try {
      await database.exec(SCHEMA_SCRIPT);
    } catch (error) {
      await database.close().catch(() => undefined);
      throw error;
    }
    logger.log(
      settings.kind === 'postgres'
        ? 'Using the PostgreSQL server of DATABASE_URL'
        : `Using embedded PostgreSQL (PGlite), data in ${settings.dataDir}`,
    );
    return database;
  },
};

/** Closes the database after the HTTP server has stopped taking requests. */
@Injectable()
export class DatabaseShutdown implements OnApplicationShutdown {
  constructor(@InjectDatabase() private readonly database: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
