// SPDX-License-Identifier: MIT OR Apache-2.0
// The mailboxes, ETS and erlang:memory() views, on a scenario given as text through the element's `source` property.
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

const SCENARIO = `# Mail and tables
Two messages wait in b's mailbox, and a table holds a copy of a list.

actor a
actor b
a: l = Enum.to_list(1..10)
a: send(b, l)
a: m = {:hello, 1}
a: send(b, m)
a: :ets.new(:t, [])
a: row = {:k, l}
a: :ets.insert(:t, row)
`;

const viz = () => page.locator('beam-viz');
const seek = async (n) => {
  await page.evaluate((s) => { document.querySelector('beam-viz').step = s; }, n);
  await page.waitForSelector(`beam-viz[data-step="${n}"]`);
};

test('mailboxes list each message in order; ETS lists tables with owner, size and memory', async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=0`);
  await page.waitForSelector('beam-viz[data-step="0"]');
  await page.evaluate((src) => { document.querySelector('beam-viz').source = src; }, SCENARIO);
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('header h2').textContent === 'Mail and tables');
  const last = Number(await page.evaluate(() => document.querySelector('beam-viz').length));
  await seek(last);
  const mail = await viz().locator('[data-view="mailboxes"]').evaluate((el) => ({
    heads: [...el.querySelectorAll('.who')].map((p) => p.textContent),
    messages: [...el.querySelectorAll('li[data-message]')].map((li) => li.textContent),
  }));
  assert.deepEqual(mail.heads, ['a: 0 messages', 'b: 2 messages']);
  assert.equal(mail.messages.length, 2);
  assert.match(mail.messages[0], /^\[1,2,3/);
  assert.match(mail.messages[1], /hello/);
  const ets = await viz().locator('[data-view="ets"] tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  assert.equal(ets.length, 1);
  assert.equal(ets[0][1], 'a');
  assert.equal(ets[0][2], '1');
  assert.ok(Number(ets[0][3]) > 305, ets[0].join());
  await viz().locator('[data-view="ets"]').screenshot({ path: join(screenshotDir(), 'views-ets.png') });
});

test('the memory chart has a line per category and marks the current step, numbers from the core', async () => {
  const chart = viz().locator('[data-view="memory"]');
  const read = () => chart.evaluate((el) => ({
    lines: [...el.querySelectorAll('path.mem-line')].map((p) => [p.dataset.series, Number(p.dataset.now)]),
    now: el.querySelector('[data-role="now"]').dataset.step,
  }));
  const at = await read();
  assert.deepEqual(at.lines.map(([s]) => s), ['processes', 'binary', 'ets', 'atom']);
  const ets = at.lines.find(([s]) => s === 'ets')[1];
  assert.ok(ets > 305 * 8, String(ets));
  await seek(1);
  const early = await read();
  assert.equal(early.now, '1');
  assert.equal(early.lines.find(([s]) => s === 'ets')[1], 0);
  await chart.screenshot({ path: join(screenshotDir(), 'views-memory.png') });
});

test('the Erlang / Elixir toggle prints every displayed term in that syntax', async () => {
  const last = Number(await page.evaluate(() => document.querySelector('beam-viz').length));
  await seek(last);
  const messages = () => viz().locator('[data-view="mailboxes"] li[data-message]').allTextContents();
  assert.match((await messages())[1], /^\{hello,1\}$/);
  await viz().locator('.syntax label', { hasText: 'Elixir' }).click();
  await page.waitForFunction(() => document.querySelector('beam-viz').getAttribute('syntax') === 'elixir');
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="mailboxes"] li[data-message]:last-child').textContent === '{:hello, 1}');
  assert.match((await messages())[0], /^\[1, 2, 3, /);
  const varLine = await viz().locator('svg.process[data-name="a"] text.var-line').first().textContent();
  assert.match(varLine, /^l = \[1, 2, 3, /);
  await viz().locator('.syntax label', { hasText: 'Erlang' }).click();
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="mailboxes"] li[data-message]:last-child').textContent === '{hello,1}');
});

test('no console errors', () => {
  assert.deepEqual(errors, []);
});

test('DETS tables are listed on disk: objects in a file, none in memory, and the keys the server has not written out', async () => {
  await page.goto(`${baseUrl()}?scenario=ets-vs-dets&step=0`);
  await page.waitForSelector('beam-viz[data-step="0"]');
  const rows = () => viz().locator('[data-view="ets"] tr[data-dets]').evaluateAll((rs) => rs.map((r) => [...r.children].map((c) => c.textContent)));
  assert.deepEqual(await rows(), []);
  // The description's marks render as code, not as backticks.
  const desc = await viz().evaluate((el) => {
    const p = el.shadowRoot.querySelector('header h2').nextElementSibling;
    return { text: p.textContent, code: [...p.querySelectorAll('code')].map((c) => c.textContent) };
  });
  assert.ok(!desc.text.includes('`'), desc.text);
  assert.ok(desc.code.includes(':erlang.memory()'), desc.code.join());
  await seek(7); // after `:dets.insert(:on_disk, row)`
  // A lifecycle chip is as wide as its name ("owner" used to be cut off).
  const chip = await viz().locator('[data-view="lifecycle"] g.chip[data-process="owner"]').evaluate((g) => ({
    text: g.querySelector('text').textContent,
    fits: g.querySelector('text').getComputedTextLength() <= Number(g.querySelector('rect').getAttribute('width')),
  }));
  assert.deepEqual(chip, { text: 'owner', fits: true });
  assert.deepEqual(await rows(), [['on_disk', '1', '1 key', '0: in a file']]);
  const ets = await viz().locator('[data-view="ets"] tr[data-table] td').allTextContents();
  assert.deepEqual(ets, ['owner', '1', '356']);
  await viz().locator('[data-view="ets"]').screenshot({ path: join(screenshotDir(), 'views-dets.png') });
  await seek(13); // after a lookup the cache could not answer: the server wrote its cache to the file
  assert.deepEqual(await rows(), [['on_disk', '1', '0 keys', '0: in a file']]);
  await seek(15); // closed
  assert.deepEqual(await rows(), []);
});
