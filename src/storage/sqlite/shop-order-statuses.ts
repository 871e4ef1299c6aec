import type { Database } from 'better-sqlite3';
import type { ShopOrderStatus, StatusMappingEntry } from '../../domain/types.js';
import type { Row } from '../rows.js';
import { num } from '../rows.js';

/**
 * v3's shop order statuses and their mapping on SQLite. Reads run directly; the writes run inside
 * the store's write queue (one IMMEDIATE transaction each), which wraps them.
 */
export class SqliteShopOrderStatuses {
  private readonly s;

  constructor(db: Database) {
    this.s = {
      list: db.prepare(
        `SELECT external_id, translations, deleted_at_us FROM shop_order_statuses
         WHERE integration_id = ? ORDER BY deleted_at_us IS NOT NULL, position, external_id`,
      ),
      upsert: db.prepare(
        `INSERT INTO shop_order_statuses (integration_id, external_id, translations, position, deleted_at_us)
         VALUES (@integration_id, @external_id, @translations, @position, NULL)
         ON CONFLICT (integration_id, external_id) DO UPDATE SET translations = excluded.translations,
           position = excluded.position, deleted_at_us = NULL`,
      ),
      markAllDeleted: db.prepare(
        `UPDATE shop_order_statuses SET deleted_at_us = ? WHERE integration_id = ? AND deleted_at_us IS NULL`,
      ),
      mapping: db.prepare(
        'SELECT status_category, external_id FROM shop_order_status_mappings WHERE integration_id = ?',
      ),
      setMapping: db.prepare(
        `INSERT INTO shop_order_status_mappings (integration_id, status_category, external_id) VALUES (?, ?, ?)
         ON CONFLICT (integration_id, status_category) DO UPDATE SET external_id = excluded.external_id`,
      ),
    };
  }

  list(integrationId: number): ShopOrderStatus[] {
    return (this.s.list.all(integrationId) as Row[]).map((row) => ({
      externalId: String(row.external_id),
      translations: JSON.parse(String(row.translations)) as ShopOrderStatus['translations'],
      deletedAtUs: row.deleted_at_us === null ? null : num(row.deleted_at_us),
    }));
  }

  /** Inside a write-queue job. Everything is first marked deleted at `nowUs`; the declared come back. */
  declare(integrationId: number, statuses: Omit<ShopOrderStatus, 'deletedAtUs'>[], nowUs: number): void {
    this.s.markAllDeleted.run(nowUs, integrationId);
    statuses.forEach((status, position) =>
      this.s.upsert.run({
        integration_id: integrationId,
        external_id: status.externalId,
        translations: JSON.stringify(status.translations),
        position,
      }),
    );
  }

  mapping(integrationId: number): StatusMappingEntry[] {
    return (this.s.mapping.all(integrationId) as Row[]).map((row) => ({
      statusCategory: String(row.status_category),
      externalId: row.external_id === null ? null : String(row.external_id),
    }));
  }

  /** Inside a write-queue job. */
  setMapping(integrationId: number, mapping: StatusMappingEntry[]): void {
    for (const entry of mapping) this.s.setMapping.run(integrationId, entry.statusCategory, entry.externalId);
  }
}
