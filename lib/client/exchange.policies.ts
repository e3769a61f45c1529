import type { Logger } from '@nestjs/common';
import {
  BrokenCircuitError,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  bulkhead,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import type { ResolvedSharedOptions } from '../options/app2wxapp-options.schema';
import { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import { LoginFailures } from '../failure/login-failures';
import { type Deadline, raceAbort } from '../shared/deadline.utils';

export type App2WxappCircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitSnapshot {
  state: App2WxappCircuitState;
  /** While open: how long until one probe may pass. 0 otherwise. Open past its cooldown reads half-open. */
  retryInMs: number;
}

/** The pool's resilience around one exchange: cockatiel's bulkhead, then its circuit breaker. */
export class ExchangePolicies {
  private readonly limiter: BulkheadPolicy;
  private readonly breaker?: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(
    private readonly options: Pick<ResolvedSharedOptions, 'pool' | 'circuitBreaker' | 'maxConcurrentExchanges' | 'maxQueuedExchanges'>,
    private readonly logger: Logger,
  ) {
    this.limiter = bulkhead(options.maxConcurrentExchanges, options.maxQueuedExchanges);
    this.breaker = this.createBreaker();
  }

  execute<T>(fn: () => Promise<T>, limit: Deadline): Promise<T> {
    // A free slot runs at once (cockatiel's promise handed on as is, no async wrapper); only a queued exchange needs
    // the deadline raced, since cockatiel checks it on dequeue.
    if (this.limiter.executionSlots > 0) return this.limiter.execute(() => this.throughBreaker(fn));
    return this.queued(fn, limit);
  }

  private async queued<T>(fn: () => Promise<T>, limit: Deadline): Promise<T> {
    let started = false;
    const run = () => {
      started = true;
      return this.throughBreaker(fn);
    };
    try {
      return await raceAbort(this.limiter.execute(run, limit.signal), limit.signal);
    } catch (err) {
      // Its time ran out in the queue: never sent, so the ticket is still good.
      if (!started && limit.signal.aborted) throw LoginFailures.noTimeLeft();
      throw err;
    }
  }

  snapshot(): CircuitSnapshot {
    const state = this.breaker?.state;
    if (state === CircuitState.Open || state === CircuitState.Isolated) {
      const cooldown = this.options.circuitBreaker ? this.options.circuitBreaker.cooldownMs : 0;
      const retryInMs = this.openedAt + cooldown - Date.now();
      // cockatiel turns half-open only when a login arrives after the cooldown; for an operator the next login is
      // already the probe, and a quiet pool would otherwise read "open" for ever.
      return retryInMs > 0 ? { state: 'open', retryInMs } : { state: 'half-open', retryInMs: 0 };
    }
    return { state: state === CircuitState.HalfOpen ? 'half-open' : 'closed', retryInMs: 0 };
  }

  private async throughBreaker<T>(fn: () => Promise<T>): Promise<T> {
    const breaker = this.breaker;
    if (!breaker) return fn();
    // cockatiel makes callers wait for the half-open probe, however long it hangs; they fail fast instead.
    if (breaker.state === CircuitState.HalfOpen) throw new BrokenCircuitError();
    // A failure that proves Authing answers (a refusal) is a success to the breaker: it ends a run of failures. One
    // that says nothing about Authing ('neutral') passes through it unrecorded.
    const outcome = await breaker.execute(async () => {
      try {
        return { value: await fn() };
      } catch (err) {
        if (err instanceof App2WxappLoginError && err.circuit === 'clears') return { answered: err };
        throw err;
      }
    });
    if ('answered' in outcome) throw outcome.answered;
    return outcome.value;
  }

  private createBreaker(): CircuitBreakerPolicy | undefined {
    const settings = this.options.circuitBreaker;
    if (!settings) return undefined;
    const breaker = circuitBreaker(
      handleWhen((err) => err instanceof App2WxappLoginError && err.circuit === 'counts'),
      { halfOpenAfter: settings.cooldownMs, breaker: new ConsecutiveBreaker(settings.threshold) },
    );
    const pool = this.options.pool;
    breaker.onBreak(() => {
      this.openedAt = Date.now();
      this.logger.warn(`Circuit of pool ${pool} opened after ${settings.threshold} upstream failures; retrying in ${settings.cooldownMs} ms`);
    });
    breaker.onReset(() => this.logger.log(`Circuit of pool ${pool} closed: Authing answers again`));
    return breaker;
  }
}
