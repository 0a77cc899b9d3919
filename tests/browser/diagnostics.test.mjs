// SPDX-License-Identifier: MIT OR Apache-2.0
// The diagnostics views of issue 8: top processes (recon:proc_count/2), selection across views, the process drill-down,
// the recon:bin_leak/1 report and highlight, which erlang:memory() category grows, the VM switches and their permalink,
// keyboard-only use, dark theme at 375 px.
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

// The known answer (tests/it/scenarios.rs `top_and_bin_leak_find_the_leaking_processes`): before the leak step c holds
// three dropped 1000-byte binaries, a one dropped 2000-byte binary, b a 500-byte one it still uses, d two messages.
const LEAK = `# Leaky
Who holds binaries?

actor a
actor b
actor c
actor d
a: x = :binary.copy(<<1>>, 2000)
a: _ = x
b: y = :binary.copy(<<1>>, 500)
c: for i <- 1..3, do: z = :binary.copy(<<i>>, 1000)
c: _ = z
a: m = {1, 2}
a: send(d, m)
a: send(d, m)
:recon.bin_leak(2)
`;

const viz = () => page.locator('beam-viz');
const seek = async (n) => {
  await page.evaluate((s) => { document.querySelector('beam-viz').step = s; }, n);
  await page.waitForSelector(`beam-viz[data-step="${n}"]`);
  // One more frame: the diagnostics render in the same frame as the step.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
};
const openLeak = async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=0`);
  await page.waitForSelector('beam-viz[data-step="0"]');
  await page.evaluate((src) => { document.querySelector('beam-viz').source = src; }, LEAK);
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('header h2').textContent === 'Leaky');
  return Number(await page.evaluate(() => document.querySelector('beam-viz').length));
};
const topRows = () => viz().locator('[data-view="top"] tbody tr').evaluateAll((rows) => rows.map((r) => ({
  name: r.querySelector('button.pick').textContent, value: Number(r.dataset.value), pid: Number(r.dataset.pid),
})));
const rankBy = async (key) => {
  await viz().locator('[data-view="top"] select.top-by-key').selectOption(key);
  await page.waitForFunction((k) => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="top"] th[aria-sort]')?.textContent === k, key);
};

test('top ranks by binary memory, message_queue_len and memory as the core does', async () => {
  const last = await openLeak();
  await seek(last - 1);
  await rankBy('binary_memory');
  assert.deepEqual((await topRows()).map((r) => [r.name, r.value]), [['c', 3000], ['a', 2000], ['b', 500], ['d', 0]]);
  await rankBy('message_queue_len');
  assert.deepEqual((await topRows())[0], { name: 'd', value: 2, pid: 3 });
  await rankBy('memory');
  const rows = await topRows();
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].value >= rows[i].value, JSON.stringify(rows));
  // The same numbers as the process_info table's memory column.
  const table = await viz().locator('[data-view="processes"] tbody tr').evaluateAll((trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.pid, Number(tr.querySelector('td[data-key="memory (B)"]').firstChild.textContent)])));
  for (const r of rows) assert.equal(r.value, table[r.pid], r.name);
  // After the leak, c and a hold nothing: only b's binary is left.
  await seek(last);
  await rankBy('binary_memory');
  assert.deepEqual((await topRows()).map((r) => [r.name, r.value]), [['b', 500], ['a', 0], ['c', 0], ['d', 0]]);
  await viz().locator('[data-view="top"]').screenshot({ path: join(screenshotDir(), 'diagnostics-top.png') });
});

test('a top row selects its process in every view; the selection survives stepping', async () => {
  const last = await openLeak();
  await seek(last - 1);
  await rankBy('binary_memory');
  await viz().locator('[data-view="top"] tr[data-pid="2"] button.pick').click();
  await page.waitForSelector('beam-viz[selected="2"]');
  const marked = async () => viz().evaluate((el) => {
    const r = el.shadowRoot;
    const sel = (q) => [...r.querySelectorAll(q)].map((n) => n.dataset.pid ?? n.dataset.process);
    return {
      memory: sel('[data-view="process-memory"] .proc.selected'),
      table: sel('[data-view="processes"] tr.selected'),
      mailboxes: sel('[data-view="mailboxes"] .who.selected'),
      lifecycle: sel('[data-view="lifecycle"] g.chip.selected'),
      top: sel('[data-view="top"] tr.selected'),
      pressed: [...r.querySelectorAll('[data-view="top"] button.pick[aria-pressed="true"]')].map((b) => b.textContent),
      drill: r.querySelector('[data-view="process"] .who-head')?.dataset.pid,
    };
  });
  const want = { memory: ['2'], table: ['2'], mailboxes: ['2'], lifecycle: ['c'], top: ['2'], pressed: ['c'], drill: '2' };
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  assert.deepEqual(await marked(), want);
  await seek(3);
  // At step 3 only a, b and c exist; c is still the one followed.
  assert.deepEqual(await marked(), want);
  // A row of the process_info table selects too, and so does a lifecycle chip.
  await viz().locator('[data-view="processes"] tbody tr[data-pid="0"] th').click();
  await page.waitForSelector('beam-viz[selected="0"]');
  await viz().locator('[data-view="lifecycle"] g.chip[data-process="b"]').click();
  await page.waitForSelector('beam-viz[selected="1"]');
  await viz().evaluate((el) => { el.selected = null; });
  await page.waitForFunction(() => !document.querySelector('beam-viz').shadowRoot.querySelector('.selected'));
});

test('the drill-down shows every item the model knows of the selected process, terms in the chosen syntax', async () => {
  const last = await openLeak();
  await seek(last - 1);
  await viz().evaluate((el) => { el.selected = 2; });
  const drill = () => viz().locator('[data-view="process"]').evaluate((el) => ({
    head: el.querySelector('.who-head').textContent,
    stage: el.querySelector('[data-role="stage"]').textContent,
    groups: Object.fromEntries([...el.querySelectorAll('.group')].map((g) => [g.dataset.group, Object.fromEntries([...g.querySelectorAll('dd')].map((d) => [d.dataset.key, d.textContent]))])),
    binaries: [...el.querySelectorAll('[data-group="binary"] li')].map((li) => li.textContent),
    messages: [...el.querySelectorAll('[data-group="messages"] li')].map((li) => li.textContent),
  }));
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="process"] .who-head')?.dataset.pid === '2');
  let d = await drill();
  assert.match(d.head, /^c <0\.2\.0>/);
  assert.ok(d.stage.length > 0);
  assert.equal(d.binaries.length, 3);
  for (const b of d.binaries) assert.match(b, /^\{#\d+,1000,1\}$/);
  assert.equal(d.groups.garbage_collection.min_bin_vheap_size, '46422');
  assert.equal(d.groups.garbage_collection.fullsweep_after, '65535');
  assert.deepEqual(Object.keys(d.groups.garbage_collection_info), ['old_heap_block_size', 'heap_block_size', 'mbuf_size', 'recent_size', 'stack_size',
    'old_heap_size', 'heap_size', 'bin_vheap_size', 'bin_vheap_block_size', 'bin_old_vheap_size', 'bin_old_vheap_block_size']);
  // bin_vheap_size counts the three 1000-byte binaries in words: 3 × 125.
  assert.equal(d.groups.garbage_collection_info.bin_vheap_size, '375');
  for (const k of ['memory', 'heap_size', 'stack_size', 'total_heap_size', 'mbuf_size', 'message_queue_len', 'message_queue_data']) assert.ok(k in d.groups.sizes, k);
  // d's mailbox, printed in each syntax by the core.
  await viz().evaluate((el) => { el.selected = 3; });
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="process"] .who-head')?.dataset.pid === '3');
  d = await drill();
  assert.deepEqual(d.messages, ['{1,2}', '{1,2}']);
  await viz().evaluate((el) => { el.syntax = 'elixir'; });
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="process"] [data-group="messages"] li')?.textContent === '{1, 2}');
  d = await drill();
  assert.match(d.head, /^d #PID<0\.3\.0>/);
  await viz().locator('[data-view="process"]').screenshot({ path: join(screenshotDir(), 'diagnostics-process.png') });
  await viz().evaluate((el) => { el.syntax = 'erlang'; el.selected = null; });
});

test('bin_leak: the recon report per process and the released binaries outlined', async () => {
  const last = await openLeak();
  await seek(last - 1);
  assert.equal(await viz().locator('[data-view="bin-leak"]').isHidden(), true);
  await seek(last);
  const report = await viz().locator('[data-view="bin-leak"] tbody tr').evaluateAll((rows) => rows.map((r) => [r.querySelector('th').textContent, r.querySelector('[data-key="refs"]').textContent, r.querySelector('[data-key="bytes"]').textContent]));
  assert.deepEqual(report, [['c <0.2.0>', '3', '3000'], ['a <0.0.0>', '1', '2000']]);
  const cards = await viz().locator('[data-view="binaries"] g.binary').evaluateAll((gs) => gs.map((g) => ({ freed: g.classList.contains('freed'), released: g.dataset.released === 'true', bytes: g.dataset.bytes })));
  // Four binaries were freed (all released by bin_leak, outlined); b's 500-byte binary is untouched.
  assert.equal(cards.filter((c) => c.freed && c.released).length, 4);
  assert.deepEqual(cards.filter((c) => !c.freed).map((c) => [c.bytes, c.released]), [['500', false]]);
  await viz().locator('[data-view="binaries"]').screenshot({ path: join(screenshotDir(), 'diagnostics-bin-leak-binaries.png') });
  await viz().locator('[data-view="bin-leak"]').screenshot({ path: join(screenshotDir(), 'diagnostics-bin-leak.png') });
  // The memory panel: since the start, four spawned processes (about 2.6 KB each) outgrow the 500 bytes of binary
  // left; over the last 5 steps binary shrank by the 5000 bytes the leak freed (5500 → 500).
  const growth = await viz().locator('[data-role="growth"]').evaluate((el) => ({
    start: el.dataset.growingSinceStart, binary: el.querySelector('tr[data-category="binary"] td[data-key="recent"]').textContent,
  }));
  assert.deepEqual(growth, { start: 'processes', binary: '-5000' });
  // Right after c's loop (`c: _ = z`, four steps before the leak): binary grew by b's 500 and c's 3000 bytes over the
  // last 5 steps, and no process's memory did (a ProcBin fits in a heap that has room): no process is responsible.
  await seek(last - 4);
  const before = await viz().locator('[data-role="growth"]').evaluate((el) => ({ now: el.dataset.growing, text: el.textContent }));
  assert.equal(before.now, 'binary', before.text);
  assert.match(before.text, /Growing now: binary, \+3500 B over the last 5 steps/);
  assert.match(before.text, /No process's memory grew meanwhile/);
  await viz().locator('[data-view="memory"]').screenshot({ path: join(screenshotDir(), 'diagnostics-memory.png') });
});

const heapUsedOfB = () => page.waitForFunction(() => {
  const dd = document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="process"] [data-group="garbage_collection_info"] dd[data-key="heap_size"]');
  return dd ? Number(dd.textContent) : null;
}).then((h) => h.jsonValue());

test('switches: sharing-preserving copy keeps {l, l, l} at 24 words in b, in the core and in the permalink', async () => {
  // Step 5 of send-loses-sharing is `send(b, t)`; b is pid 1.
  await page.goto('about:blank'); // a new document, not a hash change of the last test's page
  await page.goto(`${baseUrl()}#scenario=send-loses-sharing&step=5&sel=1`);
  await page.waitForSelector('beam-viz[data-step="5"][selected="1"]');
  assert.equal(await heapUsedOfB(), 64);
  assert.equal(await viz().locator('[data-view="switches"] input.vm-sharing').isChecked(), false);
  await viz().locator('[data-view="switches"] input.vm-sharing').check();
  await page.waitForSelector('beam-viz[vm="sharing_preserving:true"]');
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="process"] [data-group="garbage_collection_info"] dd[data-key="heap_size"]')?.textContent === '24');
  assert.equal(await viz().getAttribute('data-step'), '5');
  await page.waitForFunction(() => location.hash.includes('vm=sharing_preserving:true'));
  const hash = await page.evaluate(() => location.hash);
  assert.equal(hash, '#scenario=send-loses-sharing&step=5&vm=sharing_preserving:true&sel=1');
  // The scenario's own checkpoint (measured on a default VM) now fails, as it should.
  assert.equal(await viz().locator('.checks li[data-ok="false"]').count(), 1);
  await viz().locator('[data-view="switches"]').screenshot({ path: join(screenshotDir(), 'diagnostics-switches.png') });
  // The link opens the same run.
  const other = await browser.newPage();
  await other.setViewportSize({ width: 1280, height: 1000 });
  const otherErrors = collectConsoleErrors(other);
  await other.goto(`${baseUrl()}${hash}`);
  await other.waitForSelector('beam-viz[data-step="5"][selected="1"][vm="sharing_preserving:true"]');
  await other.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="process"] [data-group="garbage_collection_info"] dd[data-key="heap_size"]')?.textContent === '24');
  assert.equal(await other.locator('beam-viz [data-view="switches"] input.vm-sharing').isChecked(), true);
  // +hmqd off_heap: the message waits in a fragment outside b's heap.
  await other.locator('beam-viz [data-view="switches"] select.vm-hmqd').selectOption('off_heap');
  await other.waitForSelector('beam-viz[vm="message_queue_data:off_heap,sharing_preserving:true"]');
  await other.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="process"] [data-group="garbage_collection_info"] dd[data-key="heap_size"]')?.textContent === '0');
  // fullsweep_after and min_heap_size defaults: a bigger min_heap_size gives b a bigger heap block.
  await other.locator('beam-viz [data-view="switches"] input.vm-min-heap').fill('1000');
  await other.locator('beam-viz [data-view="switches"] input.vm-min-heap').press('Enter');
  await other.waitForSelector('beam-viz[vm="message_queue_data:off_heap,sharing_preserving:true,min_heap_size:1000"]');
  await other.waitForFunction(() => Number(document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="process"] [data-group="garbage_collection_info"] dd[data-key="heap_block_size"]')?.textContent) >= 1000);
  // The scenario's own settings again.
  await other.locator('beam-viz [data-view="switches"] button.vm-reset').click();
  await other.waitForFunction(() => !document.querySelector('beam-viz').hasAttribute('vm'));
  await other.waitForFunction(() => !location.hash.includes('vm='));
  // A bad value in a link falls back to the scenario's own switches, with the core's message.
  await other.goto(`${baseUrl()}#scenario=send-loses-sharing&step=5&vm=sharing_preserving:maybe`);
  await other.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('.error:not([hidden])')?.textContent.includes('sharing_preserving: bad value maybe'));
  assert.deepEqual(otherErrors, []);
  await other.close();
});

