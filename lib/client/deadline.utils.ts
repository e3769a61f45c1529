/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** When each signal made by `deadline` aborts, on the `performance.now()` clock. */
const ends = new WeakMap<AbortSignal, number>();

export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer and detaches from the outer signal; call it as soon as the guarded work settles. */
  clear(): void;
}

/**
 * Aborts after `ms` (with a `TimeoutError`, like `AbortSignal.timeout`) or when `outer` aborts. Measured in the
 * benchmark: `AbortSignal.timeout` keeps its timer and a weakly held signal alive for the whole timeout and
 * `AbortSignal.any` adds more, which cost CPU and heap on every login; this timer is gone once the work settles.
 */
export function deadline(ms: number, outer?: AbortSignal): Deadline {
  // An outer deadline of ours that ends first already bounds the work: reuse it (AbortControllers are not cheap).
  const outerEnd = outer && ends.get(outer);
  if (outerEnd !== undefined && outerEnd <= performance.now() + ms) return { signal: outer!, clear: () => undefined };
  const controller = new AbortController();
  ends.set(controller.signal, performance.now() + ms);
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  timer.unref();
  let onOuter: (() => void) | undefined;
  if (outer?.aborted) controller.abort(outer.reason);
  else if (outer) {
    onOuter = () => controller.abort(outer.reason);
    outer.addEventListener('abort', onOuter, { once: true });
  }
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      if (onOuter) outer!.removeEventListener('abort', onOuter);
    },
  };
}

/** Milliseconds left before `limit` aborts. */
export function remainingMs(limit: Deadline): number {
  const end = ends.get(limit.signal);
  return end === undefined ? Number.POSITIVE_INFINITY : end - performance.now();
}
