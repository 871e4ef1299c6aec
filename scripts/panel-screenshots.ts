/**
 * `npm run screenshots`: the README's pictures of the panel, made from a seeded demo state. A server in
 * this process (a fresh SQLite file, webhooks captured), a demo shop's orders pushed through the public
 * APIs, then Debian's headless Chromium at desktop and phone width, saving PNGs into docs/images/.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startServer } from '../src/index.js';
import { CHROMIUM_PATH, chromiumSkip, launchChromium } from '../test/helpers/chromium.js';
import { apiCall, pushV2, pushV3, v2Shipment, v3Order } from '../test/helpers/panel-seed.js';

const OUT = fileURLToPath(new URL('../docs/images/', import.meta.url));

const PEOPLE = [
  ['Ada Jansen', 'Utrecht'],
  ['Bram de Vries', 'Rotterdam'],
  ['Chloé Martin', 'Antwerpen'],
  ['Daan Bakker', 'Eindhoven'],
  ['Eva Müller', 'Köln'],
  ['Finn Visser', 'Groningen'],
] as const;

async function main(): Promise<void> {
  const skip = chromiumSkip();
  if (skip !== false) throw new Error(skip);
  mkdirSync(OUT, { recursive: true });
  const server = await startServer({
    settings: { RATE_LIMIT: 'off', PAGE_SIZE: '5' },
    tenant: {
      integrations: [
        {
          shop_name: 'Candle Works',
          shop_url: 'https://candles.example',
          system: 'woocommerce',
          webhook_url: 'https://hooks.example/order-inbox',
          webhook_active: true,
        },
        { shop_name: 'Tea Corner', shop_url: 'https://tea.example', system: 'shopify' },
      ],
    },
  });
  try {
    const shop = {
      apiBase: server.url,
      publicKey: server.tenant.public_key,
      secretKey: server.tenant.secret_key,
    };
    const integrations = (await apiCall(shop, 'GET', '/api/v2/integrations')).body as { id: number }[];
    const [candle, tea] = integrations.map((i) => i.id) as [number, number];
    for (const [index, [name, city]] of PEOPLE.entries()) {
      const integration = index % 3 === 2 ? tea : candle;
      await pushV2(shop, integration, [
        v2Shipment({
          orderNumber: `WC-${1041 + index}`,
          externalOrderId: `${7001 + index}`,
          name,
          city,
          value: `${(19.5 + index * 7.25).toFixed(2)}`,
        }),
      ]);
    }
    // An update, so the outbox holds more than the connection webhook.
    await apiCall(shop, 'PATCH', `/api/v2/integrations/${candle}`, { shop_name: 'Candle Works' });
    const v3 = await apiCall(shop, 'GET', '/api/v3/orders');
    if (v3.status === 200) {
      await pushV3(shop, [
        v3Order({
          orderNumber: 'TC-3001',
          externalOrderId: 'tc-3001',
          name: 'Gijs Smit',
          city: 'Leiden',
          integrationId: tea,
        }),
        v3Order({
          orderNumber: 'TC-3002',
          externalOrderId: 'tc-3002',
          name: 'Hanna Berg',
          city: 'Delft',
          integrationId: tea,
        }),
      ]);
    } else console.log(`this build has no API v3 orders (${v3.status}): the v3 list shows so`);

    const browser = await launchChromium({ width: 1280, height: 860 });
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      const shot = async (name: string) => {
        await page.waitForLoadState('networkidle');
        await page.screenshot({ path: `${OUT}${name}.png`, fullPage: false });
        console.log(`docs/images/${name}.png`);
      };
      await page.goto(`${server.url}/panel`);
      await page.getByLabel('Public key').fill(server.tenant.public_key);
      await page.getByLabel('Secret key').fill(server.tenant.secret_key);
      await page.getByLabel('Admin token').fill(server.admin.token);
      await shot('panel-sign-in');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Incoming orders' }).waitFor();
      await page.locator('.order-list table').first().waitFor();
      await shot('panel-orders');
      await page.getByRole('button', { name: 'WC-1046' }).click();
      await page.getByRole('heading', { name: /^Order WC-1046/ }).waitFor();
      await shot('panel-order');
      await page.getByRole('button', { name: 'Integrations' }).click();
      await page.getByRole('button', { name: 'Edit Tea Corner' }).click();
      await page.getByRole('form', { name: 'Edit Tea Corner' }).getByLabel('Service points enabled').check();
      await page.getByRole('form', { name: 'Edit Tea Corner' }).getByRole('button', { name: 'Save' }).click();
      await page.getByRole('form', { name: 'Edit Tea Corner' }).getByRole('alert').waitFor();
      await shot('panel-integrations');
      await page.getByRole('button', { name: 'Webhooks' }).click();
      await page.locator('li.card').first().waitFor();
      await shot('panel-webhooks');
      await page.getByRole('button', { name: 'Journal' }).click();
      await page.getByLabel('Account id').fill(String(server.tenant.account_id));
      await page.getByRole('button', { name: 'Show' }).click();
      await page.locator('ol.journal > li').first().waitFor();
      await page
        .locator('ol.journal > li')
        .filter({ hasText: /POST \/api\/v2\/integrations\/\d+\/shipments/ })
        .first()
        .locator('summary')
        .click();
      await shot('panel-journal');

      await page.setViewportSize({ width: 390, height: 844 });
      await phone(page, shot);
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}

async function phone(page: Page, shot: (name: string) => Promise<void>): Promise<void> {
  await page.getByRole('button', { name: 'Incoming orders' }).click();
  await page.locator('.order-list table').first().waitFor();
  await shot('panel-orders-phone');
  await page.getByRole('button', { name: 'WC-1043' }).click();
  await page.getByRole('heading', { name: /^Order WC-1043/ }).waitFor();
  await shot('panel-order-phone');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(`(the screenshots need ${CHROMIUM_PATH} and a built panel: npm run build)`);
  process.exitCode = 1;
});
