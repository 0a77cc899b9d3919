// SPDX-License-Identifier: MIT OR Apache-2.0
// The timeline: restart, jump to the next/previous step with an event of a chosen kind, speed, and the event log view.
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
const step = async () => Number(await viz().getAttribute('data-step'));
/** The steps of `scenario` with an event of `kind`, from the core. */
const stepsWith = (scenario, kind) => page.evaluate(async ([id, k]) => {
  const sim = await (await import('./js/sim.js')).Sim.open(id, id);
  const steps = [...sim.stepsWith(k)];
  sim.free();
  return steps;
}, [scenario, kind]);

test('next/previous GC jump between the steps that collected; other kinds too', async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=0`);
  await page.waitForSelector('beam-viz[data-step="0"]');
  const gcs = await stepsWith('process-lifecycle', 'GcFinished');
  assert.ok(gcs.length >= 2, gcs.join());
  const beamSteps = [];
  await page.exposeFunction('onBeamStep', (n) => beamSteps.push(n));
  await page.evaluate(() => document.querySelector('beam-viz').addEventListener('beam-step', (e) => window.onBeamStep(e.detail.step)));
  assert.equal(await viz().locator('button.prev-event').getAttribute('aria-disabled'), 'true');
  await viz().locator('button.next-event').click();
  await page.waitForFunction((s) => document.querySelector('beam-viz').dataset.step === String(s), gcs[0]);
  await viz().locator('button.next-event').click();
  await page.waitForFunction((s) => document.querySelector('beam-viz').dataset.step === String(s), gcs[1]);
  await viz().locator('button.prev-event').click();
  await page.waitForFunction((s) => document.querySelector('beam-viz').dataset.step === String(s), gcs[0]);
  assert.deepEqual(beamSteps, [gcs[0], gcs[1], gcs[0]]);
  // The label says where the next one is.
  assert.match(await viz().locator('button.next-event').getAttribute('aria-label'), new RegExp(`Next GC, at step ${gcs[1]}`));

  const sends = await stepsWith('process-lifecycle', 'MessageSent');
  await viz().locator('select.jump-kind').selectOption('MessageSent');
  await viz().locator('button.restart').click();
  await page.waitForSelector('beam-viz[data-step="0"]');
  await viz().locator('button.next-event').click();
  await page.waitForFunction((s) => document.querySelector('beam-viz').dataset.step === String(s), sends[0]);
  await viz().locator('select.jump-kind').selectOption('GcFinished');
});

test('the event log view lists the step\'s events; a GC line gives sizes and promotion', async () => {
  const gcs = await stepsWith('process-lifecycle', 'GcFinished');
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=${gcs[1]}`);
  await page.waitForSelector(`beam-viz[data-step="${gcs[1]}"]`);
  const log = viz().locator('[data-view="events"]');
  assert.match(await log.locator('h3').textContent(), new RegExp(`step ${gcs[1]}`));
  const gcLine = await log.locator('li[data-kind="GcFinished"]').first().textContent();
  assert.match(gcLine, /^(minor|major) GC in a: \d+ → \d+ words, \d+ live, \d+ reclaimed/);
  await log.screenshot({ path: join(screenshotDir(), 'timeline-events.png') });
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=0`);
  await page.waitForSelector('beam-viz[data-step="0"]');
  assert.equal(await log.locator('li').first().textContent(), 'Nothing has happened yet.');
});

test('speed: the select sets the speed attribute, and playback follows it', async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=0`);
  await page.waitForSelector('beam-viz[data-step="0"]');
  await viz().locator('select.speed').selectOption('10');
  assert.equal(await viz().getAttribute('speed'), '10');
  const t0 = Date.now();
  await viz().locator('button.play').click();
  await page.waitForFunction(() => Number(document.querySelector('beam-viz').dataset.step) >= 5);
  // Five steps at 10 per second take about half a second, not five.
  assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`);
  await viz().locator('button.play').click();
  await viz().screenshot({ path: join(screenshotDir(), 'timeline.png') });
});

test('what changed since the previous step: outlined words, ▲/▼ in the process table', async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=3`);
  await page.waitForSelector('beam-viz[data-step="3"]');
  await viz().locator('button.forward').click();
  await page.waitForSelector('beam-viz[data-step="4"]');
  const changed = await page.evaluate(() => Object.fromEntries([...document.querySelector('beam-viz').shadowRoot.querySelectorAll('svg.process')]
    .map((svg) => [svg.dataset.name, Number(svg.querySelector('g.fates.changed')?.dataset.words ?? 0)])));
  // Step 4: a makes a binary (a 6-word ProcBin on its heap); b does nothing.
  assert.ok(changed.a >= 6, JSON.stringify(changed));
  assert.equal(changed.b, 0);
  await viz().locator('[data-view="process-memory"]').screenshot({ path: join(screenshotDir(), 'timeline-changed.png') });
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
