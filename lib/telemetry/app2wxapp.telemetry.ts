import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { BatchObservableCallback, Histogram, Meter, ObservableGauge, Span, Tracer } from '@opentelemetry/api';
import type { App2WxappLoginError } from '../failure/app2wxapp-login.error';
import type { App2WxappExchangeEvent } from '../options/app2wxapp-options.interface';
import type { ResolvedApp2WxappOptions, ResolvedSharedOptions } from '../options/app2wxapp-options.schema';
import { MemoryTicketReplayStore } from '../replay/memory-ticket-replay.store';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import {
  ATTR_OUTCOME,
  ATTR_POOL,
  type ATTR_TENANT,
  type ATTR_USER_POOL_ID,
  type App2WxappLoginOutcome,
  CIRCUIT_STATE,
  DURATION_BUCKETS,
  EXCHANGE_DURATION,
  EXCHANGE_SPAN,
  LOGIN_DURATION,
  LOGIN_SPAN,
  REPLAY_STORE_ENTRIES,
  TENANT_POOL_ATTRIBUTE,
} from './telemetry.constants';

type Api = typeof import('@opentelemetry/api');

const CIRCUIT_VALUES = { closed: 0, open: 1, 'half-open': 2 } as const;

/**
 * One login's trace, opaque outside this file: its span stays out of the published `.d.ts`, which must not name
 * `@opentelemetry/api` types, since apps without that optional peer type-check our declarations too.
 */
export interface LoginTrace {
  readonly started: number;
  readonly pool: string;
}

interface RecordedLogin extends LoginTrace {
  readonly span: Span;
}

/** What the gauges read of each pool: its name, its replay store and its circuit. */
export interface ObservedPool {
  readonly options: Pick<ResolvedApp2WxappOptions, 'pool' | 'replayStore'>;
  readonly client: { readonly circuit: { readonly state: 'closed' | 'open' | 'half-open' } };
}

const spanOf = (trace: LoginTrace): Span => (trace as RecordedLogin).span;

/** `app2wxapp.pool` on metrics: bounded, so every tenant is `tenant`; its name goes on spans only. */
const metricPool = (options: Pick<ResolvedSharedOptions, 'pool' | 'tenant'>): string => (options.tenant ? TENANT_POOL_ATTRIBUTE : options.pool);

/*
 * The attribute objects of every login are written with literal keys: the same literals with computed keys
 * (`{ [ATTR_POOL]: pool }`) cost 5-6 µs of CPU per login on Node 24 in the benchmark app's profile
 * (bench/src/analysis.ts). `satisfies` holds each key equal to its constant in telemetry.constants.ts: a key that
 * differs, is missing or is extra does not compile. They stay fresh objects per call, not cached ones: an SDK may
 * assign its sampler's attributes into the object it is given.
 */
type Keyed<K extends string> = Record<K, string>;

function poolAttributes(options: Pick<ResolvedSharedOptions, 'pool' | 'tenant' | 'userPoolId'>): Record<string, string> {
  return options.tenant
    ? ({
        'app2wxapp.pool': TENANT_POOL_ATTRIBUTE,
        'app2wxapp.tenant': options.pool,
        'app2wxapp.user_pool.id': options.userPoolId,
      } satisfies Keyed<typeof ATTR_POOL | typeof ATTR_TENANT | typeof ATTR_USER_POOL_ID>)
    : ({ 'app2wxapp.pool': options.pool, 'app2wxapp.user_pool.id': options.userPoolId } satisfies Keyed<typeof ATTR_POOL | typeof ATTR_USER_POOL_ID>);
}

/** A duration's attributes: bounded (an outcome, a static pool or `tenant`). */
function outcomeAttributes(outcome: string, pool: string): Record<string, string> {
  return { 'app2wxapp.outcome': outcome, 'app2wxapp.pool': pool } satisfies Keyed<typeof ATTR_OUTCOME | typeof ATTR_POOL>;
}

export interface ExchangeTrace {
  /** Runs `fn` with the exchange span active, so that an HTTP client instrumentation's span nests under it. */
  run<T>(fn: () => T): T;
  status(code: number): void;
  end(outcome: App2WxappExchangeEvent['outcome'], durationMs: number, error?: App2WxappLoginError): void;
}

/**
 * Spans and metrics through `@opentelemetry/api`, an optional peer dependency: without it nothing is recorded, and
 * without an SDK its calls are no-ops. Loaded when the module initialises, not when the package is imported: the
 * metrics API has no proxy, so a meter taken before the app registers its SDK would stay a no-op for ever.
 * Never recorded: the secret, a ticket or its hash, a token, a phone number, openid, unionid, or any user id.
 */
@Injectable()
export class App2WxappTelemetry implements OnModuleDestroy {
  private readonly tracer?: Tracer;
  private readonly meter?: Meter;
  private readonly loginDuration?: Histogram;
  private readonly exchangeDuration?: Histogram;
  private readonly gauges: ObservableGauge[] = [];
  private readonly observe?: BatchObservableCallback;

