import { HttpException } from '@nestjs/common';
import { App2WxappTicketRejectedError, App2WxappUpstreamError } from '../client/app2wxapp-upstream.errors';
import { App2WxappReplayStoreError } from '../replay/replay-store.errors';
import type { App2WxappLoginOutcome } from '../telemetry/telemetry.constants';

const tags = new WeakMap<object, App2WxappLoginOutcome>();

/** Marks an exception with the outcome it stands for, where its class does not say. */
export function tagged<T extends object>(error: T, outcome: App2WxappLoginOutcome): T {
  tags.set(error, outcome);
  return error;
}

/** The outcome and status a failed login ends with, for telemetry. */
export function outcomeOf(error: unknown): { outcome: App2WxappLoginOutcome; status: number } {
  const status = error instanceof HttpException ? error.getStatus() : 500;
  const tag = typeof error === 'object' && error !== null ? tags.get(error) : undefined;
  if (tag) return { outcome: tag, status };
  if (error instanceof App2WxappTicketRejectedError) return { outcome: 'rejected', status };
  if (error instanceof App2WxappReplayStoreError) return { outcome: 'replay-store-error', status };
  if (error instanceof App2WxappUpstreamError) {
    const { failure } = error;
    if (failure === 'timeout' || failure === 'circuit-open' || failure === 'overloaded') return { outcome: failure, status };
    return { outcome: failure === 'no-time-left' ? 'overloaded' : 'upstream-error', status };
  }
  // The default extraction's refusals (extMsg cancelled, no ticket in it).
  if (status === 401) return { outcome: 'invalid-ticket', status };
  return { outcome: 'internal', status };
}
