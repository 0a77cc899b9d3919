// SPDX-License-Identifier: MIT OR Apache-2.0
// Narration marks as <code>/<em>, the process_info table, Forward while a question waits, and inspector="off".
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

const root = (fn, arg) => page.evaluate(([src, a]) => (0, eval)(src)(document.querySelector('beam-viz').shadowRoot, a), [String(fn), arg]);

test('narration shows code spans and emphasis as <code> and <em>, without the marks', async () => {
  await page.goto(`${baseUrl()}?scenario=binary-leak&step=3`);
  await page.waitForSelector('beam-viz[data-step="3"]');
  const n = await root((r) => {
    const p = r.querySelector('.narration');
    return { text: p.textContent, code: [...p.querySelectorAll('code')].map((c) => c.textContent), em: [...p.querySelectorAll('em')].map((e) => e.textContent) };
  });
  assert.ok(!n.text.includes('`'), n.text);
  assert.ok(n.code.length > 0 || n.em.length > 0, JSON.stringify(n));
  await page.locator('beam-viz').locator('.story').screenshot({ path: join(screenshotDir(), 'page2-narration.png') });
});

test('the process table: one row per process, process_info columns, changed cells marked', async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=4`);
  await page.waitForSelector('beam-viz[data-step="4"]');
  const t = await root((r) => {
    const table = r.querySelector('[data-view="processes"] table');
    return {
      cols: [...table.querySelectorAll('thead th[scope="col"]')].map((th) => th.textContent),
      rows: [...table.querySelectorAll('tbody tr')].map((tr) => tr.querySelector('th[scope="row"]').textContent),
      changed: [...table.querySelectorAll('td.up, td.down')].map((td) => `${td.closest('tr').querySelector('th').textContent}.${td.dataset.key}:${td.textContent}`),
    };
  });
  for (const c of ['heap_size', 'total_heap_size', 'stack_size', 'message_queue_len', 'minor_gcs', 'bin_vheap_size', 'binaries held']) assert.ok(t.cols.includes(c), c);
  assert.deepEqual(t.rows, ['a', 'b']);
  // Step 4 makes a's off-heap binary: a's binaries go up, b's row does not change.
  assert.ok(t.changed.some((c) => /^a\.binaries held:1 ▲$/.test(c)), t.changed.join());
  assert.ok(!t.changed.some((c) => c.startsWith('b.')), t.changed.join());
  await page.locator('beam-viz').locator('[data-view="processes"]').screenshot({ path: join(screenshotDir(), 'page2-processes.png') });
});

test('while a question waits, Forward is disabled and says why; answering re-enables it', async () => {
  await page.goto(`${baseUrl()}?scenario=binary-leak&step=0`);
  await page.waitForSelector('beam-viz[data-step="0"]');
  const fwd = page.locator('beam-viz').locator('button.forward');
  let asked = false;
  for (let n = 1; n <= 12 && !asked; n++) {
    await fwd.click();
    await page.waitForTimeout(50);
    asked = await root((r) => r.querySelector('.predict').dataset.state === 'asking');
  }
  assert.ok(asked);
  await page.waitForTimeout(50);
  assert.equal(await fwd.getAttribute('aria-disabled'), 'true');
  assert.match(await fwd.getAttribute('title'), /Answer or skip/);
  const described = await root((r) => r.getElementById(r.querySelector('button.forward').getAttribute('aria-describedby'))?.textContent);
  assert.match(described, /answer or skip/);
  await page.locator('beam-viz').locator('.app').screenshot({ path: join(screenshotDir(), 'page2-forward-disabled.png') });
  await page.locator('beam-viz').locator('button.skip').click();
  await page.waitForTimeout(100);
  assert.equal(await fwd.getAttribute('aria-disabled'), 'false');
  assert.equal(await fwd.getAttribute('title'), null);
});

test('inspector="off" hides the inspector and starts no worker; invalid values mean on', async () => {
  const p = await browser.newPage();
  const errs = collectConsoleErrors(p);
  const workers = [];
  p.on('worker', (w) => workers.push(w.url()));
  await p.goto(new URL('embed.html', baseUrl()).href);
  await p.waitForSelector('beam-viz[data-step="6"]');
  await p.waitForTimeout(400);
  const hidden = () => p.evaluate(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="inspector"]').hidden);
  assert.equal(await hidden(), true);
  assert.equal(await p.evaluate(() => document.querySelector('beam-viz').inspector), 'off');
  assert.deepEqual(workers, []);
  await p.evaluate(() => { document.querySelector('beam-viz').inspector = 'banana'; });
  assert.equal(await p.evaluate(() => document.querySelector('beam-viz').inspector), 'on');
  assert.equal(await hidden(), false);
  await p.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="inspector"]').dataset.evaluated);
  assert.ok(workers.length >= 1);
  assert.deepEqual(errs, []);
  await p.close();
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
