import type { EmulatorInfo } from './emulator.process';
import type { Child } from './ipc/child';

export const OUT_OF_TICKETS = 'out-of-tickets';

/**
 * Fresh tickets from the emulator process, handed out one per request. `fill` issues a batch up front; with a
 * low-water mark the feed also tops itself up in the background, for runs too long for one batch to outlive.
 */
export class TicketFeed {
  private readonly batches: string[][] = [];
  private index = 0;
  private available = 0;
  private refilling = false;
  private starved = 0;

  constructor(
    private readonly emulator: Child<EmulatorInfo>,
    private readonly refill: { lowWater: number; batch: number } = { lowWater: 0, batch: 0 },
  ) {}

  async fill(count: number): Promise<this> {
    const tickets = await this.emulator.call<string[]>('issue', { count });
    this.batches.push(tickets);
    this.available += tickets.length;
    return this;
  }

  /** Synchronous, for autocannon's setupRequest. */
  take(): string {
    if (this.available <= this.refill.lowWater && this.refill.batch > 0 && !this.refilling) {
      this.refilling = true;
      void this.fill(this.refill.batch).finally(() => (this.refilling = false));
    }
    const batch = this.batches[0];
    if (!batch) {
      this.starved++;
      return OUT_OF_TICKETS;
    }
    const ticket = batch[this.index++];
    this.available--;
    if (this.index === batch.length) {
      this.batches.shift();
      this.index = 0;
    }
    return ticket;
  }

  /** Requests that went out without a ticket because the feed ran dry: a bench bug, reported as failures. */
  get starvedRequests(): number {
    return this.starved;
  }
}
