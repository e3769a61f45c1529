import { Module } from '@nestjs/common';
import { SessionModule } from '../session/session.module';
import { MeController } from './me.controller';

@Module({
  imports: [SessionModule],
  controllers: [MeController],
})
export class MeModule {}
