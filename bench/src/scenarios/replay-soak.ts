import { Child } from '../ipc/child';
import type { ReplaySoakConfig, ReplaySoakResult } from '../replay-soak.process';

/** Starts the replay-store soak in its own process and returns its result when it ends (it runs beside the rest). */
export async function replaySoak(config: ReplaySoakConfig): Promise<ReplaySoakResult> {
  const child = await Child.start('replay-soak.process', 'replay soak', {}, ['--expose-gc']);
  try {
    return await child.call<ReplaySoakResult>('run', config);
  } finally {
    await child.stop();
  }
}
