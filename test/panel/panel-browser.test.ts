/**
 * The panel end to end, in Debian's headless Chromium: one browser and one page for the file, driven
 * by labels, roles and texts as a person would use it. Orders go in through the public API as a shop
 * pushes them; what the page shows is checked against what the API answers afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { startServer } from '../../src/index.js';
import type { OrderInboxServer } from '../../src/index.js';
import { chromiumSkip, launchChromium } from '../helpers/chromium.js';
import type { Browser } from '../helpers/chromium.js';
import { HOSTILE, apiCall, pushV2, pushV3, v2Shipment, v3Order } from '../helpers/panel-seed.js';
import type { Shop } from '../helpers/panel-seed.js';

const skip = chromiumSkip();

/** How many pixels the page is wider than the window (evaluated in the page, whose globals these are). */
const overflowOf = (page: Page): Promise<number> =>
  page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;

describe('the panel in a browser', { skip }, () => {
  let server: OrderInboxServer;
  let browser: Browser;
  let page: Page;
  let shop: Shop;
  let candle: number;
  let tea: number;
  const dialogs: string[] = [];
  const adminRequests: string[] = [];

  before(async () => {
    server = await startServer({
      settings: { RATE_LIMIT: 'off', PAGE_SIZE: '2' },
      tenant: {
        integrations: [
          {
            shop_name: 'Candle shop',
            system: 'woocommerce',
            webhook_url: 'https://hooks.example/in',
            webhook_active: true,
          },
          { shop_name: 'Tea shop', system: 'shopify' },
        ],
      },
    });
    shop = { apiBase: server.url, publicKey: server.tenant.public_key, secretKey: server.tenant.secret_key };
    const integrations = (await apiCall(shop, 'GET', '/api/v2/integrations')).body as {
      id: number;
      shop_name: string;
    }[];
    candle = integrations.find((i) => i.shop_name === 'Candle shop')!.id;
    tea = integrations.find((i) => i.shop_name === 'Tea shop')!.id;
    // One push each, so each has its own import time: newest first is B-2001, A-1003, A-1002, A-1001.
    for (const n of ['1001', '1002', '1003'])
      await pushV2(shop, candle, [
        v2Shipment({ orderNumber: `A-${n}`, externalOrderId: `ext-a-${n}`, name: `Ann ${n}` }),
      ]);
    await pushV2(shop, tea, [
      v2Shipment({ orderNumber: 'B-2001', externalOrderId: 'ext-b-2001', name: 'Bob Tea', value: '7.25' }),
    ]);

    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/__admin')) adminRequests.push(request.url());
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const open = async () => {
    await page.goto(`${server.url}/panel`);
    await page.getByRole('heading', { name: 'order-inbox' }).waitFor();
  };
  const signIn = async (fields: { publicKey?: string; secretKey?: string; adminToken?: string }) => {
    await open();
    if (fields.publicKey !== undefined) await page.getByLabel('Public key').fill(fields.publicKey);
    if (fields.secretKey !== undefined) await page.getByLabel('Secret key').fill(fields.secretKey);
    if (fields.adminToken !== undefined) await page.getByLabel('Admin token').fill(fields.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  const v2List = (): Locator => page.getByRole('region', { name: /Shipments \(API v2\)/ });
  const orderNumbers = async (list: Locator): Promise<string[]> => {
    await list.getByRole('table').waitFor();
    return list.locator('tbody tr td:first-child button').allTextContents();
  };
  const waitForNumbers = async (list: Locator, expected: string[]) => {
    const deadline = Date.now() + 10_000;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = await list
        .locator('tbody tr td:first-child button')
        .allTextContents()
        .catch(() => []);
      if (JSON.stringify(seen) === JSON.stringify(expected)) return;
      await page.waitForTimeout(50);
    }
    assert.deepEqual(seen, expected);
  };

  /** Opens the hostile order of a list: its text shown as typed in every field, no element made, no dialog. */
  const openHostile = async (list: Locator, fieldCount: number) => {
    await list.getByRole('button', { name: HOSTILE }).click();
    await page.getByRole('heading', { name: `Order ${HOSTILE}` }).waitFor();
    const fields = page.getByRole('region', { name: 'Stored fields' });
    const shown = await fields.getByText(HOSTILE, { exact: true }).count();
    assert.ok(shown >= fieldCount, `the hostile text is shown in every field (${shown})`);
    assert.equal(await page.locator('img').count(), 0);
    // An onerror handler would have fired by now: the page has settled.
    await page.waitForLoadState('networkidle');
    assert.deepEqual(dialogs, []);
    await page.getByRole('button', { name: '← Back to incoming orders' }).click();
  };

  test('the page itself: a strict CSP, no inline script, hashed assets cached for a year, the page revalidated', async () => {
    const answer = await fetch(`${server.url}/panel`);
    const csp = answer.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(answer.headers.get('cache-control'), 'no-cache');
    const html = await answer.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length > 0);
    for (const [, attributes, content] of scripts) {
      assert.match(attributes as string, /src="\/panel\/assets\/[^"]+-[A-Za-z0-9_-]{8}\.js"/);
      assert.equal((content as string).trim(), '');
    }
    const asset = /src="([^"]+)"/.exec(html)![1]!;
    const assetAnswer = await fetch(`${server.url}${asset}`);
    assert.equal(assetAnswer.status, 200);
    assert.equal(assetAnswer.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(assetAnswer.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });

  test('wrong credentials are answered with the API’s message in an alert', async () => {
    await signIn({ publicKey: server.tenant.public_key, secretKey: 'not-the-secret' });
    await assert.doesNotReject(page.getByRole('alert').waitFor());
    assert.equal(await page.getByRole('alert').textContent(), 'Key pair: Invalid username/password.');
    await page.getByLabel('Secret key').fill(server.tenant.secret_key);
    await page.getByLabel('Admin token').fill('wrong-admin-token-0000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Admin token:' }).waitFor();
    assert.equal(
      await page.getByRole('alert').textContent(),
      'Admin token: The admin API needs "Authorization: Bearer <ADMIN_TOKEN>".',
    );
    // Still on the sign-in form: nothing was let through.
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).count(), 1);
  });

  test('signed in with a key pair: the v2 orders of every integration, newest first, paged', async () => {
    // From here on the page holds a key pair alone, until the admin token test signs in again.
    adminRequests.length = 0;
    await signIn({ publicKey: server.tenant.public_key, secretKey: server.tenant.secret_key });
    await page.getByRole('heading', { name: 'Incoming orders' }).waitFor();
    const list = v2List();
    assert.deepEqual(await orderNumbers(list), ['B-2001', 'A-1003']);
    const first = list.locator('tbody tr').first();
    assert.match((await first.textContent()) ?? '', /Bob Tea/);
    assert.match((await first.textContent()) ?? '', new RegExp(`Tea shop \\(#${tea}\\)`));
    assert.equal(await first.getByRole('cell').nth(3).locator('time').count(), 1);
    const title = (await first.locator('time').getAttribute('title')) ?? '';
    assert.match(title, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    await list.getByRole('button', { name: 'Next v2 page' }).click();
    await waitForNumbers(list, ['A-1002', 'A-1001']);
    assert.equal(await list.getByRole('button', { name: 'Next v2 page' }).isDisabled(), true);
    await list.getByRole('button', { name: 'Previous v2 page' }).click();
    await waitForNumbers(list, ['B-2001', 'A-1003']);
  });

  test('narrowed by integration (its own API cursors), searched by order number and external id, a date window', async () => {
    await page.getByLabel('Integration').selectOption({ label: `Candle shop (#${candle})` });
    await page.getByRole('button', { name: 'Apply' }).click();
    const list = v2List();
    await waitForNumbers(list, ['A-1003', 'A-1002']);
    await list.getByRole('button', { name: 'Next v2 page' }).click();
    await waitForNumbers(list, ['A-1001']);

    await page.getByLabel('Integration').selectOption({ label: 'All integrations' });
    await page.getByLabel('Search', { exact: true }).fill('A-1002');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitForNumbers(list, ['A-1002']);

    await page.getByLabel('Search in').selectOption({ label: 'External order id' });
    await page.getByLabel('Search', { exact: true }).fill('ext-b-2001');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitForNumbers(list, ['B-2001']);

    await page.getByRole('button', { name: 'Clear' }).click();
    await waitForNumbers(list, ['B-2001', 'A-1003']);
    // A window that ended before anything arrived.
    await page.getByLabel('To').fill('2020-01-31');
    await page.getByRole('button', { name: 'Apply' }).click();
    await list.getByText('No v2 orders match.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await waitForNumbers(list, ['B-2001', 'A-1003']);
  });

  test('an order’s detail, formatted and raw; Delete asks, deletes, and the API no longer has it', async () => {
    const list = v2List();
    await list.getByRole('button', { name: 'Next v2 page' }).click();
    await waitForNumbers(list, ['A-1002', 'A-1001']);
    await list.getByRole('button', { name: 'A-1002' }).click();
    await page.getByRole('heading', { name: /^Order A-1002/ }).waitFor();
    const fields = page.getByRole('region', { name: 'Stored fields' });
    assert.match((await fields.textContent()) ?? '', /Cylinder candle/);
    assert.match((await fields.textContent()) ?? '', /€25\.00/);
    assert.match((await fields.textContent()) ?? '', /1\.500 kg/);
    assert.match((await fields.textContent()) ?? '', /Stadhuisplein/);
    const raw = JSON.parse((await page.getByLabel('The order as the API answers it').textContent()) ?? '');
    assert.equal(raw.order_number, 'A-1002');
    const uuid: string = raw.shipment_uuid;

    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this order?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('status').filter({ hasText: 'Order A-1002 was deleted.' }).waitFor();
    // Each list now fits in one API page (no `next` anywhere): the merged page shows them all.
    await waitForNumbers(v2List(), ['B-2001', 'A-1003', 'A-1001']);
    assert.equal(await v2List().getByRole('button', { name: 'Next v2 page' }).count(), 0);
    const left = (await apiCall(shop, 'GET', `/api/v2/integrations/${candle}/shipments`)).body as {
      results: { shipment_uuid: string; order_number: string }[];
      next: string | null;
    };
    const numbers = left.results.map((r) => r.order_number);
    assert.ok(!numbers.includes('A-1002'));
    assert.ok(!left.results.some((r) => r.shipment_uuid === uuid));
    const again = await apiCall(shop, 'POST', `/api/v2/integrations/${candle}/shipments/delete`, {
      shipment_uuid: uuid,
    });
    assert.equal(again.status, 404);
  });

  test('integrations: the API’s field error beside the field, then a valid edit saved through PATCH', async () => {
    await page.getByRole('button', { name: 'Integrations' }).click();
    await page.getByRole('heading', { name: `Tea shop (#${tea})` }).waitFor();
    await page.getByRole('button', { name: 'Edit Tea shop' }).click();
    const form = page.getByRole('form', { name: 'Edit Tea shop' });
    await form.getByLabel('Webhook active').check();
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('alert').waitFor();
    assert.equal(
      await form.getByRole('alert').textContent(),
      "The API refused the change: {'settings': ['webhook_url: This field is required.']}",
    );
    const url = form.getByLabel('Webhook URL');
    const describedBy = (await url.getAttribute('aria-describedby')) ?? '';
    assert.equal(await page.locator(`[id="${describedBy}"]`).textContent(), 'This field is required.');
    assert.equal(await url.getAttribute('aria-invalid'), 'true');

    await url.fill('https://hooks.example/tea');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved Tea shop.' }).waitFor();
    const stored = (await apiCall(shop, 'GET', `/api/v2/integrations/${tea}`)).body as Record<
      string,
      unknown
    >;
    assert.equal(stored.webhook_active, true);
    assert.equal(stored.webhook_url, 'https://hooks.example/tea');
    await page.getByText('active: https://hooks.example/tea').waitFor();
  });

  test('a key pair alone never reaches the admin API and is offered no admin view', async () => {
    assert.deepEqual(adminRequests, []);
    assert.equal(await page.getByRole('button', { name: 'Accounts' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Webhook deliveries' }).count(), 0);
  });

  test('with the admin token: every account, an integration’s webhook deliveries with attempts and signed body, the journal', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn({
      publicKey: server.tenant.public_key,
      secretKey: server.tenant.secret_key,
      adminToken: server.admin.token,
    });
    await page.getByRole('heading', { name: 'Incoming orders' }).waitFor();
    await page.getByRole('button', { name: 'Accounts' }).click();
    const account = server.tenant.account_id;
    await page.getByRole('heading', { name: `Account #${account}` }).waitFor();
    await page.locator('#content').getByText(server.tenant.public_key).waitFor();

    await page.getByRole('button', { name: `Webhook deliveries of integration ${tea}` }).click();
    await page.getByRole('heading', { name: 'Webhook deliveries' }).waitFor();
    const card = page.locator('li.card').filter({ hasText: `integration_updated → integration #${tea}` });
    await card.waitFor();
    const [delivery] = await server.admin.webhooks({ integration_id: tea });
    assert.equal(delivery?.action, 'integration_updated');
    assert.match((await card.textContent()) ?? '', /delivered \(captured, not sent\)/);
    assert.match((await card.textContent()) ?? '', /https:\/\/hooks\.example\/tea/);
    await card.getByText(delivery!.signature).waitFor();
    assert.equal(await card.getByLabel(/^Body of delivery/).textContent(), delivery!.body);
    assert.equal(await card.locator('table.attempts tbody tr').count(), 1);
    assert.match((await card.locator('table.attempts').textContent()) ?? '', /captured/);

    await page.getByRole('button', { name: 'Accounts' }).click();
    await page.getByRole('button', { name: `Request journal of account #${account}` }).click();
    await page.getByRole('heading', { name: 'Request journal' }).waitFor();
    const push = page
      .locator('ol.journal > li')
      .filter({ hasText: `POST /api/v2/integrations/${tea}/shipments` });
    await push.first().waitFor();
    await push.first().locator('summary').click();
    const requestBody = JSON.parse(
      (await push
        .first()
        .getByLabel(/^Request body/)
        .textContent()) ?? '',
    );
    assert.equal(requestBody[0].order_number, 'B-2001');
    const answerBody = JSON.parse(
      (await push
        .first()
        .getByLabel(/^Answer body/)
        .textContent()) ?? '',
    );
    assert.equal(answerBody[0].status, 'created');
  });

  test('a hostile order is shown as text: no markup, no script, no dialog', async () => {
    await pushV2(shop, candle, [
      v2Shipment({ orderNumber: HOSTILE, externalOrderId: HOSTILE, name: HOSTILE, text: HOSTILE }),
    ]);
    await page.getByRole('button', { name: 'Incoming orders' }).click();
    const list = v2List();
    await waitForNumbers(list, [HOSTILE, 'B-2001']);
    assert.equal(await list.locator('tbody tr').first().getByText(HOSTILE, { exact: true }).count(), 2);
    await openHostile(list, 15);
  });

  test('v3 orders: listed newest first, paged by the Link header, searched, narrowed, opened, deleted; hostile text stays text', async () => {
    const orders = Array.from({ length: 101 }, (_, i) => {
      const n = String(i).padStart(3, '0');
      return v3Order({
        orderNumber: `T-${n}`,
        externalOrderId: `v3-ext-${i}`,
        name: `Tess ${n}`,
        integrationId: tea,
      });
    });
    for (let i = 0; i < orders.length; i += 50) await pushV3(shop, orders.slice(i, i + 50));
    await page.getByRole('button', { name: 'Refresh the lists' }).click();
    const list = page.getByRole('region', { name: /Orders \(API v3\)/ });
    await list.getByRole('table').waitFor();
    const numbers = await orderNumbers(list);
    // The API's default page (100), newest first.
    assert.equal(numbers.length, 100);
    assert.deepEqual(numbers.slice(0, 2), ['T-100', 'T-099']);
    const first = list.locator('tbody tr').first();
    assert.match((await first.textContent()) ?? '', /Tess 100/);
    assert.match((await first.textContent()) ?? '', new RegExp(`Tea shop \\(#${tea}\\)`));
    assert.match((await first.textContent()) ?? '', /v3/);
    await list.getByRole('button', { name: 'Next v3 page' }).click();
    await waitForNumbers(list, ['T-000']);
    await list.getByRole('button', { name: 'Previous v3 page' }).click();
    await list.getByRole('button', { name: 'T-099' }).waitFor();
    assert.equal((await orderNumbers(list))[0], 'T-100');

    await page.getByLabel('Search', { exact: true }).fill('T-050');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitForNumbers(list, ['T-050']);
    await page.getByLabel('Search in').selectOption({ label: 'External order id' });
    await page.getByLabel('Search', { exact: true }).fill('v3-ext-7');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitForNumbers(list, ['T-007']);
    await page.getByLabel('Search', { exact: true }).fill('');
    await page.getByLabel('Integration').selectOption({ label: `Candle shop (#${candle})` });
    await page.getByRole('button', { name: 'Apply' }).click();
    await list.getByText('No v3 orders match.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await list.getByRole('button', { name: 'T-050' }).waitFor();

    await list.getByRole('button', { name: 'T-050' }).click();
    await page.getByRole('heading', { name: /^Order T-050/ }).waitFor();
    const fields = (await page.getByRole('region', { name: 'Stored fields' }).textContent()) ?? '';
    assert.match(fields, /Tea light/);
    assert.match(fields, /€4\.50/);
    assert.match(fields, /Lansdown Glade/);
    const raw = JSON.parse((await page.getByLabel('The order as the API answers it').textContent()) ?? '');
    assert.equal(raw.order_number, 'T-050');
    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this order?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.getByRole('status').filter({ hasText: 'Order T-050 was deleted.' }).waitFor();
    await list.getByRole('button', { name: 'T-049' }).waitFor();
    assert.equal(await list.getByRole('button', { name: 'T-050', exact: true }).count(), 0);
    const gone = await apiCall(shop, 'GET', '/api/v3/orders?order_number=T-050');
    assert.deepEqual(gone.body, { data: [] });
    assert.equal((await apiCall(shop, 'GET', `/api/v3/orders/${raw.id}`)).status, 404);

    await pushV3(shop, [
      v3Order({
        orderNumber: HOSTILE,
        externalOrderId: HOSTILE,
        name: HOSTILE,
        text: HOSTILE,
        integrationId: tea,
      }),
    ]);
    await page.getByLabel('Search', { exact: true }).fill(HOSTILE);
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitForNumbers(list, [HOSTILE]);
    await openHostile(list, 8);
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  test('at phone width the lists and the detail fit the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.getByRole('button', { name: 'Incoming orders' }).click();
      await waitForNumbers(v2List(), [HOSTILE, 'B-2001']);
      const overflow = await overflowOf(page);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
      await v2List().getByRole('button', { name: 'B-2001' }).click();
      await page.getByRole('heading', { name: /^Order B-2001/ }).waitFor();
      const detailOverflow = await overflowOf(page);
      assert.ok(detailOverflow <= 0, `the detail is ${detailOverflow}px wider than the screen`);
      assert.equal(await page.getByRole('button', { name: 'Delete' }).isVisible(), true);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
  test('with the admin token alone: every account first, and the order views ask for a key pair', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn({ adminToken: server.admin.token });
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await page.getByRole('heading', { name: `Account #${server.tenant.account_id}` }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Incoming orders' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Integrations' }).count(), 0);
    await page.getByRole('button', { name: 'Journal', exact: true }).click();
    await page.getByText('Enter an account id, or open one from Accounts.').waitFor();
    await page.getByLabel('Account id').fill(String(server.tenant.account_id));
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('ol.journal > li').first().waitFor();
  });
});
