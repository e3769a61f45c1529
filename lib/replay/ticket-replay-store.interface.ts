/**
 * Remembers which tickets have been presented, so that a ticket logs in at most once. Keys are SHA-256 digests of
 * tickets, never tickets. Implementations must make `claim` atomic across every instance that shares the store.
 */
export interface TicketReplayStore {
  /** Resolves `true` when the key was free and is now claimed for `ttlMs`, `false` when it is already claimed. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Frees a claim, so that a ticket whose exchange failed transiently can be presented again. */
  release(key: string): Promise<void>;
}
