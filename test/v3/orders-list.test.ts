import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { referenceDocument } from '../helpers/reference.js';
import type { Json } from '../helpers/reference.js';
import { ENGINES, call, engineSkip, startTestServer } from '../helpers/server.js';
import type { Tenant, TestServer } from '../helpers/server.js';
import { assertV3Error } from './helpers.js';
import { basicOrder } from './order-fixtures.js';

/**
 * GET /api/v3/orders: every documented filter in every form the public clients send, sorts with several
 * keys, pages through `Link` (absolute URLs), DRF-style cursors the server did not issue, and the
 * documented query errors. Answers validated against the reference by `call()`.
 */
const errorExample = (status: number, name: string): Json =>
  referenceDocument('sendcloud-v3-orders').paths['/orders'].get.responses[String(status)].content[
    'application/json'
  ].examples[name].value.errors[0];

/** The `next`/`prev` URLs of a `Link` header. */
function links(header: string | null): { next?: string; prev?: string } {
  const out: { next?: string; prev?: string } = {};
  for (const part of (header ?? '').split(', ')) {
    const m = /^<([^>]+)>; rel="(next|prev)"$/.exec(part);
    if (m) out[m[2] as 'next' | 'prev'] = m[1];
  }
  return out;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

for (const engine of ENGINES) {
  describe(`v3 orders list [${engine}]`, { skip: await engineSkip(engine) }, () => {
    let srv: TestServer;
    let t: Tenant;
    let second: number;
    /** The ids by order_id, as created below. */
    const id: Record<string, string> = {};
    before(async () => {
      srv = await startTestServer({}, engine);
      t = await srv.tenant();
      second = (
        await srv.server.store.createIntegration(
          t.accountId,
          { shopName: 'Second', shopUrl: null, system: 'api', webhookSignatureKey: 'k' },
          Date.now() * 1000,
        )
      ).id;
      const orders = [
        basicOrder(t.integrationId, 'Ord-A', { order_number: 'N-b' }),
        basicOrder(second, 'ord-b', { order_number: 'N-a' }),
        basicOrder(t.integrationId, 'ORD-C', { order_number: 'N-c' }),
      ];
      orders[0].order_details.order_created_at = '2023-04-27T23:30:00-02:00'; // 2023-04-28 UTC
      orders[1].order_details.order_created_at = '2023-04-28T10:00:00Z';
      orders[1].order_details.status.code = 'Unshipped';
      orders[2].order_details.order_created_at = '2023-04-29T00:00:00Z';
      orders[2].order_details.order_updated_at = '2023-05-01T00:00:00Z';
      const answer = await call(`${srv.url}/api/v3/orders`, { auth: t.basic, body: orders });
      assert.equal(answer.status, 201, answer.text);
      for (const r of answer.body.data) id[r.order_id] = String(r.id);
    });
    after(() => srv.close());
    const get = (query: string) => call(`${srv.url}/api/v3/orders${query}`, { auth: t.basic });
    const ids = async (query: string): Promise<string[]> => {
      const answer = await get(query);
      assert.equal(answer.status, 200, answer.text);
      return answer.body.data.map((o: Json) => o.id);
    };

    test('the default order is -pk; the answer matches the documented list shape', async () => {
      assert.deepEqual(await ids(''), [id['ORD-C'], id['ord-b'], id['Ord-A']]);
      const answer = await get('');
      assert.equal(answer.headers.get('link'), null);
      const order = answer.body.data[0];
      assert.deepEqual(Object.keys(order).slice(0, 5), [
        'id',
        'order_id',
        'order_number',
        'created_at',
        'modified_at',
      ]);
      assert.equal(typeof order.id, 'string');
    });

    test('integration: one id, a comma list, %2C, repeated, [] and [n] forms', async () => {
      const all = [id['ORD-C'], id['ord-b'], id['Ord-A']];
      const firstOnly = [id['ORD-C'], id['Ord-A']];
      assert.deepEqual(await ids(`?integration=${t.integrationId}`), firstOnly);
      assert.deepEqual(await ids(`?integration=${second}`), [id['ord-b']]);
      assert.deepEqual(await ids(`?integration=${t.integrationId},${second}`), all);
      assert.deepEqual(await ids(`?integration=${t.integrationId}%2C${second}`), all);
      assert.deepEqual(await ids(`?integration=${t.integrationId}&integration=${second}`), all);
      assert.deepEqual(await ids(`?integration[]=${second}`), [id['ord-b']]);
      assert.deepEqual(await ids(`?integration%5B0%5D=${t.integrationId}&integration%5B1%5D=${second}`), all);
      assert.deepEqual(await ids(`?integration[0]=${t.integrationId}`), firstOnly);
    });

    test("another account's integration, or none, as a filter: the documented invalid_choice", async () => {
      const other = await srv.tenant();
      assertV3Error(await get(`?integration=${other.integrationId}`), 400, {
        code: 'invalid_choice',
        title: 'Invalid Choice',
        detail: `Select a valid choice. ${other.integrationId} is not one of the available choices.`,
        source: { parameter: 'integration' },
      });
      const answer = await get('?integration=128');
      assert.deepEqual(answer.body.errors, [errorExample(400, 'FilteringANonValidIntegration')]);
      assertV3Error(await get('?integration=abc'), 400, {
        code: 'invalid_pk_value',
        title: 'Invalid Pk Value',
        detail: '\u201cabc\u201d is not a valid value.',
        source: { parameter: 'integration' },
      });
    });

    test('order_id, order_number and status: exact and case-insensitive; + is a space', async () => {
      assert.deepEqual(await ids('?order_id=ord-a'), [id['Ord-A']]);
      assert.deepEqual(await ids('?order_id=ORD'), []);
      assert.deepEqual(await ids('?order_number=n-A'), [id['ord-b']]);
      assert.deepEqual(await ids('?status=UNSHIPPED'), [id['ord-b']]);
      assert.deepEqual(await ids('?status=FULFILLED'), [id['ORD-C'], id['Ord-A']]);
      assert.deepEqual(await ids('?status=fulfilled+x'), []);
    });

    test('date filters: a UTC day, _min and _max inclusive; a bad date is 400', async () => {
      assert.deepEqual(await ids('?order_created_at=2023-04-28'), [id['ord-b'], id['Ord-A']]);
      assert.deepEqual(await ids('?order_created_at_min=2023-04-29'), [id['ORD-C']]);
      assert.deepEqual(await ids('?order_created_at_max=2023-04-28'), [id['ord-b'], id['Ord-A']]);
      assert.deepEqual(await ids('?order_updated_at_min=2023-05-01&order_updated_at_max=2023-05-01'), [
        id['ORD-C'],
      ]);
      assert.deepEqual(await ids('?order_updated_at=2023-04-28'), []);
      assertV3Error(await get('?order_created_at_min=28-04-2023'), 400, {
        code: 'invalid',
        title: 'Invalid',
        detail: 'Enter a valid date.',
        source: { parameter: 'order_created_at_min' },
      });
    });

    test('sort: several keys, descending, conflicts ignored, unsupported means -pk', async () => {
      assert.deepEqual(await ids('?sort=order_number'), [id['ord-b'], id['Ord-A'], id['ORD-C']]);
      assert.deepEqual(await ids('?sort=-order_number'), [id['ORD-C'], id['Ord-A'], id['ord-b']]);
      const byIntegration = await ids('?sort=integration,-order_created_at');
      assert.deepEqual(byIntegration, [id['ORD-C'], id['Ord-A'], id['ord-b']]);
      assert.deepEqual(await ids('?sort=-integration,order_created_at'), [
        id['ord-b'],
        id['Ord-A'],
        id['ORD-C'],
      ]);
      assert.deepEqual(await ids('?sort=order_created_at,-order_created_at'), [
        id['Ord-A'],
        id['ord-b'],
        id['ORD-C'],
      ]);
      assert.deepEqual(await ids('?sort=pk'), [id['Ord-A'], id['ord-b'], id['ORD-C']]);
      assert.deepEqual(await ids('?sort=nope,pk'), [id['ORD-C'], id['ord-b'], id['Ord-A']]);
      assert.deepEqual(await ids('?sort=-order_updated_at'), [id['ord-b'], id['Ord-A'], id['ORD-C']]);
    });

    test('pages through Link: absolute next/prev URLs, other parameters kept; walking back and forth', async () => {
      const first = await get(`?page_size=1&integration=${t.integrationId},${second}`);
      assert.deepEqual(
        first.body.data.map((o: Json) => o.id),
        [id['ORD-C']],
      );
      const l1 = links(first.headers.get('link'));
      assert.equal(l1.prev, undefined);
      assert.ok(l1.next?.startsWith(`${srv.url}/api/v3/orders?`), l1.next);
      assert.equal(
        new URL(l1.next as string).searchParams.get('integration'),
        `${t.integrationId},${second}`,
      );
      const page2 = await call(l1.next as string, { auth: t.basic });
      assert.deepEqual(
        page2.body.data.map((o: Json) => o.id),
        [id['ord-b']],
      );
      const l2 = links(page2.headers.get('link'));
      const page3 = await call(l2.next as string, { auth: t.basic });
      assert.deepEqual(
        page3.body.data.map((o: Json) => o.id),
        [id['Ord-A']],
      );
      const l3 = links(page3.headers.get('link'));
      assert.equal(l3.next, undefined);
      const back = await call(l3.prev as string, { auth: t.basic });
      assert.deepEqual(back.body.data, page2.body.data);
      const backToFirst = await call(links(back.headers.get('link')).prev as string, { auth: t.basic });
      assert.deepEqual(backToFirst.body.data, first.body.data);
      assert.equal(new URL(links(back.headers.get('link')).prev as string).searchParams.has('cursor'), false);
    });

    test('DRF-style cursors the server did not issue: o/r without p, page 1 included; p with the default sort', async () => {
      assert.deepEqual(await ids(`?cursor=${encodeURIComponent(b64('o=0&r=0'))}`), [
        id['ORD-C'],
        id['ord-b'],
        id['Ord-A'],
      ]);
      assert.deepEqual(await ids('?cursor=bz0wJnI9MA%3D%3D'), [id['ORD-C'], id['ord-b'], id['Ord-A']]);
      assert.deepEqual(await ids(`?page_size=2&cursor=${encodeURIComponent(b64('o=1'))}`), [
        id['ord-b'],
        id['Ord-A'],
      ]);
      // Reversed: the last page first, in the list's own order.
      const reversed = await get(`?page_size=2&cursor=${encodeURIComponent(b64('o=0&r=1'))}`);
      assert.deepEqual(
        reversed.body.data.map((o: Json) => o.id),
        [id['ord-b'], id['Ord-A']],
      );
      const prev = links(reversed.headers.get('link')).prev as string;
      const before = await call(prev, { auth: t.basic });
      assert.deepEqual(
        before.body.data.map((o: Json) => o.id),
        [id['ORD-C']],
      );
      assert.deepEqual(await ids(`?cursor=${encodeURIComponent(b64(`p=${id['ORD-C']}`))}`), [
        id['ord-b'],
        id['Ord-A'],
      ]);
      assert.deepEqual(await ids(`?cursor=${encodeURIComponent(b64(`r=1&p=${id['Ord-A']}`))}`), [
        id['ORD-C'],
        id['ord-b'],
      ]);
    });

    test('page_size: 1–200, anything else the default; a bad cursor is the documented 404', async () => {
      assert.equal((await ids('?page_size=2')).length, 2);
      assert.equal((await ids('?page_size=0')).length, 3);
      assert.equal((await ids('?page_size=abc')).length, 3);
      assert.equal((await ids('?page_size=500')).length, 3);
      for (const cursor of ['nope', b64('o=-1'), b64('r=x'), b64('p=abc')]) {
        const answer = await get(`?cursor=${encodeURIComponent(cursor)}`);
        assert.equal(answer.status, 404, cursor);
        assert.deepEqual(answer.body.errors, [errorExample(404, 'FilteringNonExistingCursor')]);
      }
    });

    test('another account lists none of these orders', async () => {
      const other = await srv.tenant();
      const answer = await call(`${srv.url}/api/v3/orders`, { auth: other.basic });
      assert.deepEqual(answer.body, { data: [] });
    });
  });
}
