// SPDX-License-Identifier: MIT OR Apache-2.0
// Export of the current view as SVG and PNG: valid files that show the process memory of the step on screen.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { baseUrl, collectConsoleErrors, launchBrowser, screenshotDir } from './harness.mjs';

let browser;
let page;
let errors;
before(async () => {
  browser = await launchBrowser();
  page = await browser.newPage({ acceptDownloads: true });
  await page.setViewportSize({ width: 1280, height: 1000 });
  errors = collectConsoleErrors(page);
});
after(async () => { await browser?.close(); });

test('Export SVG downloads a standalone SVG document of the step on screen', async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=6`);
  await page.waitForSelector('beam-viz[data-step="6"]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('beam-viz').locator('button.export-svg').click()]);
  assert.equal(download.suggestedFilename(), 'beamviz-process-lifecycle-step-6.svg');
  const path = join(screenshotDir(), 'export.svg');
  await download.saveAs(path);
  const text = readFileSync(path, 'utf8');
  assert.match(text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  // It parses as XML, names the step, and carries the colours it uses.
  const parsed = await page.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
    return { error: doc.querySelector('parsererror')?.textContent ?? null, title: doc.querySelector('title')?.textContent,
      grids: doc.querySelectorAll('g.grid').length, style: doc.querySelector('style').textContent.includes('--bv-cons: #') };
  }, text);
  assert.equal(parsed.error, null);
  assert.equal(parsed.title, 'Process lifecycle, step 6');
  assert.ok(parsed.grids >= 2, String(parsed.grids));
  assert.ok(parsed.style);
});

test('Export PNG downloads a PNG image', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('beam-viz').locator('button.export-png').click()]);
  assert.equal(download.suggestedFilename(), 'beamviz-process-lifecycle-step-6.png');
  const path = join(screenshotDir(), 'export.png');
  await download.saveAs(path);
  const png = readFileSync(path);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.readUInt32BE(16), height = png.readUInt32BE(20);
  assert.ok(width > 600 && height > 300, `${width}×${height}`);
  writeFileSync(join(screenshotDir(), 'export-size.txt'), `${width}x${height}\n`);
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
