import type { TenantConflict } from '../domain/admin/types.js';

/**
 * Thrown inside a tenant's transaction when a chosen identifier is taken, so that the write queue rolls
 * back that tenant alone and nothing of it stays; the store turns it back into a value.
 */
export class TenantTaken extends Error {
  constructor(readonly conflict: TenantConflict) {
    super(`${conflict.taken} ${conflict.value} is taken`);
  }
}

/** The conflict a failed tenant write carried, or null for any other error (which the caller rethrows). */
export function tenantConflict(error: unknown): TenantConflict | null {
  return error instanceof TenantTaken ? error.conflict : null;
}
