import type {
  Account,
  Credential,
  Integration,
  IntegrationChanges,
  StoredIntegrationLog,
  StoredShipment,
  WebhookAttempt,
  WebhookDelivery,
  WebhookStatus,
} from '../domain/types.js';

/**
 * Row → domain mapping shared by both engines. The dialects differ only in representation: SQLite
 * answers booleans as 0/1 and JSON as text; PostgreSQL answers booleans and already-parsed jsonb.
 */
export type Row = Record<string, unknown>;

export const num = (value: unknown): number => Number(value);
export const numOrNull = (value: unknown): number | null => (value === null ? null : Number(value));
export const strOrNull = (value: unknown): string | null => (value === null ? null : String(value));
export const flag = (value: unknown): boolean => value === true || value === 1;
const json = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));

export function toAccount(row: Row): Account {
  return { id: num(row.id), partner: flag(row.partner), createdAtUs: num(row.created_at_us) };
}

export function toCredential(row: Row): Credential {
  return {
    id: num(row.id),
    accountId: num(row.account_id),
    publicKey: String(row.public_key),
    oauthOnly: flag(row.oauth_only),
    createdAtUs: num(row.created_at_us),
    revokedAtUs: numOrNull(row.revoked_at_us),
  };
}

export function toIntegration(row: Row): Integration {
  return {
    id: num(row.id),
    accountId: num(row.account_id),
    shopName: String(row.shop_name),
    shopUrl: strOrNull(row.shop_url),
    system: String(row.system),
    failingSinceUs: numOrNull(row.failing_since_us),
    lastFetchUs: numOrNull(row.last_fetch_us),
    lastUpdatedAtUs: num(row.last_updated_at_us),
    servicePointEnabled: flag(row.service_point_enabled),
    servicePointCarriers: json<string[]>(row.service_point_carriers),
    webhookActive: flag(row.webhook_active),
    webhookUrl: strOrNull(row.webhook_url),
    webhookSignatureKey: String(row.webhook_signature_key),
    createdAtUs: num(row.created_at_us),
    // Rows read before migration 0007 (a snapshot of the previous release) have no column yet.
    feedbackType:
      row.feedback_type === undefined || row.feedback_type === null ? 'eager' : String(row.feedback_type),
  };
}

/** The columns of a listed shipment, in the order `toShipment` reads them. */
export const SHIPMENT_COLUMNS =
  'id, uuid, integration_id, data, shop_created_at_us, shop_updated_at_us, created_at_us, updated_at_us';

/**
 * A listed shipment, read as an array of SHIPMENT_COLUMNS: both engines answer the list in arrays, as
 * an object per row cost better-sqlite3 about 1 µs a row, a tenth of a page of 100.
 */
export function toShipment(values: unknown[]): StoredShipment {
  return {
    id: num(values[0]),
    uuid: String(values[1]),
    integrationId: num(values[2]),
    data: String(values[3]),
    shopCreatedAtUs: num(values[4]),
    shopUpdatedAtUs: num(values[5]),
    createdAtUs: num(values[6]),
    updatedAtUs: num(values[7]),
  };
}

export function toIntegrationLog(row: Row): StoredIntegrationLog {
  return {
    id: num(row.id),
    integrationId: num(row.integration_id),
    accountId: num(row.account_id),
    baseUrl: String(row.base_url),
    fullUrl: strOrNull(row.full_url),
    method: String(row.method),
    responseCode: numOrNull(row.response_code),
    response: strOrNull(row.response),
    request: strOrNull(row.request),
    exceptionType: strOrNull(row.exception_type),
    exception: strOrNull(row.exception),
    createdAtUs: num(row.created_at_us),
    importedAtUs: num(row.imported_at_us),
  };
}

export function toWebhookDelivery(row: Row): WebhookDelivery {
  return {
    id: num(row.id),
    accountId: num(row.account_id),
    integrationId: num(row.integration_id),
    action: String(row.action),
    url: String(row.url),
    body: String(row.body),
    signatureKey: String(row.signature_key),
    status: String(row.status) as WebhookStatus,
    attempts: num(row.attempts),
    nextAttemptAtUs: num(row.next_attempt_at_us),
    createdAtUs: num(row.created_at_us),
    deliveredAtUs: numOrNull(row.delivered_at_us),
  };
}

export function toWebhookAttempt(row: Row): WebhookAttempt {
  return {
    attemptedAtUs: num(row.attempted_at_us),
    statusCode: numOrNull(row.status_code),
    error: strOrNull(row.error),
    durationMs: num(row.duration_ms),
  };
}

/** The integration columns an update may change, as named parameters (booleans and JSON as text). */
export function integrationChangeParams(current: Integration, changes: IntegrationChanges, nowUs: number) {
  return {
    shop_name: changes.shopName ?? current.shopName,
    shop_url: changes.shopUrl !== undefined ? changes.shopUrl : current.shopUrl,
    service_point_enabled: changes.servicePointEnabled ?? current.servicePointEnabled,
    service_point_carriers: JSON.stringify(changes.servicePointCarriers ?? current.servicePointCarriers),
    webhook_active: changes.webhookActive ?? current.webhookActive,
    webhook_url: changes.webhookUrl ?? current.webhookUrl,
    last_updated_at_us: nowUs,
    feedback_type: changes.feedbackType ?? current.feedbackType,
  };
}
