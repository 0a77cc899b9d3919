// SPDX-License-Identifier: MIT OR Apache-2.0
// The scenario editor: the text of the scenario on screen, inline errors at the right line and column, re-run on
// edit (debounced, read in a worker), and a heavy scenario that never freezes the tab.
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

const title = () => page.locator('beam-viz').locator('header h2').textContent();

test('the editor opens on the scenario shown; an edit re-runs it and keeps the step', async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=4`);
  await page.waitForSelector('beam-viz[data-step="4"]');
  await page.click('#editor summary');
  await page.waitForFunction(() => document.getElementById('scn-text').value.startsWith('# Process lifecycle'));
  const src = await page.inputValue('#scn-text');
  await page.fill('#scn-text', src.replace('# Process lifecycle', '# Edited lifecycle'));
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('header h2').textContent === 'Edited lifecycle');
  assert.equal(await page.locator('beam-viz').getAttribute('data-step'), '4');
  assert.match(await page.textContent('#scn-note'), /^\d+ steps, run in \d+ ms\./);
  // The address is a permalink of the edited text.
  await page.waitForFunction(() => location.hash.startsWith('#src='));
});

test('an error shows under the text at its line and column, and the widget keeps the last good run', async () => {
  const src = await page.inputValue('#scn-text');
  const lines = src.split('\n');
  const at = lines.findIndex((l) => l.includes(':lists.seq(1, 20)'));
  lines[at] = lines[at].replace(':lists.seq(1, 20)', ':lists.seq(1, 20');
  await page.fill('#scn-text', lines.join('\n'));
  const box = page.locator('#scn-error');
  await box.waitFor({ state: 'visible' });
  assert.equal(await box.getAttribute('data-line'), String(at + 1));
  const col = Number(await box.getAttribute('data-col'));
  assert.ok(col > 1, String(col));
  const text = await box.textContent();
  assert.ok(text.startsWith(`${at + 1}:${col}: `), text);
  // The caret sits under the column it names.
  const [, srcLine, caretLine] = text.split('\n');
  assert.equal(caretLine.indexOf('^') - caretLine.indexOf('') , srcLine.indexOf('|') + 2 + col - 1);
  assert.equal(await page.getAttribute('#scn-text', 'aria-invalid'), 'true');
  assert.equal(await title(), 'Edited lifecycle');
  await page.locator('#editor').screenshot({ path: join(screenshotDir(), 'editor-error.png') });
  // Fixing it clears the error.
  await page.fill('#scn-text', src);
  await box.waitFor({ state: 'hidden' });
});

test('a heavy scenario is read in the worker while the page stays responsive', async () => {
  const heavy = '# Heavy\nactor a\n' + 'a: x = Enum.to_list(1..10000)\n'.repeat(200);
  // Let the previous edit finish, then record the main thread's long tasks (over 50 ms) while the worker reads.
  await page.waitForFunction(() => /run in/.test(document.getElementById('scn-note').textContent));
  await page.waitForTimeout(300);
  // (Filling a textarea with 6 KB is itself a long task in Chromium; the reading starts after the edit delay.)
  await page.fill('#scn-text', heavy);
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
  });
  await page.waitForFunction(() => /^201 steps|error/.test(document.getElementById('scn-note').textContent), null, { timeout: 30000 });
  const note = await page.textContent('#scn-note');
  const gap = Math.max(0, ...await page.evaluate(() => window.longTasks));
  const err = await page.locator('#scn-error').textContent();
  console.log(`heavy scenario: ${note} ${err} (longest main-thread task while reading: ${gap.toFixed(0)} ms)`);
  assert.match(note, /^201 steps; the run took [\d.]+ s, so it is not re-run on every edit\./);
  assert.ok(gap < 100, `the page froze for ${gap} ms`);
  // Asked to, the page runs it.
  await page.click('#scn-run');
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('header h2').textContent === 'Heavy');
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
