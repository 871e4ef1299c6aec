import { formatDateTime } from '../drf/time.js';
import type { Integration } from '../types.js';

const time = (us: number | null): string | null => (us === null ? null : formatDateTime(us));

/** The `Integration` wire shape (reference `components.schemas.Integration`). */
export function renderIntegration(i: Integration) {
  return {
    id: i.id,
    shop_name: i.shopName,
    shop_url: i.shopUrl,
    system: i.system,
    failing_since: time(i.failingSinceUs),
    last_fetch: time(i.lastFetchUs),
    last_updated_at: formatDateTime(i.lastUpdatedAtUs),
    service_point_enabled: i.servicePointEnabled,
    service_point_carriers: i.servicePointCarriers,
    webhook_active: i.webhookActive,
    webhook_url: i.webhookUrl,
  };
}

/** The `IntegrationUpdate` wire shape: no id, system, failing_since or last_fetch (docs/behaviour.md). */
export function renderIntegrationUpdate(i: Integration) {
  return {
    shop_name: i.shopName,
    shop_url: i.shopUrl,
    last_updated_at: formatDateTime(i.lastUpdatedAtUs),
    service_point_enabled: i.servicePointEnabled,
    service_point_carriers: i.servicePointCarriers,
    webhook_active: i.webhookActive,
    webhook_url: i.webhookUrl,
  };
}

/** One sort key of a listing, and its direction. */
export interface SortTerm {
  desc: boolean;
  key: (i: Integration) => string | number | null;
}

const compare = (a: string | number | null, b: string | number | null): number => {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
};

/**
 * Integrations sorted by the terms in turn, ties by id. NULLs sort as PostgreSQL sorts them (after every
 * value ascending, before them descending), which v2's `ordering` and v3's `sort` both follow.
 */
export function sortByTerms(integrations: Integration[], terms: readonly SortTerm[]): Integration[] {
  return [...integrations].sort((x, y) => {
    for (const { desc, key } of terms) {
      const c = compare(key(x), key(y));
      if (c !== 0) return desc ? -c : c;
    }
    return x.id - y.id;
  });
}

const ORDERING_FIELDS = {
  id: (i: Integration) => i.id,
  shop_name: (i: Integration) => i.shopName,
  system: (i: Integration) => i.system,
  last_fetch: (i: Integration) => i.lastFetchUs,
  failing_since: (i: Integration) => i.failingSinceUs,
  last_updated_at: (i: Integration) => i.lastUpdatedAtUs,
} as const;

type OrderingField = keyof typeof ORDERING_FIELDS;

/**
 * DRF's OrderingFilter: comma-separated fields with an optional `-`, unknown ones ignored, `id` by
 * default. NULLs sort as PostgreSQL does (after every value ascending, before them descending).
 */
export function orderIntegrations(integrations: Integration[], ordering: string | null): Integration[] {
  const terms = (ordering ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => Object.hasOwn(ORDERING_FIELDS, t.replace(/^-/, '')))
    .map((t) => ({ desc: t.startsWith('-'), key: ORDERING_FIELDS[t.replace(/^-/, '') as OrderingField] }));
  if (terms.length === 0) terms.push({ desc: false, key: ORDERING_FIELDS.id });
  return sortByTerms(integrations, terms);
}
