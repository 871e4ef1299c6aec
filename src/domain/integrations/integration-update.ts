import {
  Invalid,
  MESSAGES,
  NON_FIELD_ERRORS,
  SKIP,
  booleanField,
  charField,
  isPlainObject,
  listField,
  message,
  urlField,
} from '../drf/fields.js';
import type { ErrorTree, Field } from '../drf/fields.js';
import { IndexedErrors, pyRepr } from '../drf/repr.js';
import { errors } from '../errors.js';
import type { Integration, IntegrationChanges } from '../types.js';

const FIELDS = {
  shop_name: charField({ maxLength: 250 }),
  shop_url: urlField({ allowNull: true, maxLength: 200 }),
  service_point_enabled: booleanField(),
  service_point_carriers: listField(charField()),
  webhook_active: booleanField(),
  webhook_url: urlField({ maxLength: 200 }),
} as const satisfies Record<string, Field<unknown>>;

/** The webhook fields are reported grouped under `settings` as `field: message` (reference 400 example). */
const SETTINGS_FIELDS = new Set(['webhook_active', 'webhook_url']);

export const CARRIERS_REQUIRED =
  'At least one carrier must be provided if the service point delivery is enabled.';

function flatten(tree: ErrorTree): string[] {
  if (Array.isArray(tree)) return tree.flatMap((t) => (typeof t === 'string' ? [t] : flatten(t)));
  if (tree instanceof IndexedErrors)
    return [...tree.byIndex.values()].flatMap((t) => flatten(t as ErrorTree));
  return Object.values(tree).flatMap(flatten);
}

/** The changes a validated update body asks for, by the wire's member names (v2's and v3's alike). */
export function integrationChanges(values: Record<string, unknown>): IntegrationChanges {
  const changes: IntegrationChanges = {};
  if ('shop_name' in values) changes.shopName = values.shop_name as string;
  if ('shop_url' in values) changes.shopUrl = values.shop_url as string | null;
  if ('service_point_enabled' in values)
    changes.servicePointEnabled = values.service_point_enabled as boolean;
  if ('service_point_carriers' in values)
    changes.servicePointCarriers = values.service_point_carriers as string[];
  if ('webhook_active' in values) changes.webhookActive = values.webhook_active as boolean;
  if ('webhook_url' in values) changes.webhookUrl = values.webhook_url as string;
  if ('feedback_type' in values) changes.feedbackType = values.feedback_type as string;
  return changes;
}

/**
 * Validates a PUT or PATCH body against the integration as it is now. Both methods accept any subset
 * (docs/behaviour.md); omitted fields keep their values. Errors are a 400 whose message is the Python repr of
 * DRF's error dict, in the documented form.
 */
export function validateIntegrationUpdate(current: Integration, body: unknown): IntegrationChanges {
  // DRF's Serializer.errors: a null body is `No data provided` rather than `This field may not be null.`
  if (body === null) throw errors.badRequest(pyRepr({ [NON_FIELD_ERRORS]: [MESSAGES.noData] }));
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
  const changes = integrationChanges(values);

  if (settings.length > 0 || Object.keys(fieldErrors).length > 0) throw invalid(settings, fieldErrors);

  // Rules on the state after the change: DRF's `validate()`, which runs only once every field is valid.
  const enabled = changes.servicePointEnabled ?? current.servicePointEnabled;
  const carriers = changes.servicePointCarriers ?? current.servicePointCarriers;
  if (enabled && carriers.length === 0) fieldErrors.service_point_carriers = [CARRIERS_REQUIRED];
  const active = changes.webhookActive ?? current.webhookActive;
  const hookUrl = changes.webhookUrl ?? current.webhookUrl;
  if (active && (hookUrl === null || hookUrl === '')) settings.push(`webhook_url: ${MESSAGES.required}`);
  if (settings.length > 0 || Object.keys(fieldErrors).length > 0) throw invalid(settings, fieldErrors);
  return changes;
}

/** The 400: the settings group first, then the other fields (the reference's examples). */
function invalid(settings: string[], fieldErrors: Record<string, ErrorTree>) {
  const all: Record<string, ErrorTree> = {};
  if (settings.length > 0) all.settings = settings;
  Object.assign(all, fieldErrors);
  return errors.badRequest(pyRepr(all));
}
