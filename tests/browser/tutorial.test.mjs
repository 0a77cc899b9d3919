// SPDX-License-Identifier: MIT OR Apache-2.0
// Embedding in prose: www/examples/binary-leaks.html (three widgets, one with its scenario inline) and a plain-HTML
// tutorial (tests/browser/fixtures/tutorial/) that loads a scenario file with `src`, served next to the real dist/
// under the strict CSP, as a tutorial site that copied the folder would serve it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { baseUrl, collectConsoleErrors, launchBrowser, screenshotDir } from './harness.mjs';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tutorial');

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** What each widget on the page shows: id, step, title, visible views, whether its controls show. */
function widgets(page) {
  return page.evaluate(() => [...document.querySelectorAll('beam-viz')].map((el) => {
    const r = el.shadowRoot;
    const shown = (node) => node && node.checkVisibility();
    return {
      step: el.dataset.step,
      title: r.querySelector('h2')?.textContent,
      views: [...r.querySelectorAll('.app [data-view]')].filter(shown).map((s) => s.dataset.view),
      controls: shown(r.querySelector('.controls')),
      error: r.querySelector('.error').hidden ? null : r.querySelector('.error').textContent,
    };
  }));
}

test('the example tutorial: three widgets in prose, each with its views, stepping independently', async () => {
  const page = await browser.newPage();
  const errors = collectConsoleErrors(page);
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.goto(`${baseUrl()}examples/binary-leaks.html`);
  await page.waitForFunction(() => [...document.querySelectorAll('beam-viz')].every((el) => el.dataset.step !== undefined));
  const before = await widgets(page);
  assert.equal(before.length, 3);
  assert.deepEqual(before.map((w) => w.step), ['4', '4', '0']);
  assert.deepEqual(before[0].views.sort(), ['binaries', 'narration', 'process-memory']);
  assert.deepEqual(before[1].views.sort(), ['binaries', 'narration', 'processes']);
  assert.deepEqual(before[2].views.sort(), ['binaries', 'narration']);
  assert.ok(before.every((w) => w.controls && w.error === null), JSON.stringify(before));
  // The third widget's scenario is the text inside the element.
  assert.equal(before[2].title, 'A slice keeps the whole binary alive');
  // The inspector is not among the views, so its worker never starts.
  assert.equal(await page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.includes('inspect-worker'))), false);

  const third = page.locator('beam-viz').nth(2);
  for (let i = 0; i < 4; i++) await third.locator('button.forward').click();
  await page.waitForFunction(() => document.querySelectorAll('beam-viz')[2].dataset.step === '4');
  const afterSteps = await widgets(page);
  assert.deepEqual(afterSteps.map((w) => w.step), ['4', '4', '4'], 'the other widgets did not move');
  // At step 4 (after the GC) the 100-byte header still holds the whole megabyte.
  const bins = await third.evaluate((el) => el.shadowRoot.querySelector('[data-view="binaries"]').textContent);
  assert.match(bins, /1,?000,?000/);
  for (const [i, name] of ['tutorial-1', 'tutorial-2', 'tutorial-3'].entries()) {
    await page.locator('beam-viz').nth(i).screenshot({ path: join(screenshotDir(), `${name}.png`) });
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('a views figure without `controls` has no playback bar; keys still step it once focused', async () => {
  const page = await browser.newPage();
  await page.goto(`${baseUrl()}examples/binary-leaks.html`);
  await page.waitForFunction(() => document.querySelector('beam-viz')?.dataset.step === '4');
  await page.evaluate(() => document.querySelector('beam-viz').removeAttribute('controls'));
  const [first] = await widgets(page);
  assert.equal(first.controls, false);
  await page.locator('beam-viz').first().focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('beam-viz').dataset.step === '5');
  // Dropping `views` brings every view and the controls back.
  await page.evaluate(() => document.querySelector('beam-viz').removeAttribute('views'));
  const [all] = await widgets(page);
  assert.ok(all.controls && all.views.includes('memory') && all.views.includes('processes'), JSON.stringify(all));
  await page.close();
});

function distUrl() {
  const url = process.env.BEAMVIZ_DIST_URL;
  if (!url) throw new Error('BEAMVIZ_DIST_URL is not set: run with `cargo xtask test`');
  return url;
}

test('a plain-HTML tutorial beside dist/ loads a scenario file through `src`, under the strict CSP', async () => {
  const page = await browser.newPage();
  const errors = collectConsoleErrors(page);
  const base = new URL(distUrl());
  const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; object-src 'none'";
  // The tutorial's own files, served at <dist>/tutorial/ (beam-viz.js and the rest come from the real dist/).
  await page.route(new URL('tutorial/*', base).href, (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    const types = { 'index.html': 'text/html', 'messages.scn': 'text/plain' };
    if (!types[name]) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({
      status: 200,
      headers: { 'content-type': types[name], 'content-security-policy': csp },
      body: readFileSync(join(FIXTURES, name)),
    });
  });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
  });
  await page.goto(new URL('tutorial/index.html', base).href);
  await page.waitForSelector('#figure[data-step="2"]');
  await page.waitForFunction(() => !document.querySelector('#missing').shadowRoot.querySelector('.error').hidden);
  const [figure, missing] = await widgets(page);
  assert.equal(figure.title, 'A message is copied');
  assert.deepEqual(figure.views.sort(), ['narration', 'process-memory']);
  assert.equal(figure.error, null);
  assert.match(missing.error, /no-such-file\.scn.*404/);
  await page.locator('#figure').locator('button.forward').click();
  await page.waitForSelector('#figure[data-step="3"]');
  await page.screenshot({ path: join(screenshotDir(), 'tutorial-dist.png'), fullPage: true });
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  // The 404 of the missing file is the one expected console error.
  assert.ok(errors.every((e) => /404|Not Found/i.test(e)), errors.join('\n'));
  await page.close();
});
