/**
 * The Orders API's errors as the reference documents them (its examples, byte for byte), as V3Error
 * values. Validation failures are Pydantic's messages with the reference's pointers:
 * `/data/attributes/[<index>]/<loc…>` in a batch (only the batch index is bracketed:
 * `/data/attributes/[0]/order_details/order_items/0/quantity`), `/data/attributes/<loc…>` in a PATCH.
 */
import type { ErrorItem, Loc } from '../pydantic/index.js';
import { attributesPointer } from '../v3/common-errors.js';
import { V3Error } from '../v3/errors.js';
import type { V3ErrorObject } from '../v3/errors.js';

const invalid = (detail: string, pointer: string): V3ErrorObject => ({
  status: '400',
  code: 'invalid',
  detail,
  source: { pointer },
});

/** A batch item's pointer: `/data/attributes/[1]/order_details/integration`. */
export const batchPointer = (index: number, loc: Loc): string =>
  ['/data/attributes', `[${index}]`, ...loc.map(String)].join('/');

/** A PATCH body's pointer: `/data/attributes/order_details/status/code`. */
export const patchPointer: (loc: Loc) => string = attributesPointer;

export const orderErrors = {
  /** The body is not a list of objects (MissingRequiredField's sibling, WrongPayloadFormatRequested). */
  wrongFormat: (): V3Error =>
    new V3Error(400, [
      {
        status: '400',
        code: 'non_field_errors',
        title: 'Wrong format',
        detail: 'Wrong request format, expected list of objects',
      },
    ]),
  /** BatchSizeLimitExceeded. */
  batchTooLong: (count: number): V3Error =>
    new V3Error(400, [
      invalid(`Orders list should have at most 100 items, not ${count}`, '/data/attributes/'),
    ]),
  /** Every validation error of a body, each at its pointer. */
  validation: (items: readonly { item: ErrorItem; pointer: string }[]): V3Error =>
    new V3Error(
      400,
      items.map(({ item, pointer }) => invalid(item.msg, pointer)),
    ),
  /** IntegrationNotFound: another account's integration reads as one that does not exist. */
  integrationNotFound: (pointer: string, id: string): V3Error =>
    new V3Error(400, [invalid(`Integration with id ${id} does not exist`, pointer)]),
  /** ImmutableFieldChange. */
  orderIdChanged: (pointer: string, current: string): V3Error =>
    new V3Error(400, [invalid(`Order id ${current} cannot be changed`, pointer)]),
  /** An explicit `id` that names no order of the account (not documented; worded as the integration's). */
  orderIdUnknown: (pointer: string, id: string): V3Error =>
    new V3Error(400, [invalid(`Order with id ${id} does not exist`, pointer)]),
  /** An explicit `id` moved onto the key another order holds (not documented). */
  orderKeyTaken: (pointer: string, orderId: string, integrationId: number): V3Error =>
    new V3Error(400, [
      invalid(`Order with order_id ${orderId} already exists for integration ${integrationId}`, pointer),
    ]),
  /** DuplicateOrderProcessing: another request is writing one of these orders right now. */
  stillProcessing: (): V3Error =>
    new V3Error(400, [
      invalid('We are still processing a previous request. Please try again in a moment.', '/data'),
    ]),
  /** GET and DELETE's OrderDoesNotExist. */
  notFound: (): V3Error =>
    new V3Error(404, [
      {
        status: '404',
        code: 'not_found',
        title: 'Not found',
        detail: 'The order could not be found with the search criteria given',
      },
    ]),
  /** PATCH's OrderNotFound. */
  patchNotFound: (): V3Error =>
    new V3Error(404, [
      { status: '404', code: 'not_found', title: 'Not found', detail: 'Could not find specified item.' },
    ]),
  /** PATCH's 400 (documented as MissingRequiredField): an order item whose `name` the order has not. */
  itemNotFound: (): V3Error =>
    new V3Error(400, [
      {
        status: '400',
        code: 'invalid',
        title: 'Invalid',
        detail: 'Could not find specified item.',
        source: { pointer: 'order/order_details/order_items' },
      },
    ]),
  /** FilteringNonExistingCursor. */
  invalidCursor: (): V3Error =>
    new V3Error(404, [
      { status: '404', title: 'Invalid cursor', code: 'not_found', detail: 'Invalid cursor' },
    ]),
  /** FilteringANonValidIntegration (django-filter's ModelMultipleChoiceFilter). */
  invalidChoice: (parameter: string, value: string): V3Error =>
    new V3Error(400, [
      {
        status: '400',
        code: 'invalid_choice',
        title: 'Invalid Choice',
        detail: `Select a valid choice. ${value} is not one of the available choices.`,
        source: { parameter },
      },
    ]),
  /** Django's ModelMultipleChoiceField on a value that is no id at all. */
  invalidPkValue: (parameter: string, value: string): V3Error =>
    new V3Error(400, [
      {
        status: '400',
        code: 'invalid_pk_value',
        title: 'Invalid Pk Value',
        detail: `\u201c${value}\u201d is not a valid value.`,
        source: { parameter },
      },
    ]),
  /** Django's DateField on a date filter that is no date. */
  invalidDate: (parameter: string): V3Error =>
    new V3Error(400, [
      {
        status: '400',
        code: 'invalid',
        title: 'Invalid',
        detail: 'Enter a valid date.',
        source: { parameter },
      },
    ]),
} as const;

/**
 * The documented answers by operation and name, for the fault-injection registry: a rule can make an
 * operation answer one of them as Sendcloud would.
 */
export const v3NamedErrors: Record<string, Record<string, () => Error>> = {
  v3_upsert_orders: {
    still_processing: orderErrors.stillProcessing,
    wrong_format: orderErrors.wrongFormat,
    batch_too_long: () => orderErrors.batchTooLong(101),
    integration_not_found: () =>
      orderErrors.integrationNotFound('/data/attributes/[0]/order_details/integration/id', '99999'),
  },
  v3_list_orders: {
    invalid_cursor: orderErrors.invalidCursor,
    invalid_choice: () => orderErrors.invalidChoice('integration', '128'),
  },
  v3_get_order: { not_found: orderErrors.notFound },
  v3_update_order: { not_found: orderErrors.patchNotFound, item_not_found: orderErrors.itemNotFound },
  v3_delete_order: { not_found: orderErrors.notFound },
};
