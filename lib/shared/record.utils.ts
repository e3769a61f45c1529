/** Checks for values read from outside (an upstream body, a request): fail-closed, never a throw. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Authing sends flags such as `blocked` and `isDeleted` as booleans. Fail closed: only `false` or an absent field
 * means "not set"; `"true"`, `1`, `"no"`, `null` or `{}` are anomalies and count as set.
 */
export function isFlagSet(value: unknown): boolean {
  return value !== false && value !== undefined;
}

/** Upstream text as printable characters, not yet redacted nor cut: see `redactThenCut`. */
export function printable(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return clean || undefined;
}
