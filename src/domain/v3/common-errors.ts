import type { ErrorItem, Loc } from '../pydantic/index.js';
import { V3Error } from './errors.js';
import type { V3ErrorObject, V3ErrorSource } from './errors.js';

/**
 * The v3 errors every v3 operation can meet, with the reference's documented texts where it gives them
 * (docs/behaviour.md, "v3"). Codes are snake case as the reference's `ErrorObject` asks.
 */
const errorObject = (
  status: number,
  code: string,
  title: string,
  detail: string,
  source?: V3ErrorSource,
): V3ErrorObject => ({ status: String(status), code, title, detail, ...(source ? { source } : {}) });

const one = (status: number, code: string, title: string, detail: string, source?: V3ErrorSource) =>
  new V3Error(status, [errorObject(status, code, title, detail, source)]);

/** A member of a single-object body, in the reference's pointer form: `/data/attributes/shop_name`. */
export const attributesPointer = (loc: Loc): string => ['/data/attributes', ...loc.map(String)].join('/');

/** Where a body's Pydantic error item points: its member's pointer. */
export const bodySource = (item: ErrorItem): V3ErrorSource => ({ pointer: attributesPointer(item.loc) });

export const v3Errors = {
  /** An unknown path, or a path id that is not a positive integer. */
  notFound: () => one(404, 'not_found', 'Not found', 'Not found.'),
  /** The reference's 404 for an integration on a path (unknown, or another account's). */
  integrationNotFound: () =>
    one(404, 'not_found', 'Not found', 'The Integration could not be found with the search criteria given'),
  /** A 400 about one member of the body or one query parameter. */
  invalid: (detail: string, source?: V3ErrorSource, title = 'Invalid') =>
    one(400, 'invalid', title, detail, source),
  /** Every Pydantic error item of a body or a query parameter, each a 400 at the source `sourceOf` gives it. */
  validation: (items: readonly ErrorItem[], sourceOf: (item: ErrorItem) => V3ErrorSource) =>
    new V3Error(
      400,
      items.map((item) => errorObject(400, 'invalid', 'Invalid', item.msg, sourceOf(item))),
    ),
  /** The reference's "wrong format" answer for a body that is not an object. */
  wrongFormat: () => one(400, 'non_field_errors', 'Wrong format', 'Wrong request format, expected object'),
  /** The reference's answer for a missing `integration_id` query parameter. */
  integrationIdRequired: () =>
    one(400, 'non_field_errors', 'integration ID', 'Integration ID is a required GET parameter', {
      parameter: 'integration_id',
    }),
  invalidPartnerId: () =>
    one(400, 'invalid', 'Invalid header', 'Sendcloud-Partner-Id must be a valid UUID.', {
      header: 'Sendcloud-Partner-Id',
    }),
} as const;