test('switches on a heavy scenario: timed in the worker first, then run only when asked, keeping the step', async () => {
  await page.goto(`${baseUrl()}?scenario=process-lifecycle&step=0`);
  await page.waitForSelector('beam-viz[data-step="0"]');
  // 20,000 steps of one process (a `for` statement is one step per iteration): a run of a few hundred ms.
  const src = '# Heavy\nMany steps.\n\nactor q\nq: for i <- 1..20000, do: x = [i]\n';
  await page.evaluate((s) => { const el = document.querySelector('beam-viz'); el.setAttribute('inspector', 'off'); el.source = s; }, src);
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('header h2').textContent === 'Heavy');
  await seek(150);
  await viz().locator('[data-view="switches"] select.vm-hmqd').selectOption('off_heap');
  // The run takes well over 50 ms: the widget waits, and says so.
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="switches"] .vm-note')?.dataset.state === 'slow');
  assert.equal(await viz().getAttribute('vm'), null);
  await seek(151);
  assert.equal(await viz().locator('[data-view="switches"] .vm-note').getAttribute('data-state'), 'slow', 'stepping keeps the offer');
  await viz().locator('[data-view="switches"] button.vm-run').click();
  await page.waitForSelector('beam-viz[vm="message_queue_data:off_heap"][data-step="151"]');
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="switches"] select.vm-hmqd').value === 'off_heap');
});

