import { referenceDocument } from '../helpers/reference.js';
import type { Json } from '../helpers/reference.js';

/** The reference's request examples of an operation, by name (fresh copies). */
export const requestExamples = (path: string, method: string): Json =>
  Object.fromEntries(
    Object.entries(
      referenceDocument('sendcloud-v3-orders').paths[path][method].requestBody.content['application/json']
        .examples,
    ).map(([name, example]) => [name, structuredClone((example as Json).value)]),
  );

/** The first error object of a documented error example. */
export const errorExample = (path: string, method: string, status: number, name: string): Json =>
  referenceDocument('sendcloud-v3-orders').paths[path][method].responses[String(status)].content[
    'application/json'
  ].examples[name].value.errors[0];

/** A valid order of `integrationId`: the CreateBasicOrder example with its own order_id. */
export function basicOrder(integrationId: number, orderId: string, overrides: Json = {}): Json {
  const order = structuredClone(requestExamples('/orders', 'post').CreateBasicOrder[0]);
  order.order_id = orderId;
  order.order_details.integration.id = integrationId;
  return { ...order, ...overrides };
}
