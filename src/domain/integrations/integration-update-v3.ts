import { INVALID, isPlainObject, pyBool, pyEnum, pyList, pyModel, pyStr, pyUrl } from '../pydantic/index.js';
import type { ErrorItem } from '../pydantic/index.js';
import type { Integration, IntegrationChanges } from '../types.js';
import { bodySource, v3Errors } from '../v3/common-errors.js';
import { CARRIERS_REQUIRED, integrationChanges } from './integration-update.js';

export const FEEDBACK_TYPES = ['eager', 'delayed', 'none'] as const;

/** The reference's `integration-model`, as the v3 service's Pydantic model reads it (unknown members ignored). */
const integrationUpdate = pyModel('IntegrationUpdate', {
  shop_name: { validator: pyStr({ minLength: 1, maxLength: 250 }) },
  shop_url: { validator: pyUrl },
  service_point_enabled: { validator: pyBool },
  service_point_carriers: { validator: pyList(pyStr()) },
  webhook_active: { validator: pyBool },
  webhook_url: { validator: pyUrl },
  feedback_type: { validator: pyEnum(FEEDBACK_TYPES) },
});

const invalid = (detail: string, pointer?: string) =>
  v3Errors.invalid(detail, pointer ? { pointer } : undefined);

/**
 * `PATCH /api/v3/integrations/{id}`: the changes to apply, or the V3Error to answer. Any subset of
 * the model's members; an absent or null member keeps its value. Pydantic's messages for a member that
 * is wrong (every one of them, each at its pointer); then the reference's two rules on the result:
 * webhooks need a URL (its documented answer, byte for byte) and service points need a carrier (v2's
 * text, which the v3 document describes without quoting an answer).
 */
export function validateIntegrationUpdateV3(current: Integration, body: unknown): IntegrationChanges {
  // No body at all changes nothing, as `{}`; anything but an object is the reference's wrong format.
  const input = body === undefined ? {} : body;
  if (!isPlainObject(input)) throw v3Errors.wrongFormat();
  const errors: ErrorItem[] = [];
  const values = integrationUpdate(input, [], errors);
  if (values === INVALID) {
    throw v3Errors.validation(errors, bodySource);
  }
  const changes = integrationChanges(values);

  const active = changes.webhookActive ?? current.webhookActive;
  const hookUrl = changes.webhookUrl ?? current.webhookUrl;
  if (active && (hookUrl === null || hookUrl === '')) {
    throw invalid('Webhook URL required when enable webhook is set to true');
  }
  const enabled = changes.servicePointEnabled ?? current.servicePointEnabled;
  const carriers = changes.servicePointCarriers ?? current.servicePointCarriers;
  if (enabled && carriers.length === 0) {
    throw invalid(CARRIERS_REQUIRED, '/data/attributes/service_point_carriers');
  }
  return changes;
}
