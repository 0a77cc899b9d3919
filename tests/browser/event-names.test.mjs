// SPDX-License-Identifier: MIT OR Apache-2.0
// The event log names processes by their names (`a`, `b`), not by pid (`<0.0.0>`).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { baseUrl, collectConsoleErrors, launchBrowser } from './harness.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('every event line of process-lifecycle uses process names', async () => {
  const page = await browser.newPage();
  const errors = collectConsoleErrors(page);
  await page.goto(baseUrl());
  await page.waitForSelector('beam-viz[data-step="0"]');
  const len = await page.evaluate(() => document.querySelector('beam-viz').length);
  const lines = [];
  for (let n = 1; n <= len; n++) {
    await page.evaluate((step) => { document.querySelector('beam-viz').step = step; }, n);
    await page.waitForSelector(`beam-viz[data-step="${n}"]`);
    lines.push(...await page.evaluate(() => [...document.querySelector('beam-viz').shadowRoot.querySelectorAll('.log li[data-kind]')].map((li) => li.textContent)));
  }
  assert.ok(lines.length > 10, `${lines.length} lines`);
  assert.deepEqual(lines.filter((l) => /<0\.\d+\.0>/.test(l)), [], 'no pid left in a log line');
  assert.ok(lines.some((l) => /\ba\b/.test(l)) && lines.some((l) => /\bb\b/.test(l)), 'both processes are named');
  assert.deepEqual(errors, []);
  await page.close();
});
