// SPDX-License-Identifier: MIT OR Apache-2.0
// A GC played as sub-steps: roots → copy → promote → resize → free → after, as buttons and as a short animation
// (none under prefers-reduced-motion); the words each sub-step concerns come from the core's fates.
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
/** The process-memory picture of process `name`: its sub-step, and the words each fate outline covers. */
const picture = (name) => page.evaluate((n) => {
  const svg = document.querySelector('beam-viz').shadowRoot.querySelector(`svg.process[data-name="${n}"]`);
  const fates = {};
  for (const g of svg.querySelectorAll('g.fates')) fates[g.dataset.fate] = Number(g.dataset.words);
  const note = svg.querySelector('[data-role="phase-note"]')?.textContent ?? null;
  return { phase: svg.dataset.gcPhase ?? null, gc: svg.dataset.gc ?? null, fates, note };
}, name);

test('each sub-step button shows what that sub-step moves', async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=10`);
  await page.waitForSelector('beam-viz[data-step="10"]');
  const bar = viz().locator('.gc-steps:not([hidden])');
  assert.equal(await bar.count(), 1, 'one process collects at step 10');
  const phases = await bar.locator('button.gc-phase').evaluateAll((bs) => bs.map((b) => b.dataset.phase));
  assert.deepEqual(phases.slice(0, 2), ['roots', 'copy']);
  assert.equal(phases.at(-1), 'after');
  assert.ok(phases.includes('free'), phases.join());
  // A jump shows the result, not a sub-step.
  assert.equal((await picture('a')).phase, null);
  assert.equal(await bar.locator('button[data-phase="after"]').getAttribute('aria-pressed'), 'true');

  await bar.locator('button[data-phase="copy"]').click();
  let pic = await picture('a');
  assert.equal(pic.phase, 'copy');
  assert.ok(pic.fates['fate-copied'] > 0, JSON.stringify(pic));
  assert.match(pic.note, /^2 copy: \d+ live words copied/);
  await viz().locator('[data-view="process-memory"]').screenshot({ path: join(screenshotDir(), 'gc-steps-copy.png') });

  await bar.locator('button[data-phase="free"]').click();
  pic = await picture('a');
  assert.equal(pic.phase, 'free');
  assert.ok(pic.fates['fate-freed'] > 0, JSON.stringify(pic));
  assert.match(pic.note, /words of garbage reclaimed/);
  await viz().locator('[data-view="process-memory"]').screenshot({ path: join(screenshotDir(), 'gc-steps-free.png') });

  await bar.locator('button[data-phase="roots"]').click();
  assert.ok((await picture('a')).fates['fate-root'] > 0);
  await bar.locator('button[data-phase="after"]').click();
  pic = await picture('a');
  assert.equal(pic.phase, null);
  assert.deepEqual(pic.fates, {});
});

test('stepping forward onto a GC plays its sub-steps, then shows the result', async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=9`);
  await page.waitForSelector('beam-viz[data-step="9"]');
  // Record every sub-step the picture of a passes through.
  await page.evaluate(() => {
    window.seenPhases = [];
    const root = document.querySelector('beam-viz').shadowRoot;
    new MutationObserver(() => {
      const phase = root.querySelector('svg.process[data-name="a"]')?.dataset.gcPhase;
      if (phase && window.seenPhases.at(-1) !== phase) window.seenPhases.push(phase);
    }).observe(root, { subtree: true, attributes: true, attributeFilter: ['data-gc-phase'] });
  });
  await viz().locator('button.forward').click();
  await page.waitForSelector('beam-viz[data-step="10"]');
  await page.waitForFunction(() => window.seenPhases.length > 0 && !document.querySelector('beam-viz').shadowRoot.querySelector('svg.process[data-name="a"]').dataset.gcPhase, null, { timeout: 5000 });
  const seen = await page.evaluate(() => window.seenPhases);
  assert.deepEqual(seen.slice(0, 2), ['roots', 'copy'], seen.join());
  assert.ok(seen.includes('free'), seen.join());
});

test('with prefers-reduced-motion a step forward shows the result at once', async () => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=9`);
  await page.waitForSelector('beam-viz[data-step="9"]');
  await viz().locator('button.forward').click();
  await page.waitForSelector('beam-viz[data-step="10"]');
  await page.waitForTimeout(300);
  assert.equal((await picture('a')).phase, null);
  // The buttons still step through it by hand.
  await viz().locator('.gc-steps:not([hidden]) button[data-phase="copy"]').click();
  assert.equal((await picture('a')).phase, 'copy');
  await page.emulateMedia({ reducedMotion: 'no-preference' });
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
