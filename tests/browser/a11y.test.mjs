// SPDX-License-Identifier: MIT OR Apache-2.0
// The live region speaks each step, light and dark themes (preference and toggle), and the page from 375 px to 4K.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { baseUrl, collectConsoleErrors, launchBrowser, screenshotDir } from './harness.mjs';

let browser;
let page;
let errors;
before(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
  errors = collectConsoleErrors(page);
});
after(async () => { await browser?.close(); });

const live = () => page.locator('beam-viz').locator('[data-role="live"]');

test('the live region reads the step, its code and its narration after each step', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=0`);
  await page.waitForSelector('beam-viz[data-step="0"]');
  assert.equal(await live().getAttribute('aria-live'), 'polite');
  assert.match(await live().textContent(), /^Step 0 of \d+\. Two processes start/);
  await page.locator('beam-viz').focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('beam-viz[data-step="1"]');
  const narration = await page.locator('beam-viz').locator('.narration').textContent();
  assert.equal(await live().textContent(), `Step 1 of ${await page.evaluate(() => document.querySelector('beam-viz').length)}. ${await page.locator('beam-viz').locator('.code code').textContent()}. ${narration}`);
});

test('dark theme: by preference, and by the toggle; light by the toggle', async () => {
  const bg = () => page.locator('beam-viz').locator('.app').evaluate((el) => getComputedStyle(el).backgroundColor);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=6`);
  await page.waitForSelector('beam-viz[data-step="6"]');
  assert.equal(await bg(), 'rgb(18, 22, 29)');
  await page.screenshot({ path: join(screenshotDir(), 'a11y-dark.png') });
  await page.click('#theme'); // auto → dark
  assert.equal(await bg(), 'rgb(18, 22, 29)');
  await page.click('#theme'); // dark → light, whatever the preference
  assert.equal(await page.locator('beam-viz').getAttribute('theme'), 'light');
  assert.equal(await bg(), 'rgb(246, 247, 249)');
  await page.click('#theme'); // back to auto
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal(await bg(), 'rgb(246, 247, 249)');
});

for (const [w, h] of [[375, 812], [768, 1024], [3840, 2160]]) {
  test(`at ${w} px wide the page does not scroll sideways and the controls stay usable`, async () => {
    await page.setViewportSize({ width: w, height: h });
    await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=10`);
    await page.waitForSelector('beam-viz[data-step="10"]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `${overflow} px of sideways scrolling`);
    const fwd = page.locator('beam-viz').locator('button.forward');
    const box = await fwd.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= w, JSON.stringify(box));
    await fwd.click();
    await page.waitForSelector('beam-viz[data-step="11"]');
    if (w === 375) await page.screenshot({ path: join(screenshotDir(), 'a11y-375.png'), fullPage: false });
  });
}

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
