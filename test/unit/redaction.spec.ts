import { redactThenCut } from '../../lib/shared/redact.utils';
import { isFlagSet } from '../../lib/shared/record.utils';

const TICKET = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${'eyJqdGkiOiJhYmMiLCJzdWIiOiJ1c2VyIn0'.repeat(3)}.c2lnbmF0dXJlLXZhbHVlLWxvbmc`;
const SECRET = 'b1c4f0e2d9a84c7e9f3a2b1c0d9e8f7a';

/** Every 12-character run of `secret` that `text` contains. */
function leakedRuns(text: string, secret: string): string[] {
  const runs: string[] = [];
  for (let i = 0; i + 12 <= secret.length; i++) if (text.includes(secret.slice(i, i + 12))) runs.push(secret.slice(i, i + 12));
  return runs;
}

describe('redactThenCut', () => {
  it('redacts before it cuts: a ticket and a secret that straddle the 200-character cut leave no 12-character run', () => {
    // The shape that leaked 162 of a ticket's characters: the ticket, then the secret, around the cut.
    for (let pad = 0; pad < 220; pad += 7) {
      const text = `${'x'.repeat(pad)} ticket ${TICKET} secret ${SECRET} rejected`;
      const out = redactThenCut(text, [TICKET, SECRET]);
      expect(out.length).toBeLessThanOrEqual(201);
      expect(leakedRuns(out, TICKET)).toEqual([]);
      expect(leakedRuns(out, SECRET)).toEqual([]);
    }
  });

  it('redacts parts of a secret, not only whole occurrences', () => {
    const out = redactThenCut(`bad secret prefix ${SECRET.slice(0, 20)} and ticket tail ${TICKET.slice(-40)}`, [TICKET, SECRET]);
    expect(out).toBe('bad secret prefix [redacted] and ticket tail [redacted]');
  });

  it('leaves text alone that shares less than 12 characters with a secret', () => {
    expect(redactThenCut(`code 2207 ${SECRET.slice(0, 11)}`, [SECRET])).toBe(`code 2207 ${SECRET.slice(0, 11)}`);
  });

  it('cuts long text to 200 characters and marks the cut', () => {
    const out = redactThenCut('y'.repeat(50_000), [SECRET]);
    expect(out).toBe(`${'y'.repeat(200)}…`);
  });
});

describe('isFlagSet (blocked, isDeleted): only false or an absent field is "not set"', () => {
  it.each([false, undefined])('%p is not set', (value) => expect(isFlagSet(value)).toBe(false));
  it.each([true, 'true', 'TRUE', 'yes', 'false', 1, 0, null, {}, []])('%p is set (fail closed)', (value) => expect(isFlagSet(value)).toBe(true));
});
