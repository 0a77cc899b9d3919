// SPDX-License-Identifier: MIT OR Apache-2.0
// Permalinks: the scenario (id or compressed text) and the step in the hash; opening one restores exactly that view;
// "copy link" and "copy embed code"; a bad hash is a located error shown as text.
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
  await page.setViewportSize({ width: 1280, height: 1000 });
  errors = collectConsoleErrors(page);
});
after(async () => { await browser?.close(); });

const viz = () => page.locator('beam-viz');
const title = () => viz().locator('header h2').textContent();
/** Everything a view shows at a step, to compare two openings. */
const snapshot = () => page.evaluate(() => {
  const r = document.querySelector('beam-viz').shadowRoot;
  return { step: document.querySelector('beam-viz').dataset.step, title: r.querySelector('header h2').textContent,
    code: r.querySelector('.code').textContent, table: r.querySelector('[data-view="processes"]').textContent,
    svgs: [...r.querySelectorAll('svg')].map((s) => s.outerHTML.length) };
});

test('a built-in scenario link opens at its step, and stepping rewrites the hash', async () => {
  await page.goto(`${baseUrl()}#scenario=binary-leak&step=3`);
  await page.waitForSelector('beam-viz[data-step="3"]');
  assert.match(await title(), /binary/i);
  await viz().locator('button.forward').click();
  await page.waitForFunction(() => location.hash === '#scenario=binary-leak&step=4');
  const before = await snapshot();
  // The same link in a fresh page shows the same view.
  const other = await browser.newPage();
  await other.goto(page.url());
  await other.waitForSelector('beam-viz[data-step="4"]');
  const again = await other.evaluate(() => document.querySelector('beam-viz').shadowRoot.querySelector('.code').textContent);
  assert.equal(again, before.code);
  await other.close();
});

test('scenario text travels compressed in the link and round-trips exactly', async () => {
  const src = await page.evaluate(async () => (await import('./js/sim.js')).builtinSource('process-lifecycle'));
  const text = src.replace('# Process lifecycle', '# My own lifecycle');
  const hash = await page.evaluate(async (t) => (await import('./js/permalink.js')).makeHash({ text: t, step: 5 }), text);
  assert.ok(hash.length < text.length, `${hash.length} chars for ${text.length}`);
  await page.goto(`${baseUrl()}${hash}`);
  await page.waitForSelector('beam-viz[data-step="5"]');
  assert.equal(await title(), 'My own lifecycle');
  const first = await snapshot();
  await page.reload();
  await page.waitForSelector('beam-viz[data-step="5"]');
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('header h2').textContent === 'My own lifecycle');
  assert.deepEqual(await snapshot(), first);
});

test('copy link and copy embed code', async () => {
  await page.goto(`${baseUrl()}#scenario=binary-leak&step=2`);
  await page.waitForSelector('beam-viz[data-step="2"]');
  await page.click('#copy-link');
  await page.waitForFunction(() => document.getElementById('share-status').textContent !== '');
  const link = await page.inputValue('#share-text');
  assert.equal(new URL(link).hash, '#scenario=binary-leak&step=2');
  await page.click('#copy-embed');
  await page.waitForFunction(() => document.getElementById('share-text').value.includes('<beam-viz'));
  const code = await page.inputValue('#share-text');
  assert.match(code, /<script type="module" src="http:\/\/[^"]+\/js\/beam-viz-define\.js"><\/script>/);
  assert.match(code, /<beam-viz scenario="binary-leak" step="2"><\/beam-viz>/);
  await page.screenshot({ path: join(screenshotDir(), 'permalink-share.png'), clip: { x: 0, y: 0, width: 1280, height: 400 } });
});

test('a bad link is a located error shown as text; the page keeps working', async () => {
  await page.goto(`${baseUrl()}#src=AB*D&step=1`);
  await page.waitForFunction(() => document.getElementById('share-status').textContent.includes('cannot be opened'));
  assert.match(await page.textContent('#share-status'), /permalink src, character 3: '\*' is not a base64url character/);
  await page.goto(`${baseUrl()}#scenario=%3Cimg%20src=x%20onerror=alert(1)%3E`);
  await page.waitForFunction(() => document.getElementById('share-status').textContent.includes('scenario id'));
  assert.equal(await page.locator('img').count(), 0);
  // The widget keeps the scenario it had.
  assert.match(await viz().getAttribute('data-step'), /^\d+$/);
  // Valid compression of invalid scenario text: the core's located error, in the element's error slot.
  const hash = await page.evaluate(async () => (await import('./js/permalink.js')).makeHash({ text: '# T\nactor a\na: x = {1,\n', step: 0 }));
  await page.goto(`${baseUrl()}${hash}`);
  const err = viz().locator('.error');
  await err.waitFor({ state: 'visible' });
  assert.match(await err.textContent(), /^beam-viz: \d+:\d+: /);
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
