import { Global, Module } from '@nestjs/common';
import { DATABASE } from './database.interface';
import { DatabaseShutdown, databaseProvider } from './database.providers';

@Global()
@Module({
  providers: [databaseProvider, DatabaseShutdown],
  exports: [DATABASE],
})
export class DatabaseModule {}
