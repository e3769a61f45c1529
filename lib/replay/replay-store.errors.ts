import { HttpException } from '@nestjs/common';

/** The replay store could not answer (Redis down, store full). Fails closed with 503. */
export class App2WxappReplayStoreError extends HttpException {
  constructor(message: string, readonly retryAfterSeconds?: number) {
    super(HttpException.createBody(message, 'Service Unavailable', 503), 503);
    this.name = 'App2WxappReplayStoreError';
  }
}
