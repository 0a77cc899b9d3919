// SPDX-License-Identifier: MIT OR Apache-2.0
// Scenario text from outside (here the `source` property, as a permalink sets it) runs in a worker first: a heavy,
// hostile text ends there with its located error, and the page's main thread never runs it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { baseUrl, collectConsoleErrors, launchBrowser } from './harness.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

// About 4 million evaluation steps, then the evaluator's limit: a second or so of work in wasm.
const HOSTILE = '# Hostile\nHeavy.\n\nactor a\n\na: x = for a <- 1..40, b <- 1..40, c <- 1..40, d <- 1..20, do: {a, b, c, d}\n';

test('a hostile scenario is refused with its line and column, and the main thread never blocks on it', async () => {
  const page = await browser.newPage();
  const errors = collectConsoleErrors(page);
  await page.goto(`${baseUrl()}embed.html`);
  await page.waitForSelector('beam-viz[data-step="6"]');
  const result = await page.evaluate(async (text) => {
    const longest = { ms: 0 };
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longest.ms = Math.max(longest.ms, e.duration);
    });
    observer.observe({ type: 'longtask' });
    const el = document.querySelector('beam-viz');
    const box = el.shadowRoot.querySelector('.error');
    const start = performance.now();
    el.source = text;
    while (box.hidden && performance.now() - start < 20000) await new Promise((r) => setTimeout(r, 20));
    const ms = performance.now() - start;
    await new Promise((r) => setTimeout(r, 50));
    observer.disconnect();
    return { message: box.textContent, ms, longest: longest.ms };
  }, HOSTILE);
  // The located error; on a machine so loaded that the worker needs over 5 s for the 4M steps, the timeout's refusal.
  assert.match(result.message, /stopped at 6:68: step 2 failed: too many evaluation steps|still being read after 5 s/);
  console.log(`# hostile scenario refused after ${result.ms.toFixed(0)} ms; longest main-thread task ${result.longest.toFixed(0)} ms`);
  assert.ok(result.ms < 8000, `refused after ${result.ms} ms`);
  // Running the text here would be one task of at least the worker's time (0.4-1.5 s); 300 ms leaves room for a
  // loaded machine's hiccups.
  assert.ok(result.longest < 300, `the main thread was blocked for ${result.longest} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an edit the editor already ran in its worker reaches the widget without a second worker run', async () => {
  const page = await browser.newPage();
  const errors = collectConsoleErrors(page);
  // Count the scenario workers the page starts (the editor's, and vet's if it ran the text again).
  await page.addInitScript(() => {
    window.__scenarioWorkers = 0;
    const Native = window.Worker;
    window.Worker = class extends Native {
      constructor(url, options) {
        super(url, options);
        if (String(url).includes('scenario-worker')) window.__scenarioWorkers += 1;
      }
    };
  });
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=2`);
  await page.waitForSelector('beam-viz[data-step="2"]');
  await page.click('#editor summary');
  await page.waitForFunction(() => document.getElementById('scn-text').value.startsWith('# Process lifecycle'));
  const src = await page.inputValue('#scn-text');
  await page.fill('#scn-text', src.replace('# Process lifecycle', '# Edited once'));
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('header h2').textContent === 'Edited once');
  assert.equal(await page.evaluate(() => window.__scenarioWorkers), 1, 'only the editor ran the text in a worker');
  assert.deepEqual(errors, []);
  await page.close();
});
