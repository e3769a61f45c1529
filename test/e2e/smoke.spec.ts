import { App2WxappEmulator } from 'nestjs-app2wxapp/testing';
import { startWithOptions } from './support/test-app';

describe('smoke', () => {
  it.each(['express', 'fastify'] as const)('%s logs in', async (adapter) => {
    const emulator = await App2WxappEmulator.start({ userPoolId: 'pool1', secret: 's3cret' });
    const running = await startWithOptions(adapter, { userPoolId: 'pool1', secret: 's3cret', host: emulator.url });
    try {
      const ticket = emulator.issueTicket({ nickname: 'Lei' });
      const res = await running.post('/login', { ticket });
      expect(res.status).toBe(200);
      expect(res.body.user.nickname).toBe('Lei');
      const again = await running.post('/login', { ticket });
      expect(again.status).toBe(401);
      console.log(again.body);
    } finally {
      await running.close();
      await emulator.close();
    }
  });
});
