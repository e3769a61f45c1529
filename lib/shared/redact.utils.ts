/** A run of this many characters of a secret is too much to show; a shorter one says nothing about it. */
const RUN = 12;
const MAX_MESSAGE_LENGTH = 200;
/** Scanned at most; a secret cut off here leaves at most RUN - 1 of its characters before the cut. */
const MAX_SCANNED = 8192;

/**
 * Makes upstream text safe to show: every run of 12 or more characters that also occurs in one of `secrets` (the
 * pool secret, the ticket) becomes `[redacted]`, and only then is the text cut to 200 characters. Cutting first
 * would let a prefix of a secret that straddles the cut through.
 */
export function redactThenCut(text: string, secrets: readonly (string | undefined)[]): string {
  const scanned = text.length > MAX_SCANNED ? text.slice(0, MAX_SCANNED) : text;
  const runs = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    if (secret.length < RUN) {
      runs.add(secret);
      continue;
    }
    for (let i = 0; i + RUN <= secret.length; i++) runs.add(secret.slice(i, i + RUN));
  }
  const hidden = new Uint8Array(scanned.length);
  for (const run of runs) {
    if (run.length < RUN) markAll(scanned, run, hidden);
  }
  for (let i = 0; i + RUN <= scanned.length; i++) {
    if (runs.has(scanned.slice(i, i + RUN))) hidden.fill(1, i, i + RUN);
  }
  let out = '';
  for (let i = 0; i < scanned.length;) {
    if (!hidden[i]) {
      out += scanned[i++];
      continue;
    }
    while (i < scanned.length && hidden[i]) i++;
    out += '[redacted]';
  }
  return out.length > MAX_MESSAGE_LENGTH || text.length > MAX_SCANNED ? `${out.slice(0, MAX_MESSAGE_LENGTH)}…` : out;
}

/** A secret shorter than a run is hidden where it occurs whole. */
function markAll(text: string, secret: string, hidden: Uint8Array): void {
  for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) hidden.fill(1, at, at + secret.length);
}
