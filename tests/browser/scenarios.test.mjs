// SPDX-License-Identifier: MIT OR Apache-2.0
// The scenario picker, checkpoints under the narration, and predict questions asked before their step.
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
  await page.goto(baseUrl());
  await page.waitForSelector('beam-viz[data-step="0"]');
});
after(async () => { await browser?.close(); });

const shadow = (sel) => page.locator('beam-viz').locator(sel);
const step = () => page.evaluate(() => Number(document.querySelector('beam-viz').dataset.step));
const checks = () => page.evaluate(() => [...document.querySelector('beam-viz').shadowRoot.querySelectorAll('.checks li')].map((li) => li.textContent));
const predictState = () => page.evaluate(() => {
  const box = document.querySelector('beam-viz').shadowRoot.querySelector('.predict');
  return box.hidden ? null : { state: box.dataset.state, step: Number(box.dataset.step), text: box.textContent };
});
async function shot(name) { await page.locator('beam-viz').screenshot({ path: join(screenshotDir(), `${name}.png`) }); }

test('the picker lists every built-in scenario and switching updates the address', async () => {
  const options = await page.locator('#scenario option').evaluateAll((os) => os.map((o) => o.value));
  const builtin = await page.evaluate(async () => (await import('./js/sim.js')).loadWasm().then((m) => JSON.parse(m.Simulator.scenarios()).map((s) => s.id)));
  assert.deepEqual(options, builtin);
  assert.ok(options.length >= 4, options.join());
  await page.selectOption('#scenario', 'binary-leak');
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('header h2').textContent.includes('binary'));
  assert.equal(new URL(page.url()).searchParams.get('scenario'), 'binary-leak');
  assert.equal(await step(), 0);
});

test('checkpoints show as ✓ lines under the narration', async () => {
  assert.deepEqual(await checks(), []);
  for (let n = 1; n <= 3; n++) {
    await shadow('button.forward').click();
    await page.waitForSelector(`beam-viz[data-step="${n}"]`);
  }
  assert.deepEqual(await checks(), ['✓ binary(body).refc == 1', '✓ binary(body).bytes == 1000']);
  await shot('scenario-checks');
});

test('a predict question is asked before its step, and answering reveals it', async () => {
  // Forward until a question stops the stepping.
  let asked = null;
  for (let n = 4; n <= 12 && !asked; n++) {
    await shadow('button.forward').click();
    await page.waitForTimeout(50);
    const p = await predictState();
    if (p?.state === 'asking') asked = p;
    else await page.waitForSelector(`beam-viz[data-step="${n}"]`);
  }
  assert.ok(asked, 'a question was asked');
  assert.match(asked.text, /When does its reference count drop to 1\?/);
  const shown = await step();
  assert.equal(asked.step, shown + 1, 'the step is not revealed yet');
  await shot('scenario-predict-asked');
  // Forward again does not skip the question (it shows as disabled meanwhile, so force the click).
  await shadow('button.forward').click({ force: true });
  await page.waitForTimeout(100);
  assert.equal(await step(), shown);
  // A wrong answer reveals the step, marks the right one and explains.
  await shadow('button.choice[data-choice="0"]').click();
  await page.waitForSelector(`beam-viz[data-step="${shown + 1}"]`);
  const after = await predictState();
  assert.equal(after.state, 'answered');
  assert.match(after.text, /Not quite: the answer is B\./);
  assert.match(after.text, /dead handles are found only by a collection/);
  assert.deepEqual(await checks(), ['✓ binary(a.body).refc == 1', '✓ b.heap_used == 0']);
  await shot('scenario-predict-answered');
  // The keys still step after answering (focus stayed in the widget); answered questions are not asked twice.
  await page.keyboard.press('ArrowLeft');
  await page.waitForSelector(`beam-viz[data-step="${shown}"]`);
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector(`beam-viz[data-step="${shown + 1}"]`);
});

test('the step from the address opens without asking; switching back resets', async () => {
  const p = await browser.newPage();
  const errs = collectConsoleErrors(p);
  await p.goto(`${baseUrl()}?scenario=binary-leak&step=7`);
  await p.waitForSelector('beam-viz[data-step="7"]');
  const box = await p.evaluate(() => document.querySelector('beam-viz').shadowRoot.querySelector('.predict').dataset.state);
  assert.equal(box, 'open', 'the question is shown, unanswered, with the step');
  assert.equal(await p.locator('#scenario').inputValue(), 'binary-leak');
  assert.deepEqual(errs, []);
  await p.close();
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
