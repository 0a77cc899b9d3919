// SPDX-License-Identifier: MIT OR Apache-2.0
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { baseUrl, collectConsoleErrors, launchBrowser, screenshotDir } from './harness.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('the page loads without console errors', async () => {
  const page = await browser.newPage();
  const errors = collectConsoleErrors(page);
  // networkidle: the wasm module has been fetched and instantiated by then.
  const response = await page.goto(baseUrl(), { waitUntil: 'networkidle' });
  assert.equal(response?.status(), 200);
  await page.screenshot({ path: join(screenshotDir(), 'smoke.png') });
  assert.deepEqual(errors, []);
});
