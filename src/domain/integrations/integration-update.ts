import { Invalid, SKIP, booleanField, charField, isPlainObject, listField, message } from '../drf/fields.js';
import type { ErrorTree, Field } from '../drf/fields.js';
import { pyRepr } from '../drf/repr.js';
import { INVALID_URL, isValidUrl } from '../drf/url.js';
import { errors } from '../errors.js';
import type { Integration, IntegrationChanges } from '../types.js';

const url = (value: string): string | null => (isValidUrl(value) ? null : INVALID_URL);

const FIELDS = {
  shop_name: charField({ maxLength: 250 }),
  shop_url: charField({ allowNull: true, maxLength: 200, validate: url }),
  service_point_enabled: booleanField(),
  service_point_carriers: listField(charField()),
  webhook_active: booleanField(),
  webhook_url: charField({ maxLength: 200, validate: url }),
} as const satisfies Record<string, Field<unknown>>;

/** The webhook fields are reported grouped under `settings` as `field: message` (reference 400 example). */
const SETTINGS_FIELDS = new Set(['webhook_active', 'webhook_url']);

const CARRIERS_REQUIRED = 'At least one carrier must be provided if the service point delivery is enabled.';

function flatten(tree: ErrorTree): string[] {
  if (Array.isArray(tree)) return tree.flatMap((t) => (typeof t === 'string' ? [t] : flatten(t)));
  return Object.values(tree).flatMap(flatten);
}

/**
 * Validates a PUT or PATCH body against the integration as it is now. Both methods accept any subset
 * (CONTRACT §4); omitted fields keep their values. Errors are a 400 whose message is the Python repr of
 * DRF's error dict, in the documented form.
 */
export function validateIntegrationUpdate(current: Integration, body: unknown): IntegrationChanges {
  if (!isPlainObject(body)) {
    throw errors.badRequest(pyRepr({ non_field_errors: [message.notAnObject(body)] }));
  }
  const values: Record<string, unknown> = {};
  const fieldErrors: Record<string, ErrorTree> = {};
  const settings: string[] = [];
  for (const [name, field] of Object.entries(FIELDS) as [string, Field<unknown>][]) {
    if (!Object.hasOwn(body, name)) continue;
    const outcome = field(body[name]);
    if (outcome === SKIP) continue;
    if (outcome instanceof Invalid) {
      if (SETTINGS_FIELDS.has(name))
        for (const text of flatten(outcome.errors)) settings.push(`${name}: ${text}`);
      else fieldErrors[name] = outcome.errors;
    } else {
      values[name] = outcome;
    }
  }
  const changes: IntegrationChanges = {};
  if ('shop_name' in values) changes.shopName = values.shop_name as string;
  if ('shop_url' in values) changes.shopUrl = values.shop_url as string | null;
  if ('service_point_enabled' in values)
    changes.servicePointEnabled = values.service_point_enabled as boolean;
  if ('service_point_carriers' in values)
    changes.servicePointCarriers = values.service_point_carriers as string[];
  if ('webhook_active' in values) changes.webhookActive = values.webhook_active as boolean;
  if ('webhook_url' in values) changes.webhookUrl = values.webhook_url as string;

  // Rules on the state after the change.
  const enabled = changes.servicePointEnabled ?? current.servicePointEnabled;
  const carriers = changes.servicePointCarriers ?? current.servicePointCarriers;
  if (enabled && carriers.length === 0 && !('service_point_carriers' in fieldErrors)) {
    fieldErrors.service_point_carriers = [CARRIERS_REQUIRED];
  }
  const active = changes.webhookActive ?? current.webhookActive;
  const hookUrl = changes.webhookUrl ?? current.webhookUrl;
  if (active && (hookUrl === null || hookUrl === '') && !settings.some((s) => s.startsWith('webhook_url:'))) {
    settings.push('webhook_url: This field is required.');
  }
  if (settings.length > 0 || Object.keys(fieldErrors).length > 0) {
    const all: Record<string, ErrorTree> = {};
    if (settings.length > 0) all.settings = settings;
    Object.assign(all, fieldErrors);
    throw errors.badRequest(pyRepr(all));
  }
  return changes;
}
