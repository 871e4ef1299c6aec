import type { AppDeps } from '../../../deps.js';
import type { V3Route } from '../../plugin.js';
import { deleteOrder } from './delete-order.js';
import { getOrder } from './get-order.js';
import { listOrders } from './list-orders.js';
import { updateOrder } from './update-order.js';
import { upsertOrders } from './upsert-orders.js';

/** The Orders API under /api/v3, one file per operation. */
export const orderRoutes = (deps: AppDeps): V3Route[] => [
  upsertOrders(deps),
  listOrders(deps),
  getOrder(deps),
  updateOrder(deps),
  deleteOrder(deps),
];
