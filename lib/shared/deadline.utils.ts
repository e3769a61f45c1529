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

/** When each signal made by a `Deadline` aborts, on the `performance.now()` clock. */
const ends = new WeakMap<AbortSignal, number>();

function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

/**
 * A point in time by which some work must be done. Its `AbortSignal` is made only when something asks for it (a
 * replay store that answers asynchronously, a wait in the bulkhead's queue, an outer signal): the common login
 * needs none, and an `AbortController` with its listeners was measured at several µs of CPU per login. Work that
 * runs without the signal is bounded by `remainingMs()` itself (the exchange passes it to axios as `timeout`).
 */
export class Deadline {
  /** `performance.now()` at which the deadline passes. */
  readonly end: number;
  private controller?: AbortController;
  private timer?: ReturnType<typeof setTimeout>;
  private onOuter?: () => void;
  private cleared = false;
  private lite?: DeadlineSignal;
  private liteTimer?: ReturnType<typeof setTimeout>;

  /**
   * @param outer aborts this deadline too.
   * @param borrowed the signal of an outer deadline of ours that ends first (at `end`): used as is, never cleared.
   */
  constructor(
    ms: number,
    private readonly outer?: AbortSignal,
    private readonly borrowed?: AbortSignal,
  ) {
    this.end = borrowed ? ends.get(borrowed)! : performance.now() + ms;
  }

  /** True once a signal exists: work that may still run must then be given it. */
  get hasSignal(): boolean {
    return this.controller !== undefined || this.borrowed !== undefined || this.outer !== undefined;
  }

  /** Aborts at `end` (with a `TimeoutError`, like `AbortSignal.timeout`) or when the outer signal aborts. */
  get signal(): AbortSignal {
    if (this.borrowed) return this.borrowed;
    if (this.controller) return this.controller.signal;
    const controller = (this.controller = new AbortController());
    const signal = controller.signal;
    ends.set(signal, this.end);
    if (this.cleared) return signal;
    const outer = this.outer;
    if (outer?.aborted) {
      controller.abort(outer.reason);
      return signal;
    }
    const left = this.end - performance.now();
    if (left <= 0) {
      controller.abort(timeoutReason());
      return signal;
    }
    this.timer = setTimeout(() => controller.abort(timeoutReason()), left);
    this.timer.unref();
    if (outer) {
      const onOuter = (this.onOuter = () => controller.abort(outer.reason));
      outer.addEventListener('abort', onOuter, { once: true });
    }
    return signal;
  }

  /**
   * What to give axios: the real signal once one exists, else a timer-backed `GenericAbortSignal` (axios's own type
   * for signal-like objects). axios's `timeout` stops at the answer's headers; this also ends a body that trickles
   * in past the deadline, for one timer instead of an `AbortController` and an EventTarget listener (~4 µs).
   */
  get requestSignal(): DeadlineSignal | AbortSignal {
    if (this.hasSignal) return this.signal;
    if (!this.lite) {
      const lite = (this.lite = new DeadlineSignal());
      if (!this.cleared) {
        this.liteTimer = setTimeout(() => lite.abort(), Math.max(0, this.end - performance.now()));
        this.liteTimer.unref();
      }
    }
    return this.lite;
  }

  /** True when the time is up or the signal aborted. */
  get expired(): boolean {
    const signal = this.borrowed ?? this.controller?.signal ?? this.outer;
    return (signal !== undefined && signal.aborted) || this.lite?.aborted === true || performance.now() >= this.end;
  }

  remainingMs(): number {
    return this.end - performance.now();
  }

  /** Stops the timer and detaches from the outer signal; call it as soon as the guarded work settles. */
  clear(): void {
    this.cleared = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.liteTimer !== undefined) clearTimeout(this.liteTimer);
    if (this.onOuter) this.outer!.removeEventListener('abort', this.onOuter);
  }
}

/**
 * Aborts after `ms` or when `outer` aborts. An outer signal that belongs to one of our deadlines and ends first
 * already bounds the work: its signal is reused (AbortControllers are not cheap).
 */
export function deadline(ms: number, outer?: AbortSignal): Deadline {
  const outerEnd = outer && ends.get(outer);
  if (outerEnd !== undefined && outerEnd <= performance.now() + ms) return new Deadline(0, undefined, outer);
  return new Deadline(ms, outer);
}

type AbortListener = () => void;

/** The `GenericAbortSignal` that axios accepts: `aborted` and one `abort` listener, without an EventTarget. */
export class DeadlineSignal {
  aborted = false;
  private listeners: AbortListener[] = [];

  addEventListener(type: string, listener: AbortListener): void {
    if (type === 'abort') this.listeners.push(listener);
  }

  removeEventListener(type: string, listener: AbortListener): void {
    if (type === 'abort') this.listeners = this.listeners.filter((l) => l !== listener);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const listener of this.listeners) listener();
    this.listeners = [];
  }
}
