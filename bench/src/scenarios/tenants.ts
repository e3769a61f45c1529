import { Child } from '../ipc/child';
import type { TenantsConfig, TenantsResult } from '../tenants.process';

/** In its own process (with --expose-gc for the memory figure). */
export async function tenants(config: TenantsConfig): Promise<TenantsResult> {
  const child = await Child.start('tenants.process', 'tenants', config, ['--expose-gc']);
  try {
    return await child.call<TenantsResult>('run');
  } finally {
    await child.stop();
  }
}
