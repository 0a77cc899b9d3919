// SPDX-License-Identifier: MIT OR Apache-2.0
// Embedding security: the page and embed.html work under a strict Content-Security-Policy (served by
// `cargo xtask test` at BEAMVIZ_CSP_URL), with no violation and no console error while loading, stepping and
// inspecting; untrusted text (the address, the inspector's input) is rendered as text, never parsed as HTML;
// and no file in www/js builds HTML from strings.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { collectConsoleErrors, launchBrowser, screenshotDir } from './harness.mjs';

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; object-src 'none'";
const WWW = join(dirname(fileURLToPath(import.meta.url)), '../../www');

/** The URL of `www/` served with the CSP header, ending in `/`. @returns {string} */
function cspUrl() {
  const url = process.env.BEAMVIZ_CSP_URL;
  if (!url) throw new Error('BEAMVIZ_CSP_URL is not set: run with `cargo xtask test`, or `cargo xtask serve --csp`');
  return url;
}

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** A page that records CSP violations (in `window.__violations`) and console errors from its first script on. */
async function openPage() {
  const page = await browser.newPage();
  const errors = collectConsoleErrors(page);
  await page.addInitScript(() => {
    window.__violations = [];
    // Violations bubble and are composed, so those inside shadow roots reach the document too.
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return { page, errors };
}

const violations = (page) => page.evaluate(() => window.__violations);

/** Steps the widget forward `n` times with its button (skipping predict questions) and returns its `data-step`. */
async function stepForward(page, n) {
  const viz = page.locator('beam-viz').first();
  for (let i = 0; i < n; i++) {
    const from = Number(await viz.getAttribute('data-step'));
    await viz.locator('button.forward').click();
    // A step with a question asks it first; skipping shows the step.
    if (await viz.locator('.predict[data-state="asking"]').isVisible()) await viz.locator('button.skip').click();
    await page.waitForSelector(`beam-viz[data-step="${from + 1}"]`);
  }
  return viz.getAttribute('data-step');
}

test('the server really sends the policy', async () => {
  const res = await fetch(cspUrl());
  assert.equal(res.headers.get('content-security-policy'), CSP);
});

test('the page loads, steps and inspects under the policy with no violation', async () => {
  const { page, errors } = await openPage();
  const res = await page.goto(cspUrl(), { waitUntil: 'networkidle' });
  assert.equal(res.headers()['content-security-policy'], CSP);
  await page.waitForSelector('beam-viz[data-step="0"]');
  assert.equal(await stepForward(page, 3), '3');
  // The inspector evaluates in a module worker (worker-src falls back to script-src 'self').
  const box = page.locator('beam-viz').locator('[data-view="inspector"]');
  await box.locator('textarea').fill('{lists:seq(1, 5), <<"abc">>}');
  await page.waitForFunction(() => {
    const ins = document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="inspector"]');
    return ins.querySelector('.insp-result')?.textContent.includes('tuple');
  }, null, { timeout: 10000 });
  await page.screenshot({ path: join(screenshotDir(), 'csp-page.png') });
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('embed.html works under the policy with no violation', async () => {
  const { page, errors } = await openPage();
  await page.goto(new URL('embed.html', cspUrl()).href, { waitUntil: 'networkidle' });
  await page.waitForSelector('beam-viz[data-step="6"]');
  assert.equal(await stepForward(page, 2), '8');
  const shown = await page.evaluate(() => {
    const root = document.querySelector('beam-viz').shadowRoot;
    return getComputedStyle(root.querySelector('.app')).display !== 'none';
  });
  assert.ok(shown, 'the widget is shown, not its fallback');
  // The page's own style sheet applied (it was an inline <style>, which the policy blocks).
  const custom = await page.evaluate(() => getComputedStyle(document.querySelector('beam-viz')).getPropertyValue('--bv-young').trim());
  assert.equal(custom, '#1b4f72');
  await page.screenshot({ path: join(screenshotDir(), 'csp-embed.png') });
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';

test('hostile text in the address and the inspector is shown as text, never run', async () => {
  const { page, errors } = await openPage();
  const url = new URL(cspUrl());
  url.searchParams.set('scenario', HOSTILE);
  url.searchParams.set('step', HOSTILE);
  url.hash = HOSTILE;
  await page.goto(url.href, { waitUntil: 'networkidle' });
  // An unknown scenario id falls back to the default; a bad step to 0.
  await page.waitForSelector('beam-viz[data-step="0"]');
  const box = page.locator('beam-viz').locator('[data-view="inspector"]');
  await box.locator('textarea').fill(`{ok, ${HOSTILE}`);
  await page.waitForFunction(() => {
    const err = document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="inspector"] .expr-error');
    return err && !err.hidden;
  }, null, { timeout: 10000 });
  const found = await page.evaluate(() => {
    const root = document.querySelector('beam-viz').shadowRoot;
    return {
      pwned: window.__pwned ?? null,
      imgs: document.querySelectorAll('img').length + root.querySelectorAll('img, script').length,
      errorText: root.querySelector('[data-view="inspector"] .expr-error').textContent,
    };
  });
  assert.equal(found.pwned, null);
  assert.equal(found.imgs, 0);
  // The error echoes the source line as text, angle brackets and all.
  assert.match(found.errorText, /<img src=x/);
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('no file in www/js builds HTML from strings', () => {
  const files = readdirSync(join(WWW, 'js')).filter((f) => f.endsWith('.js'));
  assert.ok(files.length >= 5, 'www/js has the element\'s modules');
  const offenders = [];
  for (const f of files) {
    const lines = readFileSync(join(WWW, 'js', f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      // Comments may name the APIs they avoid.
      const code = line.replace(/\/\/.*$/, '');
      if (/\b(innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|document\.write|srcdoc)\b|\beval\(|new Function\(|setAttribute\(\s*['"]on/.test(code)) {
        offenders.push(`${f}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(offenders, []);
  // And the pages: no inline script or style, no inline event handler.
  for (const page of ['index.html', 'embed.html']) {
    const html = readFileSync(join(WWW, page), 'utf8');
    assert.doesNotMatch(html, /<style|<script(?![^>]*\bsrc=)|\son[a-z]+=|style=/i, page);
  }
});