test('keyboard only: Tab to a top row, Enter selects; Space flips a switch; arrows in the controls do not step', async () => {
  await page.goto('about:blank'); // a new document, not a hash change of the last test's page
  await page.goto(`${baseUrl()}#scenario=send-loses-sharing&step=5`);
  await page.waitForSelector('beam-viz[data-step="5"]');
  await viz().focus();
  const active = () => page.evaluate(() => {
    const a = document.querySelector('beam-viz').shadowRoot.activeElement;
    return a ? `${a.tagName.toLowerCase()}.${a.className}` : '';
  });
  const tabTo = async (cls) => {
    for (let i = 0; i < 300; i++) {
      if ((await active()).includes(cls)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${cls}`);
  };
  await tabTo('vm-sharing');
  await page.keyboard.press('Space');
  await page.waitForSelector('beam-viz[vm="sharing_preserving:true"][data-step="5"]');
  await tabTo('pick');
  await page.keyboard.press('Enter');
  await page.waitForSelector('beam-viz[selected]');
  await tabTo('top-by-key');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.querySelector('beam-viz').shadowRoot.querySelector('[data-view="top"] th[aria-sort]')?.textContent === 'total_heap_size');
  assert.equal(await viz().getAttribute('data-step'), '5');
});

test('dark theme at 375 px: the diagnostics fit without sideways scrolling', async () => {
  await page.setViewportSize({ width: 375, height: 900 });
  await page.goto('about:blank'); // a new document, not a hash change of the last test's page
  await page.goto(`${baseUrl()}#scenario=send-loses-sharing&step=5&sel=1`);
  await page.waitForSelector('beam-viz[data-step="5"][selected="1"]');
  await viz().evaluate((el) => { el.theme = 'dark'; });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'no sideways scroll');
  for (const v of ['switches', 'top', 'process']) {
    const box = await viz().locator(`[data-view="${v}"]`).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 375 + 1, `${v} fits: ${JSON.stringify(box)}`);
  }
  await viz().locator('[data-view="top"]').screenshot({ path: join(screenshotDir(), 'diagnostics-375-dark-top.png') });
  await viz().locator('[data-view="process"]').screenshot({ path: join(screenshotDir(), 'diagnostics-375-dark-process.png') });
  await viz().locator('[data-view="switches"]').screenshot({ path: join(screenshotDir(), 'diagnostics-375-dark-switches.png') });
  await page.setViewportSize({ width: 1280, height: 1000 });
  assert.deepEqual(errors, []);
});
