import type { FastifyInstance, FastifySchema } from 'fastify';
import { ErrorEnvelope } from './common.js';
import type { JsonSchema } from './common.js';
import {
  Integration,
  IntegrationUpdate,
  IntegrationUpdateRequest,
  integrationSchemas,
} from './integrations.js';
import { IntegrationLog, IntegrationLogCreate, logSchemas } from './logs.js';
import { OAuth2Error, OAuth2Token, oauth2Schemas } from './oauth2.js';
import {
  CheckoutPayload,
  CountryCode,
  CustomsInformation,
  ParcelItem,
  ShipmentBlobOrder,
  ShipmentBlobOrderCreate,
  ShipmentBlobStatus,
  ShipmentCreateUpdateLog,
  ShipmentErrorLog,
  shipmentSchemas,
} from './shipments.js';

/**
 * Each operation's schema: its OpenAPI operation (params, query, body, every response it can give).
 * Route files take theirs from here by operation name.
 *
 * Request parts (`params`, `querystring`, `body`) only document: Fastify's validator is switched off,
 * the DRF-style validators in the domain produce Sendcloud's messages. Response parts are exact: they
 * describe what we send, and the test helper `call()` validates every answer of the suite against the
 * served document. They reference the shared schemas below, which `addSharedSchemas` must register on
 * the app before any route that uses them.
 */
export const routeSchemas: Record<string, FastifySchema> = {
  ...integrationSchemas,
  ...shipmentSchemas,
  ...logSchemas,
  ...oauth2Schemas,
};

/** The schemas operations share by `$ref: '<$id>#'`; each becomes `components.schemas.<$id>`. */
export const sharedSchemas: readonly JsonSchema[] = [
  ErrorEnvelope,
  Integration,
  IntegrationUpdate,
  IntegrationUpdateRequest,
  CountryCode,
  ShipmentBlobStatus,
  ParcelItem,
  CheckoutPayload,
  CustomsInformation,
  ShipmentBlobOrder,
  ShipmentBlobOrderCreate,
  ShipmentCreateUpdateLog,
  ShipmentErrorLog,
  IntegrationLog,
  IntegrationLogCreate,
  OAuth2Token,
  OAuth2Error,
];

/** Registers the shared schemas on the root app, so every route (and the document) can reference them. */
export function addSharedSchemas(app: FastifyInstance): void {
  for (const schema of sharedSchemas) app.addSchema(schema);
}

/**
 * Operations whose response schemas are documentation only: serialize their answers with
 * `JSON.stringify`, not with fast-json-stringify. Measured, not guessed: fast-json-stringify writes the
 * optional properties of an object after the required ones, so `checkout_payload` and
 * `parcel_items[].properties` would leave `renderShipment`'s order (the reference example's); and an
 * upsert result is an `anyOf` that it can only pick by running Ajv on every item, where a drifted item
 * would turn a whole batch into a 500 rather than a mismatch the test suite reports. Every other
 * operation's answer comes out byte for byte as the renderers build it. (The list answers the bytes of
 * the JSON it spliced itself, which Fastify sends untouched; the entry stays so that no serializer is
 * compiled for it.)
 */
export const docsOnlyResponses: ReadonlySet<string> = new Set(['list_shipments', 'upsert_shipments']);

/** The serializer for a docs-only operation (Fastify's `serializerCompiler` route option). */
export const plainJsonSerializer = () => (data: unknown) => JSON.stringify(data);
