import type { Integration } from '../types.js';
import { formatTimestamp } from '../v3/time.js';
import { sortByTerms } from './integration-view.js';
import type { SortTerm } from './integration-view.js';

/**
 * The v3 view of an integration (reference `integration-response-model`): the same record v2 shows,
 * with the names the v3 document gives (`system` → `type`, `failing_since` → `started_failing_at`,
 * `last_fetch` → `last_fetched_at`, `last_updated_at` → `updated_at`) and `created_at`,
 * `feedback_type`. The schema allows no null: a member without a value is left out.
 */
export function renderIntegrationV3(i: Integration) {
  return {
    id: i.id,
    shop_name: i.shopName,
    ...(i.shopUrl === null ? {} : { shop_url: i.shopUrl }),
    type: i.system,
    ...(i.failingSinceUs === null ? {} : { started_failing_at: formatTimestamp(i.failingSinceUs) }),
    ...(i.lastFetchUs === null ? {} : { last_fetched_at: formatTimestamp(i.lastFetchUs) }),
    created_at: formatTimestamp(i.createdAtUs),
    updated_at: formatTimestamp(i.lastUpdatedAtUs),
    service_point_enabled: i.servicePointEnabled,
    service_point_carriers: i.servicePointCarriers,
    webhook_active: i.webhookActive,
    ...(i.webhookUrl === null ? {} : { webhook_url: i.webhookUrl }),
    feedback_type: i.feedbackType,
  };
}

/** The reference's `sort` keys for `GET /integrations` (its names, v2's among them). */
const SORT_KEYS = {
  integration_type: (i: Integration) => i.system,
  created_at: (i: Integration) => i.createdAtUs,
  updated_at: (i: Integration) => i.lastUpdatedAtUs,
  last_fetch: (i: Integration) => i.lastFetchUs,
  failing_since: (i: Integration) => i.failingSinceUs,
} as const;

type SortKey = keyof typeof SORT_KEYS;

/**
 * `sort`: comma-separated keys with an optional `-`; unknown keys are ignored, and a key already used
 * (`created_at,-created_at`) is ignored the second time. Without a usable key, the documented default:
 * `last_fetch`, then `created_at`. NULLs sort as PostgreSQL sorts them (after every value ascending,
 * before them descending); ties by id.
 */
export function sortIntegrationsV3(integrations: Integration[], sort: string | null): Integration[] {
  const seen = new Set<string>();
  const terms: SortTerm[] = [];
  for (const raw of (sort ?? '').split(',')) {
    const term = raw.trim();
    const name = term.replace(/^-/, '');
    if (!Object.hasOwn(SORT_KEYS, name) || seen.has(name)) continue;
    seen.add(name);
    terms.push({ desc: term.startsWith('-'), key: SORT_KEYS[name as SortKey] });
  }
  if (terms.length === 0) {
    terms.push({ desc: false, key: SORT_KEYS.last_fetch }, { desc: false, key: SORT_KEYS.created_at });
  }
  return sortByTerms(integrations, terms);
}
