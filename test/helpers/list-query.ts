import type { ShipmentListQuery } from '../../src/domain/types.js';

/** A store list query of one integration over all time, 1,000 a page, with `overrides` on top. */
export function listQuery(
  integrationId: number,
  overrides: Partial<ShipmentListQuery> = {},
): ShipmentListQuery {
  return {
    integrationId,
    fromUs: 0,
    toUs: 4_000_000_000_000_000,
    externalOrderIds: null,
    shipmentKeys: null,
    orderNumber: null,
    after: null,
    reverse: false,
    limit: 1000,
    ...overrides,
  };
}
