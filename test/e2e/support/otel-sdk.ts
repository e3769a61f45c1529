import { type Attributes, metrics, trace } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A pull reader: the test collects when it wants to look, as a Prometheus scrape would. */
class PullMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** One data point of one metric, flattened for assertions. */
export interface MetricPoint {
  name: string;
  unit: string;
  kind: 'histogram' | 'gauge' | 'other';
  attributes: Attributes;
  /** A gauge's value; a histogram's count and sum. */
  value: number | { count: number; sum: number };
}

export interface OtelSdk {
  spans(name?: string): ReadableSpan[];
  resetSpans(): void;
  collect(): Promise<MetricPoint[]>;
  /** Unregisters the global providers, so that the next suite of this process starts from the no-op API. */
  shutdown(): Promise<void>;
}

/** The real OpenTelemetry SDK, registered as the process-wide providers, with in-memory export. */
export function registerOtelSdk(): OtelSdk {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PullMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans: (name) => exporter.getFinishedSpans().filter((span) => name === undefined || span.name === name),
    resetSpans: () => exporter.reset(),
    collect: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
      return resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          (metric.dataPoints as { attributes: Attributes; value: unknown }[]).map((point): MetricPoint => ({
            name: metric.descriptor.name,
            unit: metric.descriptor.unit,
            kind: metric.dataPointType === DataPointType.HISTOGRAM ? 'histogram' : metric.dataPointType === DataPointType.GAUGE ? 'gauge' : 'other',
            attributes: point.attributes,
            value:
              metric.dataPointType === DataPointType.HISTOGRAM
                ? { count: (point.value as { count: number }).count, sum: (point.value as { sum: number }).sum }
                : (point.value as number),
          })),
        ),
      );
    },
    shutdown: async () => {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      metrics.disable();
    },
  };
}

/** The count of a histogram's point with exactly these attributes (0 when there is none). */
export function histogramCount(points: MetricPoint[], name: string, attributes: Attributes): number {
  const point = points.find((p) => p.name === name && sameAttributes(p.attributes, attributes));
  return point ? (point.value as { count: number }).count : 0;
}

/** A gauge's value for these attributes, or undefined when it reported none. */
export function gaugeValue(points: MetricPoint[], name: string, attributes: Attributes): number | undefined {
  const point = points.find((p) => p.name === name && sameAttributes(p.attributes, attributes));
  return point?.value as number | undefined;
}

function sameAttributes(a: Attributes, b: Attributes): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** Every string that a span or a metric point carries: names, attribute keys and values, status, events, links. */
export function recordedStrings(spans: ReadableSpan[], points: MetricPoint[]): string[] {
  const out: string[] = [];
  const add = (value: unknown): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) value.forEach(add);
    else if (typeof value !== 'object') out.push(String(value));
    else {
      for (const [k, v] of Object.entries(value)) {
        out.push(k);
        add(v);
      }
    }
  };
  for (const span of spans) {
    add([span.name, span.attributes, span.status.message, span.resource.attributes]);
    for (const event of span.events) add([event.name, event.attributes]);
    for (const link of span.links) add(link.attributes);
  }
  for (const point of points) add([point.name, point.unit, point.attributes]);
  return out;
}