  private constructor(
    private readonly api: Api | undefined,
    pools: () => Iterable<ObservedPool>,
  ) {
    if (!api) return;
    this.tracer = api.trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
    const meter = (this.meter = api.metrics.getMeter(PACKAGE_NAME, PACKAGE_VERSION));
    const advice = { explicitBucketBoundaries: DURATION_BUCKETS };
    this.loginDuration = meter.createHistogram(LOGIN_DURATION, { unit: 's', description: 'Duration of app2wxapp logins', advice });
    this.exchangeDuration = meter.createHistogram(EXCHANGE_DURATION, { unit: 's', description: 'Duration of ticket exchanges with Authing', advice });
    const circuit = meter.createObservableGauge(CIRCUIT_STATE, { description: "State of a pool's circuit breaker: 0 closed, 1 open, 2 half-open" });
    const entries = meter.createObservableGauge(REPLAY_STORE_ENTRIES, { description: "Live claims in a pool's in-memory replay store" });
    this.gauges.push(circuit, entries);
    this.observe = (result) => {
      for (const { options, client } of pools()) {
        const attributes = { [ATTR_POOL]: options.pool };
        result.observe(circuit, CIRCUIT_VALUES[client.circuit.state], attributes);
        const store = options.replayStore;
        if (store instanceof MemoryTicketReplayStore) result.observe(entries, store.size, attributes);
      }
    };
    meter.addBatchObservableCallback(this.observe, this.gauges);
  }

  static async load(pools: () => Iterable<ObservedPool>): Promise<App2WxappTelemetry> {
    let api: Api | undefined;
    try {
      api = await import('@opentelemetry/api');
    } catch {
      api = undefined; // not installed: telemetry is off
    }
    return new App2WxappTelemetry(api, pools);
  }

  startLogin(options: Pick<ResolvedSharedOptions, 'pool' | 'userPoolId' | 'tenant'>): LoginTrace | undefined {
    if (!this.tracer) return undefined;
    const span = this.tracer.startSpan(LOGIN_SPAN, {
      kind: this.api!.SpanKind.INTERNAL,
      attributes: poolAttributes(options),
    });
    const trace: RecordedLogin = { span, started: performance.now(), pool: metricPool(options) };
    return trace;
  }

  /** Runs `fn` with the login span active: spans that `validateUser` or the replay store make nest under it. */
  runInLogin<T>(trace: LoginTrace | undefined, fn: () => T): T {
    const span = trace && spanOf(trace);
    if (!span || !span.isRecording()) return fn();
    const { context, trace: traces } = this.api!;
    return context.with(traces.setSpan(context.active(), span), fn);
  }

  endLogin(trace: LoginTrace | undefined, outcome: App2WxappLoginOutcome, status: number): void {
    if (!trace) return;
    const span = spanOf(trace);
    if (span.isRecording()) {
      span.setAttribute(ATTR_OUTCOME, outcome);
      span.setAttribute('http.response.status_code', status);
      // A 4xx is an answer to the user, not a failure of the login machinery.
      if (status >= 500) {
        span.setAttribute('error.type', outcome);
        span.setStatus({ code: this.api!.SpanStatusCode.ERROR, message: `login answered ${status} (${outcome})` });
      }
    }
    span.end();
    this.loginDuration!.record((performance.now() - trace.started) / 1000, outcomeAttributes(outcome, trace.pool));
  }

  startExchange(
    login: LoginTrace,
    options: Pick<ResolvedSharedOptions, 'pool' | 'userPoolId' | 'upstreamAddress' | 'upstreamPort' | 'tenant'>,
  ): ExchangeTrace {
    const api = this.api!;
    const parent = spanOf(login);
    const span = parent.isRecording()
      ? this.tracer!.startSpan(
          EXCHANGE_SPAN,
          {
            kind: api.SpanKind.CLIENT,
            attributes: {
              'server.address': options.upstreamAddress,
              'server.port': options.upstreamPort,
              ...poolAttributes(options),
            },
          },
          api.trace.setSpan(api.context.active(), parent),
        )
      : undefined;
    return new Exchange(span, this.exchangeDuration!, metricPool(options), api);
  }

  onModuleDestroy(): void {
    if (this.observe) this.meter?.removeBatchObservableCallback(this.observe, this.gauges);
  }
}

/** One exchange's span (when the login's span records) and duration; a class rather than closures per login. */
class Exchange implements ExchangeTrace {
  constructor(
    private readonly span: Span | undefined,
    private readonly histogram: Histogram,
    private readonly pool: string,
    private readonly api: Api,
  ) {}

  run<T>(fn: () => T): T {
    const { span, api } = this;
    return span ? api.context.with(api.trace.setSpan(api.context.active(), span), fn) : fn();
  }

  status(code: number): void {
    this.span?.setAttribute('http.response.status_code', code);
  }

  end(outcome: App2WxappExchangeEvent['outcome'], durationMs: number, error?: App2WxappLoginError): void {
    const span = this.span;
    if (span) {
      span.setAttribute(ATTR_OUTCOME, outcome);
      // A refusal is Authing's answer to the user; a 5xx is a failure of the exchange.
      if (error && error.getStatus() >= 500) {
        span.setAttribute('error.type', error.kind);
        span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error.message });
      }
      span.end();
    }
    this.histogram.record(durationMs / 1000, outcomeAttributes(outcome, this.pool));
  }
}
