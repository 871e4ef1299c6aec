import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { renderShipment, validateOrder } from '../../src/domain/shipments/order-schema.js';
import {
  ENGINES,
  call,
  engineSkip,
  envelope,
  minimalOrder,
  startTestServer,
  storedShipments,
} from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';

for (const engine of ENGINES) {
  describe(
    `GET /api/v2/integrations/{id}/shipments: pages, cursors, filters [${engine}]`,
    { skip: await engineSkip(engine) },
    () => {
      let srv: TestServer;
      before(async () => {
        srv = await startTestServer({ pageSize: 2 }, engine);
      });
      after(() => srv.close());

      const url = (t: Tenant) => `${srv.url}/api/v2/integrations/${t.integrationId}/shipments`;
      const get = (t: Tenant, target: string) => call(target, { auth: t.basic });
      const ids = (answer: { body: { results: { external_order_id: string }[] } }) =>
        answer.body.results.map((r) => r.external_order_id);

      /** Five orders imported one after another: the list shows them newest first. */
      async function seed(t: Tenant): Promise<void> {
        for (const [i, id] of ['A', 'B', 'C', 'D', 'E'].entries()) {
          const answer = await call(url(t), {
            auth: t.basic,
            body: [
              minimalOrder({
                external_order_id: id,
                external_shipment_id: `S-${id}`,
                order_number: i % 2 === 0 ? 'EVEN' : 'ODD',
              }),
            ],
          });
          assert.equal(answer.body[0].status, 'created');
        }
      }

      test('pages of the configured size, newest first, with absolute next/previous links', async () => {
        const t = await srv.tenant();
        await seed(t);
        const first = await get(t, url(t));
        assert.equal(first.status, 200);
        assert.deepEqual(Object.keys(first.body), ['next', 'previous', 'results']);
        assert.deepEqual(ids(first), ['E', 'D']);
        assert.equal(first.body.previous, null);
        const next = new URL(first.body.next);
        assert.equal(next.origin, srv.url);
        assert.equal(next.pathname, `/api/v2/integrations/${t.integrationId}/shipments`);

        const second = await get(t, first.body.next);
        assert.deepEqual(ids(second), ['C', 'B']);
        const third = await get(t, second.body.next);
        assert.deepEqual(ids(third), ['A']);
        assert.equal(third.body.next, null);

        // Walking back with previous returns the same pages.
        const back = await get(t, third.body.previous);
        assert.deepEqual(ids(back), ['C', 'B']);
        const start = await get(t, back.body.previous);
        assert.deepEqual(ids(start), ['E', 'D']);
        assert.equal(start.body.previous, null);
        assert.equal((await get(t, start.body.next)).body.results.length, 2);
      });

      test('the cursor is base64 of DRF-style parameters, and a deletion between pages loses nothing', async () => {
        const t = await srv.tenant();
        await seed(t);
        const first = await get(t, url(t));
        const cursor = new URL(first.body.next).searchParams.get('cursor') ?? '';
        const decoded = new URLSearchParams(Buffer.from(cursor, 'base64').toString('ascii'));
        assert.match(decoded.get('p') ?? '', /^\d+-\d+$/);
        assert.equal(decoded.get('r'), null);
        // The boundary row (D) is deleted before the next page is read: the page still starts at C.
        const del = await call(`${url(t)}/delete`, {
          auth: t.basic,
          body: { external_order_id: 'D', external_shipment_id: 'S-D' },
        });
        assert.equal(del.status, 204);
        assert.deepEqual(ids(await get(t, first.body.next)), ['C', 'B']);
      });

      test('next keeps every other query parameter as sent', async () => {
        const t = await srv.tenant();
        await seed(t);
        const first = await get(t, `${url(t)}?order_number=EVEN&shipping_rules=true&sender_address=3`);
        assert.deepEqual(ids(first), ['E', 'C']);
        const next = new URL(first.body.next);
        assert.equal(next.searchParams.get('order_number'), 'EVEN');
        assert.equal(next.searchParams.get('shipping_rules'), 'true');
        assert.equal(next.searchParams.get('sender_address'), '3');
        assert.deepEqual(ids(await get(t, first.body.next)), ['A']);
      });

      test('array filters in all four encodings', async () => {
        const t = await srv.tenant();
        await seed(t);
        for (const query of [
          'external_order_ids=B&external_order_ids=D',
          'external_order_ids[]=B&external_order_ids[]=D',
          'external_order_ids[0]=B&external_order_ids[1]=D',
          'external_order_ids=B,D',
          'external_order_ids%5B%5D=B&external_order_ids%5B%5D=D',
        ]) {
          const answer = await get(t, `${url(t)}?${query}`);
          assert.equal(answer.status, 200, query);
          assert.deepEqual(ids(answer), ['D', 'B'], query);
        }
        assert.deepEqual(ids(await get(t, `${url(t)}?external_shipment_ids=S-A,S-C`)), ['C', 'A']);
        assert.deepEqual(ids(await get(t, `${url(t)}?external_shipment_ids[]=S-E`)), ['E']);
        // Repeated plain keys are not split on commas: 'A,B' is one value that matches nothing.
        assert.deepEqual(ids(await get(t, `${url(t)}?external_order_ids=A,B&external_order_ids=C`)), ['C']);
        assert.deepEqual(ids(await get(t, `${url(t)}?order_number=ODD`)), ['D', 'B']);
        assert.deepEqual(ids(await get(t, `${url(t)}?order_number=NONE`)), []);
      });

      test('the date window is on the import time, inclusive UTC days', async () => {
        const t = await srv.tenant();
        await seed(t);
        const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
        assert.deepEqual(ids(await get(t, `${url(t)}?start_date=${day(0)}&end_date=${day(0)}`)), ['E', 'D']);
        assert.deepEqual(ids(await get(t, `${url(t)}?start_date=${day(1)}`)), []);
        assert.deepEqual(ids(await get(t, `${url(t)}?end_date=${day(-1)}`)), []);
        const path = `api/v2/integrations/${t.integrationId}/shipments`;
        const bad = await get(t, `${url(t)}?start_date=2024-13-01&end_date=soon`);
        assert.deepEqual(
          bad.body,
          envelope(
            400,
            path,
            "{'start_date': ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'], 'end_date': ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.']}",
          ),
        );
      });

      test('a bad or foreign cursor is 404 Invalid cursor', async () => {
        const t = await srv.tenant();
        await seed(t);
        const path = `api/v2/integrations/${t.integrationId}/shipments`;
        for (const cursor of ['garbage', 'cD0x', Buffer.from('p=abc').toString('base64'), '%%%']) {
          const answer = await get(t, `${url(t)}?cursor=${cursor}`);
          assert.deepEqual(answer.body, envelope(404, path, 'Invalid cursor'), cursor);
        }
        // A cursor of another integration of the same account is refused.
        const second = await srv.accounts.createIntegration(t.accountId);
        const other = { ...t, integrationId: second.id };
        await call(url(other), {
          auth: t.basic,
          body: [
            minimalOrder({ external_order_id: 'x1' }),
            minimalOrder({ external_order_id: 'x2' }),
            minimalOrder({ external_order_id: 'x3' }),
          ],
        });
        const foreign = new URL((await get(other, url(other))).body.next).searchParams.get('cursor') ?? '';
        const answer = await get(t, `${url(t)}?cursor=${encodeURIComponent(foreign)}`);
        assert.deepEqual(answer.body, envelope(404, path, 'Invalid cursor'));
      });

      test('byte for byte renderShipment + JSON.stringify, for stored rows and plain JSON rows from before', async () => {
        const t = await srv.tenant();
        const inputs = new Map<string, Record<string, unknown>>();
        const upsert = async (order: Record<string, unknown>, status: string) => {
          inputs.set(order.external_order_id as string, order);
          const answer = await call(url(t), { auth: t.basic, body: [order] });
          assert.equal(answer.body[0].status, status);
        };
        await upsert(
          minimalOrder({
            external_order_id: 'P1',
            name: 'Zoë "quoted" \\ 😀 \u2028 \u0001\u0002',
            total_order_value: 7,
            parcel_items: [{ description: 'Bag', quantity: '2', value: '9.9', properties: { k: null } }],
            order_status: { id: 'paid', message: 'Paid' },
          }),
          'created',
        );
        // A row as written by the first release (the plain JSON of the order's fields), or by hand: straight
        // through the store, between two imports.
        const legacy = minimalOrder({ external_order_id: 'L1', name: 'Legacy "Ünïcode"', currency: 'GBP' });
        inputs.set('L1', legacy);
        const validated = validateOrder(legacy);
        assert.ok(validated.ok);
        const o = validated.order;
        await srv.server.store.upsertShipments(
          t.integrationId,
          [
            {
              newUuid: randomUUID(),
              externalOrderId: o.externalOrderId,
              shipmentKey: o.shipmentKey,
              externalShipmentId: o.externalShipmentId,
              orderNumber: o.orderNumber,
              shopCreatedAtUs: o.shopCreatedAtUs,
              shopUpdatedAtUs: o.shopUpdatedAtUs,
              data: JSON.stringify(o.fields),
            },
          ],
          Date.now() * 1000,
        );
        await upsert(minimalOrder({ external_order_id: 'P2', weight: '1.5', to_state: '' }), 'created');
        // An update: same uuid and import time, new order and update time.
        await upsert(
          {
            ...(inputs.get('P1') as Record<string, unknown>),
            city: 'Oß',
            updated_at: '2024-03-02T10:00:00Z',
          },
          'updated',
        );

        const rows = await storedShipments(srv.server.store, t.integrationId);
        assert.ok(rows.some((r) => r.updatedAtUs !== r.createdAtUs));
        // Both paths are exercised: two texts the upsert stored (marked), one plain JSON.
        assert.deepEqual(
          rows.map((r) => r.data.startsWith('\u0001')),
          [true, false, true],
        );
        type Body = {
          next: string | null;
          previous: string | null;
          results: { shipment_uuid: string; external_order_id: string }[];
        };
        const expectedText = (body: Body) =>
          JSON.stringify({
            next: body.next,
            previous: body.previous,
            results: body.results.map((r) => {
              const row = rows.find((x) => x.uuid === r.shipment_uuid);
              assert.ok(row);
              const v = validateOrder(inputs.get(r.external_order_id));
              assert.ok(v.ok);
              return renderShipment({ ...row, fields: v.order.fields });
            }),
          });
        const seen: string[] = [];
        for (let target: string | null = url(t); target !== null;) {
          const answer = await get(t, target);
          assert.equal(answer.status, 200);
          assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
          assert.equal(answer.text, expectedText(answer.body));
          seen.push(...ids(answer));
          target = answer.body.next;
        }
        assert.deepEqual(seen, ['P2', 'L1', 'P1']);
      });

      test('another account sees 404, never the list', async () => {
        const t = await srv.tenant();
        const intruder = await srv.tenant();
        await seed(t);
        const answer = await call(url(t), { auth: intruder.basic });
        assert.deepEqual(
          answer.body,
          envelope(
            404,
            `api/v2/integrations/${t.integrationId}/shipments`,
            'No Integration matches the given query.',
          ),
        );
      });
    },
  );
}

