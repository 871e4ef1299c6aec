import type { Pool, PoolClient } from 'pg';
import type { ShopOrderStatus, StatusMappingEntry } from '../../domain/types.js';
import type { Row } from '../rows.js';
import { num } from '../rows.js';

const SQL = {
  list: `SELECT external_id, translations, deleted_at_us FROM shop_order_statuses
    WHERE integration_id = $1 ORDER BY deleted_at_us IS NOT NULL, position, external_id`,
  markAllDeleted: `UPDATE shop_order_statuses SET deleted_at_us = $1
    WHERE integration_id = $2 AND deleted_at_us IS NULL`,
  // One statement for the whole declaration: the rows as parallel arrays.
  upsert: `INSERT INTO shop_order_statuses (integration_id, external_id, translations, position, deleted_at_us)
    SELECT $1, d.external_id, d.translations::jsonb, d.position, NULL
    FROM unnest($2::text[], $3::text[], $4::int[]) AS d (external_id, translations, position)
    ON CONFLICT (integration_id, external_id) DO UPDATE SET translations = excluded.translations,
      position = excluded.position, deleted_at_us = NULL`,
  mapping: 'SELECT status_category, external_id FROM shop_order_status_mappings WHERE integration_id = $1',
  setMapping: `INSERT INTO shop_order_status_mappings (integration_id, status_category, external_id)
    SELECT $1, m.status_category, m.external_id FROM unnest($2::text[], $3::text[]) AS m (status_category, external_id)
    ON CONFLICT (integration_id, status_category) DO UPDATE SET external_id = excluded.external_id`,
} as const;

/** v3's shop order statuses and their mapping on PostgreSQL; writes run in the store's write transactions. */
export const pgShopOrderStatuses = {
  async list(pool: Pool, integrationId: number): Promise<ShopOrderStatus[]> {
    const { rows } = await pool.query<Row>(SQL.list, [integrationId]);
    return rows.map((row) => ({
      externalId: String(row.external_id),
      translations: row.translations as ShopOrderStatus['translations'],
      deletedAtUs: row.deleted_at_us === null ? null : num(row.deleted_at_us),
    }));
  },

  /** Everything is first marked deleted at `nowUs`; the declared ones come back. */
  async declare(
    client: PoolClient,
    integrationId: number,
    statuses: Omit<ShopOrderStatus, 'deletedAtUs'>[],
    nowUs: number,
  ): Promise<void> {
    await client.query(SQL.markAllDeleted, [nowUs, integrationId]);
    if (statuses.length === 0) return;
    await client.query(SQL.upsert, [
      integrationId,
      statuses.map((s) => s.externalId),
      statuses.map((s) => JSON.stringify(s.translations)),
      statuses.map((_s, i) => i),
    ]);
  },

  async mapping(pool: Pool, integrationId: number): Promise<StatusMappingEntry[]> {
    const { rows } = await pool.query<Row>(SQL.mapping, [integrationId]);
    return rows.map((row) => ({
      statusCategory: String(row.status_category),
      externalId: row.external_id === null ? null : String(row.external_id),
    }));
  },

  async setMapping(client: PoolClient, integrationId: number, mapping: StatusMappingEntry[]): Promise<void> {
    if (mapping.length === 0) return;
    await client.query(SQL.setMapping, [
      integrationId,
      mapping.map((m) => m.statusCategory),
      mapping.map((m) => m.externalId),
    ]);
  },
};
