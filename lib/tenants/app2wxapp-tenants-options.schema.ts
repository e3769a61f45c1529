import { IsInt, IsOptional, IsPositive, Min, ValidateBy, type ValidationError, validateSync } from 'class-validator';
import { MemoryTicketReplayStore } from '../replay/memory-ticket-replay.store';
import type { TicketReplayStore } from '../replay/ticket-replay-store.interface';
import type { App2WxappTenantsOptions } from './app2wxapp-tenants-options.interface';

export interface ResolvedTenantsOptions {
  readonly resolveTenant: App2WxappTenantsOptions['resolveTenant'];
  readonly refreshMs: number;
  readonly unknownTenantTtlMs: number;
  readonly maxUnknownTenants: number;
  readonly maxTenants: number;
  readonly idleCloseMs: number;
  readonly sourceTimeoutMs: number;
  readonly secretReloadMs: number;
  readonly replayStore: TicketReplayStore | false;
}

export const TENANT_DEFAULTS = {
  refreshMs: 60_000,
  unknownTenantTtlMs: 10_000,
  maxUnknownTenants: 10_000,
  maxTenants: 10_000,
  idleCloseMs: 600_000,
  sourceTimeoutMs: 2000,
  secretReloadMs: 5000,
} as const;

const IsCallable = () =>
  ValidateBy({
    name: 'isCallable',
    validator: { validate: (v) => typeof v === 'function', defaultMessage: (a) => `${a?.property} must be a function (name) => options | undefined` },
  });

const IsReplayStoreOrFalse = () =>
  ValidateBy({
    name: 'isReplayStore',
    validator: {
      validate: (v: any) => v === false || (typeof v?.claim === 'function' && typeof v?.release === 'function'),
      defaultMessage: () => 'replayStore must be false or an object with claim(key, ttlMs) and release(key) methods',
    },
  });

class TenantsOptionsSchema {
  @IsCallable() resolveTenant!: unknown;
  @IsOptional() @IsInt() @Min(0) refreshMs?: number;
  @IsOptional() @IsInt() @Min(0) unknownTenantTtlMs?: number;
  @IsOptional() @IsInt() @IsPositive() maxUnknownTenants?: number;
  @IsOptional() @IsInt() @IsPositive() maxTenants?: number;
  @IsOptional() @IsInt() @IsPositive() idleCloseMs?: number;
  @IsOptional() @IsInt() @IsPositive() sourceTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(0) secretReloadMs?: number;
  @IsOptional() @IsReplayStoreOrFalse() replayStore?: unknown;
}

/** Validates `forTenants()` options at boot and fills in defaults; the Error names every bad option, never its value. */
export function resolveTenantsOptions(options: App2WxappTenantsOptions): ResolvedTenantsOptions {
  if (typeof options !== 'object' || options === null) {
    throw new Error('App2WxappModule.forTenants: options must be an object with at least { resolveTenant }');
  }
  const errors = validateSync(Object.assign(new TenantsOptionsSchema(), options), { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new Error(`App2WxappModule.forTenants: invalid options: ${errors.flatMap(describe).join('; ')}`);
  }
  return Object.freeze({
    resolveTenant: options.resolveTenant,
    refreshMs: options.refreshMs ?? TENANT_DEFAULTS.refreshMs,
    unknownTenantTtlMs: options.unknownTenantTtlMs ?? TENANT_DEFAULTS.unknownTenantTtlMs,
    maxUnknownTenants: options.maxUnknownTenants ?? TENANT_DEFAULTS.maxUnknownTenants,
    maxTenants: options.maxTenants ?? TENANT_DEFAULTS.maxTenants,
    idleCloseMs: options.idleCloseMs ?? TENANT_DEFAULTS.idleCloseMs,
    sourceTimeoutMs: options.sourceTimeoutMs ?? TENANT_DEFAULTS.sourceTimeoutMs,
    secretReloadMs: options.secretReloadMs ?? TENANT_DEFAULTS.secretReloadMs,
    // One store for every tenant, bounded as a whole (1 000 000 claims by default).
    replayStore: options.replayStore === undefined ? new MemoryTicketReplayStore() : options.replayStore,
  });
}

function describe(error: ValidationError): string[] {
  if (error.constraints?.whitelistValidation) return [`unknown option "${error.property}"`];
  return Object.values(error.constraints ?? {});
}
