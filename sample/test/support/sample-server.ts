import type { AddressInfo } from 'node:net';
import { createSampleApp, type SampleApp } from '../../src/app.factory';
import type { Env } from '../../src/config/load-sample-config';
import { CaptureLogger } from './capture-logger';
import { HttpClient } from './http-client';

/** Long enough for any HS256 key check; what the tests sign expired and forged tokens with. */
export const TEST_JWT_SECRET = 'sample-e2e-test-key-0123456789abcdef0123456789';

export interface SampleServer extends SampleApp {
  url: string;
  http: HttpClient;
  logs: CaptureLogger;
  close(): Promise<void>;
}

/** Boots the sample exactly as `npm start` does, on 127.0.0.1 and a free port. */
export async function startSample(env: Env): Promise<SampleServer> {
  const logs = new CaptureLogger();
  const sample = await createSampleApp({ env: { JWT_SECRET: TEST_JWT_SECRET, ...env }, logger: logs });
  await sample.app.listen(0, '127.0.0.1');
  const { port } = sample.app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return { ...sample, url, http: new HttpClient(url), logs, close: () => sample.app.close() };
}
