/** Domain records as the store returns them. Times are microseconds since the Unix epoch. */

export interface Account {
  id: number;
  partner: boolean;
  createdAtUs: number;
}

export interface Credential {
  id: number;
  accountId: number;
  publicKey: string;
  oauthOnly: boolean;
  createdAtUs: number;
  revokedAtUs: number | null;
}

/** What authentication needs: the credential, its secret's digest and its account's flags. */
export interface CredentialSecret extends Credential {
  secretHash: string;
  accountPartner: boolean;
  /**
   * Present when the lookup named an integration: that integration if it belongs to the credential's
   * account, else null. Fetched with the credential so a request makes one lookup, not two.
   */
  integration?: Integration | null;
}

export interface Integration {
  id: number;
  accountId: number;
  shopName: string;
  shopUrl: string | null;
  system: string;
  failingSinceUs: number | null;
  lastFetchUs: number | null;
  lastUpdatedAtUs: number;
  servicePointEnabled: boolean;
  servicePointCarriers: string[];
  webhookActive: boolean;
  webhookUrl: string | null;
  webhookSignatureKey: string;
  createdAtUs: number;
  /** v3's `feedback_type` (`eager`, `delayed`, `none`); v2 does not show it. */
  feedbackType: string;
}

export interface NewIntegration {
  shopName: string;
  shopUrl: string | null;
  system: string;
  servicePointEnabled?: boolean;
  servicePointCarriers?: string[];
  webhookActive?: boolean;
  webhookUrl?: string | null;
  webhookSignatureKey: string;
}

export interface StoredShipment {
  id: number;
  uuid: string;
  integrationId: number;
  /** The stored text of the order, byte for byte as written (`ShipmentWrite.data`). */
  data: string;
  shopCreatedAtUs: number;
  shopUpdatedAtUs: number;
  createdAtUs: number;
  updatedAtUs: number;
}

/** The identity of one shipment inside its integration (docs/behaviour.md: null and "" are one key). */
export interface ShipmentKey {
  externalOrderId: string;
  shipmentKey: string;
}

export type ShipmentSelector = { uuid: string } | ShipmentKey;

export interface ShipmentWrite extends ShipmentKey {
  newUuid: string;
  externalShipmentId: string | null;
  orderNumber: string;
  shopCreatedAtUs: number;
  shopUpdatedAtUs: number;
  /**
   * The order as text. The shipment service writes its answer form with the row's own values left
   * open (`storedShipmentText`); any other text is read as the plain JSON of the order's fields.
   */
  data: string;
}

export type UpsertOutcome = { status: 'created' | 'updated'; uuid: string };

export interface ShipmentListQuery {
  integrationId: number;
  fromUs: number;
  /** Exclusive upper bound. */
  toUs: number;
  externalOrderIds: string[] | null;
  shipmentKeys: string[] | null;
  orderNumber: string | null;
  /** Keyset boundary: rows strictly after (or, reversed, strictly before) this position. */
  after: { createdAtUs: number; id: number } | null;
  reverse: boolean;
  limit: number;
}

/** The fields of an integration a client may change (IntegrationUpdate); each one optional. */
export interface IntegrationChanges {
  shopName?: string;
  shopUrl?: string | null;
  servicePointEnabled?: boolean;
  servicePointCarriers?: string[];
  webhookActive?: boolean;
  webhookUrl?: string;
  feedbackType?: string;
}

/** A webhook delivery to write to the outbox in the same transaction as the change it announces. */
export interface WebhookMessage {
  action: 'integration_connected' | 'integration_updated' | 'integration_deleted';
  url: string;
  body: string;
  signatureKey: string;
}

/** Builds the delivery from the integration as it is after the change (null: webhook off). */
export type WebhookFor = (integration: Integration) => WebhookMessage | null;

export interface TokenRecord {
  credentialId: number;
  accountId: number;
  accountPartner: boolean;
  expiresAtUs: number;
  credentialRevoked: boolean;
  /** As for `CredentialSecret.integration`. */
  integration?: Integration | null;
}

export interface NewIntegrationLog {
  integrationId: number;
  accountId: number;
  baseUrl: string;
  fullUrl: string | null;
  method: string;
  responseCode: number | null;
  /** JSON text, or null. */
  response: string | null;
  request: string | null;
  exceptionType: string | null;
  exception: string | null;
  createdAtUs: number;
}

export interface StoredIntegrationLog extends NewIntegrationLog {
  id: number;
  importedAtUs: number;
}

export interface LogListQuery {
  accountId: number;
  /** null: every integration of the account. */
  integrationId: number | null;
  /** Keyset boundary on (import time, id), as for shipments. */
  after: { createdAtUs: number; id: number } | null;
  reverse: boolean;
  limit: number;
}

export type WebhookStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: number;
  accountId: number;
  integrationId: number;
  action: string;
  url: string;
  body: string;
  signatureKey: string;
  status: WebhookStatus;
  attempts: number;
  nextAttemptAtUs: number;
  createdAtUs: number;
  deliveredAtUs: number | null;
}

export interface WebhookAttempt {
  attemptedAtUs: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** One translation of a shop order status (API v3). */
export interface StatusTranslation {
  status: string;
  language: string;
}

/** A shop order status as declared for an integration (API v3); a status later left out is kept, deleted. */
export interface ShopOrderStatus {
  externalId: string;
  translations: StatusTranslation[];
  deletedAtUs: number | null;
}

/** A status category's mapping onto a shop status (null: mapped to nothing). */
export interface StatusMappingEntry {
  statusCategory: string;
  externalId: string | null;
}