for (const engine of ENGINES) {
  describe(`links behind a proxy [${engine}]`, { skip: await engineSkip(engine) }, () => {
    test('PUBLIC_BASE_URL decides the host of next/previous', async () => {
      const srv = await startTestServer({ pageSize: 1, publicBaseUrl: 'https://orders.example.com' }, engine);
      try {
        const t = await srv.tenant();
        const url = `${srv.url}/api/v2/integrations/${t.integrationId}/shipments/`;
        await call(url, {
          auth: t.basic,
          body: [minimalOrder({ external_order_id: '1' }), minimalOrder({ external_order_id: '2' })],
        });
        const answer = await call(url, { auth: t.basic });
        assert.ok(
          answer.body.next.startsWith(
            `https://orders.example.com/api/v2/integrations/${t.integrationId}/shipments/?cursor=`,
          ),
        );
      } finally {
        await srv.close();
      }
    });

    test('with trust-proxy, X-Forwarded-Proto and -Host decide it', async () => {
      const srv = await startTestServer({ pageSize: 1, trustProxy: true }, engine);
      try {
        const t = await srv.tenant();
        const url = `${srv.url}/api/v2/integrations/${t.integrationId}/shipments`;
        await call(url, {
          auth: t.basic,
          body: [minimalOrder({ external_order_id: '1' }), minimalOrder({ external_order_id: '2' })],
        });
        const answer = await call(url, {
          auth: t.basic,
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop-proxy.example.net' },
        });
        assert.equal(new URL(answer.body.next).origin, 'https://shop-proxy.example.net');
        // Without trust-proxy the same headers change nothing.
        const plain = await startTestServer({ pageSize: 1 }, engine);
        try {
          const p = await plain.tenant();
          const purl = `${plain.url}/api/v2/integrations/${p.integrationId}/shipments`;
          await call(purl, {
            auth: p.basic,
            body: [minimalOrder({ external_order_id: '1' }), minimalOrder({ external_order_id: '2' })],
          });
          const ignored = await call(purl, {
            auth: p.basic,
            headers: { 'x-forwarded-host': 'evil.example' },
          });
          assert.equal(new URL(ignored.body.next).origin, plain.url);
        } finally {
          await plain.close();
        }
      } finally {
        await srv.close();
      }
    });
  });
}
