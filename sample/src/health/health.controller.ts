import { Controller, Get, Res } from '@nestjs/common';
import { HealthService, type HealthReport } from './health.service';

interface StatusResponse {
  status(code: number): unknown;
}

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 when the database and the upstream answer, 503 otherwise; the body says which one failed. */
  @Get()
  async check(@Res({ passthrough: true }) response: StatusResponse): Promise<HealthReport> {
    const report = await this.health.check();
    response.status(report.status === 'ok' ? 200 : 503);
    return report;
  }
}
