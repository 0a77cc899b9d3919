// SPDX-License-Identifier: MIT OR Apache-2.0
// The term inspector: examples evaluated standalone, sizes, objects with sharing, off-heap payloads,
// located errors under the input, and no frozen tab on an expression that hits the evaluator's limits.
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
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="inspector"]')?.dataset.evaluated);
});
after(async () => { await browser?.close(); });

const section = () => page.locator('beam-viz').locator('[data-view="inspector"]');

/** What the inspector shows now. */
function state() {
  return page.evaluate(() => {
    const box = document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="inspector"]');
    const sizes = {};
    for (const d of box.querySelectorAll('[data-size]')) sizes[d.dataset.size] = d.querySelector('dd').textContent;
    const err = box.querySelector('.expr-error');
    return {
      evaluated: Number(box.dataset.evaluated),
      state: box.dataset.state,
      sizes,
      value: box.querySelector('.value code')?.textContent,
      sharing: box.querySelector('.sharing')?.textContent,
      objects: [...box.querySelectorAll('.obj')].map((o) => ({
        id: Number(o.dataset.obj),
        refs: Number(o.dataset.refs),
        shared: o.classList.contains('shared'),
        head: o.querySelector('.obj-head').textContent,
        words: [...o.querySelectorAll('.w')].map((w) => `${w.dataset.role}:${w.textContent}`),
      })),
      offHeap: [...box.querySelectorAll('.payload')].map((p) => Number(p.dataset.bytes)),
      error: err.hidden ? null : { text: err.textContent, line: Number(err.dataset.line), col: Number(err.dataset.col) },
    };
  });
}

async function evaluate(src, lang = 'erlang') {
  const before = (await state()).evaluated;
  await section().locator(`input[value="${lang}"]`).check({ force: true });
  await section().locator('textarea').fill(src);
  await page.waitForFunction((n) => Number(document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="inspector"]').dataset.evaluated) > n, before);
  // A language change and the typing may each have queued an evaluation; wait until the last has landed.
  await page.waitForTimeout(200);
  return state();
}

async function shot(name) { await section().screenshot({ path: join(screenshotDir(), `${name}.png`) }); }

test('a shared list: size counts it once, a send copies it three times', async () => {
  const s = await evaluate('begin L = lists:seq(1, 3), {L, L, L} end');
  assert.equal(s.state, 'ok');
  assert.deepEqual(s.sizes, { kind: 'tuple', size: '10', flat_size: '22', 'heap words': '10' });
  assert.equal(s.value, '{[1,2,3],[1,2,3],[1,2,3]}');
  assert.deepEqual(s.objects[0].words, ['header:tuple, arity 3', 'pointer:→ #1', 'pointer:→ #1', 'pointer:→ #1']);
  assert.deepEqual(s.objects.filter((o) => o.shared).map((o) => [o.id, o.refs]), [[1, 3]]);
  assert.deepEqual(s.objects[1].words, ['immediate:1', 'pointer:→ #2']);
  assert.equal(s.objects.length, 4);
  assert.match(s.sharing, /A send would copy 22 words \(flat_size\), 12 of them duplicated because sharing is lost/);
  await shot('inspector-shared-list');
});

test('the examples: map, off-heap binary, float and bignum, Elixir map', async () => {
  let s = await evaluate('#{a => 1}');
  assert.equal(s.sizes.kind, 'flatmap');
  assert.ok(s.objects[0].words[0].startsWith('header:flatmap'), s.objects[0].words[0]);
  assert.ok(s.objects.some((o) => o.words.includes('immediate:a')), 'the key atom is printed');
  await shot('inspector-map');

  s = await evaluate('<<0:800>>');
  assert.deepEqual(s.offHeap, [100]);
  assert.deepEqual(s.sizes, { kind: 'refc_binary', size: '6', flat_size: '6', 'heap words': '6' });
  assert.ok(s.objects[0].words[0].startsWith('header:ProcBin'));
  await shot('inspector-binary');

  s = await evaluate('{1.5, 1 bsl 70}');
  assert.deepEqual(s.objects.map((o) => o.words[0]), ['header:tuple, arity 2', 'header:float', 'header:bignum, 2 digits']);
  assert.equal(s.objects[1].words[1], 'data:1.5');
  assert.equal(s.sizes.size, '8');
  await shot('inspector-numbers');

  s = await evaluate('%{a: 1, b: "two"}', 'elixir');
  assert.equal(s.state, 'ok');
  assert.equal(s.sizes.kind, 'flatmap');
  assert.ok(s.objects.some((o) => o.words[0] === 'header:heap binary'), 'the string is a heap binary');
  await shot('inspector-elixir');
});

test('the example buttons fill the input and switch the language', async () => {
  await section().locator('button.example', { hasText: 'Elixir map' }).click();
  await page.waitForTimeout(400);
  const s = await state();
  assert.equal(await section().locator('textarea').inputValue(), '%{a: 1, b: "two"}');
  assert.equal(await section().locator('input[value="elixir"]').isChecked(), true);
  assert.equal(s.state, 'ok');
});

test('errors are shown under the input with the column marked', async () => {
  let s = await evaluate('{1,\n  2 +}');
  assert.equal(s.state, 'error');
  assert.deepEqual([s.error.line, s.error.col], [2, 6]);
  assert.match(s.error.text, /^2:6: syntax error\n {2}2 \+\}\n {5}\^$/);
  assert.equal(await section().locator('textarea').getAttribute('aria-invalid'), 'true');
  await shot('inspector-error');
  s = await evaluate('ets:lookup(t, k)');
  assert.match(s.error.text, /not modelled yet: ets:lookup\/2/);
  s = await evaluate('1');
  assert.equal(s.error, null);
  assert.equal(s.sizes.kind, 'fixnum');
  assert.equal(s.objects.length, 0);
});

test('an expression at the evaluator\'s limits returns, and the page stays responsive meanwhile', async (t) => {
  let s = await evaluate('lists:seq(1, 100000000)');
  assert.equal(s.state, 'error');
  assert.match(s.error.text, /too large/);
  // About half a second of evaluation (the evaluator's step limit), in the worker: stepping goes on while it runs.
  const before = s.evaluated;
  const t0 = Date.now();
  await section().locator('textarea').fill('lists:foldl(fun(X, A) -> X + A end, 0, lists:seq(1, 5000000))');
  await page.waitForTimeout(250);
  await page.locator('beam-viz').locator('button.forward').click();
  await page.waitForSelector('beam-viz[data-step="1"]', { timeout: 1000 });
  const stepped = Date.now() - t0;
  await page.waitForFunction((n) => Number(document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="inspector"]').dataset.evaluated) > n, before, { timeout: 20000 });
  s = await state();
  t.diagnostic(`stepped after ${stepped} ms; the evaluation ended after ${Date.now() - t0} ms`);
  assert.match(s.error.text, /too many evaluation steps/);
  // A newer expression replaces one still running.
  await section().locator('textarea').fill('lists:foldl(fun(X, A) -> X + A end, 0, lists:seq(1, 5000000))');
  await page.waitForTimeout(300);
  s = await evaluate('{done}');
  assert.equal(s.state, 'ok');
  assert.equal(s.value, '{done}');
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});
