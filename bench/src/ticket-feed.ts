import type { CodePair, EmulatorInfo } from './emulator.process';
import type { Child } from './ipc/child';

export const OUT_OF_TICKETS = 'out-of-tickets';

/**
 * Fresh credentials from the emulator process (tickets, or app-launch code pairs), handed out one per request. `fill`
 * issues a batch up front; with a low-water mark the feed also tops itself up in the background, for runs too long
 * for one batch to outlive.
 */
abstract class IssuedFeed<T> {
  private readonly batches: T[][] = [];
  private index = 0;
  private available = 0;
  private refilling = false;
  private starved = 0;

  /** The emulator process's method that issues a batch (`{ count }` → T[]). */
  protected abstract readonly method: string;
  /** Sent when the feed ran dry: a credential the app refuses (counted as a failure, and as starved). */
  protected abstract readonly empty: T;

  constructor(
    private readonly emulator: Child<EmulatorInfo>,
    private readonly refill: { lowWater: number; batch: number } = { lowWater: 0, batch: 0 },
  ) {}

  async fill(count: number): Promise<this> {
    const issued = await this.emulator.call<T[]>(this.method, { count });
    this.batches.push(issued);
    this.available += issued.length;
    return this;
  }

  /** Synchronous, for autocannon's setupRequest. */
  take(): T {
    if (this.available <= this.refill.lowWater && this.refill.batch > 0 && !this.refilling) {
      this.refilling = true;
      void this.fill(this.refill.batch).finally(() => (this.refilling = false));
    }
    const batch = this.batches[0];
    if (!batch) {
      this.starved++;
      return this.empty;
    }
    const item = batch[this.index++];
    this.available--;
    if (this.index === batch.length) {
      this.batches.shift();
      this.index = 0;
    }
    return item;
  }

  /** Requests that went out without a credential because the feed ran dry: a bench bug, reported as failures. */
  get starvedRequests(): number {
    return this.starved;
  }
}

/** Fresh tickets of the default (ticket) pool. */
export class TicketFeed extends IssuedFeed<string> {
  protected readonly method = 'issue';
  protected readonly empty = OUT_OF_TICKETS;
}

/** Fresh app-launch code pairs (`{ code, phoneInfoCode }`) for the emulator's app. */
export class CodePairFeed extends IssuedFeed<CodePair> {
  protected readonly method = 'issueCodes';
  protected readonly empty: CodePair = { code: OUT_OF_TICKETS, phoneInfoCode: OUT_OF_TICKETS };
}

/** The JSON body the mobile app posts: the two codes as separate fields. */
export const codePairBody = (pair: CodePair) => `{"code":"${pair.code}","phoneInfoCode":"${pair.phoneInfoCode}"}`;
