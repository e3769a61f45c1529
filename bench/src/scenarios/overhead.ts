import { Child } from '../ipc/child';
import type { OverheadConfig, OverheadResult } from '../overhead.process';

/** In its own process, so that nothing else competes for its heap or its JIT. */
export async function overhead(config: OverheadConfig): Promise<OverheadResult> {
  const child = await Child.start('overhead.process', 'overhead', config);
  try {
    return await child.call<OverheadResult>('run');
  } finally {
    await child.stop();
  }
}
