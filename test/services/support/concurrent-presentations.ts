import { expect } from '@jest/globals';
import type { App2WxappEmulator } from 'nestjs-app2wxapp/testing';

type Login = (ticket: string) => Promise<{ status: number; body: any }>;

/** 50 concurrent presentations of one ticket, alternating between two instances: exactly one login, one exchange. */
export async function expectOneLoginOf50(emulator: App2WxappEmulator, onA: Login, onB: Login): Promise<void> {
  const ticket = emulator.issueTicket();
  const before = emulator.requestCount;
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? onB(ticket) : onA(ticket))));
  expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
  const refused = answers.filter((r) => r.status === 401);
  expect(refused).toHaveLength(49);
  for (const r of refused) expect(r.body.message).toBe('This ticket has already been used');
  expect(emulator.requestCount - before).toBe(1);
}
