// SPDX-License-Identifier: MIT OR Apache-2.0
// The diagnostics views of <beam-viz> (issue 8): what a BEAM engineer reaches for when memory misbehaves.
// data-view="top" (recon:proc_count/2), "process" (process_info/2, observer's process tab), "bin-leak" (recon:bin_leak/1's
// report), "switches" (the emulator's +hmqd, sharing-preserving copying, fullsweep_after and min_heap_size defaults), and
// the growth table of the "memory" view. Every number comes from the core through `Sim` (diagnostics.rs); this file
// only renders, keeps UI state (the ranking key) and marks the selected process in the other views.

import { h } from './dom.js';
import { patchChildren } from './render-svg.js';

/** The rankings of recon:proc_count/2 offered: [key, label]. */
export const TOP_KEYS = [
  ['memory', 'memory (bytes)'], ['total_heap_size', 'total_heap_size (words)'],
  ['binary_memory', 'binary memory held (bytes)'], ['message_queue_len', 'message_queue_len'],
];
/** Rows of the top table, as `recon:proc_count(Attr, 10)`. */
const TOP_ROWS = 10;
/** Steps over which "growing now" is measured. */
export const GROWTH_WINDOW = 5;
/** A re-run on other switches that took longer than this in the worker waits for "Run it" (the editor's rule). */
export const QUICK_RUN_MS = 50;
/** The VM switches, in the order of the control and of a `vm` attribute written by it. */
const VM_KEYS = ['message_queue_data', 'sharing_preserving', 'fullsweep_after', 'min_heap_size'];

export const CSS = `
.diag-panels { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px; align-items: start; }
@media (max-width: 900px) { .diag-panels { grid-template-columns: minmax(0, 1fr); } }
.top-by { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 0 0 8px; font-size: 13px; color: var(--bv-muted); }
table.top td.ranked, table.top th[aria-sort] { font-weight: 700; color: var(--bv-ink); }
table.top button.pick { min-width: 0; padding: 2px 10px; font: 600 12.5px system-ui, sans-serif; }
table.top button.pick[aria-pressed="true"] { background: var(--bv-young); border-color: var(--bv-young); color: #fff; }
tr.selected > *, .who.selected { background: color-mix(in srgb, var(--bv-young) 16%, transparent); }
tr.selected > th[scope="row"]::before, .who.selected::before { content: "▶ "; color: var(--bv-young); }
.proc.selected { outline: 3px solid var(--bv-young); outline-offset: 4px; border-radius: 6px; }
.proc.selected::before { content: "selected"; font: 700 11px system-ui, sans-serif; color: var(--bv-young); text-transform: uppercase; letter-spacing: .08em; }
g.chip.selected .chip-bg { stroke: var(--bv-ink); stroke-width: 3; }
g.chip { cursor: pointer; }
.pinfo tbody tr { cursor: pointer; }
[data-view="process"] .who-head { margin: 0 0 6px; font-weight: 700; }
[data-view="process"] .groups { display: flex; flex-wrap: wrap; gap: 10px 22px; }
[data-view="process"] dl { margin: 0; display: grid; grid-template-columns: auto auto; gap: 1px 12px; font-size: 12.5px; align-content: start; }
[data-view="process"] dt { color: var(--bv-muted); font-family: ui-monospace, Menlo, Consolas, monospace; }
[data-view="process"] dd { margin: 0; font: 600 12.5px ui-monospace, Menlo, Consolas, monospace; text-align: right; }
[data-view="process"] h4 { margin: 8px 0 3px; font: 600 12px ui-monospace, Menlo, Consolas, monospace; color: var(--bv-muted); }
[data-view="process"] ol, [data-view="process"] ul { margin: 0; padding-left: 22px; font: 12.5px ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
[data-view="process"] button.clear { min-width: 0; font-weight: 500; font-size: 12.5px; padding: 2px 8px; margin-left: 8px; }
[data-view="bin-leak"] { border: 2px solid var(--bv-procbin); }
[data-view="bin-leak"] p { margin: 6px 0 0; font-size: 12.5px; color: var(--bv-muted); }
g.binary.released .bin-card { stroke: var(--bv-gc); stroke-width: 3; stroke-dasharray: 7 4; }
.released-note { font-size: 11.5px; font-weight: 700; fill: var(--bv-gc); }
.mem-growth { margin: 10px 0 0; font-size: 13px; }
.mem-growth p { margin: 0 0 6px; }
.mem-growth tr.growing > * { color: var(--bv-gc); font-weight: 700; }
[data-view="switches"] form { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: center; font-size: 13px; }
[data-view="switches"] label { display: inline-flex; gap: 6px; align-items: center; }
[data-view="switches"] input[type="number"] { width: 9ch; font: inherit; padding: 4px 6px; border-radius: 7px; border: 1px solid #b9c0cc; background: var(--bv-surface); color: var(--bv-ink); }
[data-view="switches"] button { min-width: 0; font-weight: 500; }
[data-view="switches"] .vm-note { margin: 6px 0 0; font-size: 12.5px; color: var(--bv-muted); }
[data-view="switches"] .vm-note code { font: 12px ui-monospace, Menlo, Consolas, monospace; }
`;

let worker = null;
let pending = null;

/** Runs scenario text `src` on switches `vm` in the editor's worker (scenario-worker.js), timed: `{ok: {ms, ...}}`, or
 * `{error: {message}}`, or null when a newer call superseded it (its worker is terminated).
 * @param {string} src @param {string} vm @returns {Promise<object|null>} */
export function timeRun(src, vm) {
  if (pending) {
    worker.terminate();
    worker = null;
    pending(null);
  }
  worker ??= new Worker(new URL('./scenario-worker.js', import.meta.url), { type: 'module' });
  return new Promise((resolve) => {
    pending = resolve;
    const done = (res) => {
      pending = null;
      resolve(res);
    };
    worker.onmessage = (e) => done(e.data.res);
    worker.onerror = (e) => {
      e.preventDefault();
      worker?.terminate();
      worker = null;
      done({ error: { message: `the run could not start its worker: ${e.message || 'worker error'}` } });
    };
    worker.postMessage({ id: 0, src, vm });
  });
}

/** `SETTING:VALUE,...` → Map, dropping what is not a switch (the core reports bad values). @param {string} text */
export function parseVm(text) {
  const out = new Map();
  for (const item of (text ?? '').split(',')) {
    const at = item.indexOf(':');
    const key = item.slice(0, at).trim();
    if (at > 0 && VM_KEYS.includes(key)) out.set(key, item.slice(at + 1).trim());
  }
  return out;
}

/** Map → `SETTING:VALUE,...` in the control's order. @param {Map<string,string>} map */
export function formatVm(map) {
  return VM_KEYS.filter((k) => map.has(k)).map((k) => `${k}:${map.get(k)}`).join(',');
}

/** A pid as the chosen syntax prints it. @param {number} pid @param {string} syntax */
function pidText(pid, syntax) {
  return syntax === 'elixir' ? `#PID<0.${pid}.0>` : `<0.${pid}.0>`;
}

/** The diagnostics views of one widget. `onSelect(pid)` and `onVm(text)` report user choices to the element;
 * `rerender()` asks it for a new frame (a new ranking key). */
export class Diagnostics {
  /** @param {{onSelect:(pid:number|null)=>void, onVm:(vm:string)=>void, rerender:()=>void}} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    /** The last inputs rendered, to skip reading the core again when nothing changed. */
    this.key = '';
    this.report = { released: [], binaries: [], freed: [] };
    this.topBy = h('select', { class: 'top-by-key', id: 'bv-top-by' }, ...TOP_KEYS.map(([k, label]) => new Option(label, k)));
    this.topTable = h('table', { class: 'pinfo top' });
    this.topNote = h('p', { class: 'empty' });
    this.top = h('section', { 'data-view': 'top' },
      h('h3', { text: 'Top processes · recon:proc_count/2' }),
      h('p', { class: 'top-by' }, h('label', { for: 'bv-top-by', text: 'Rank by' }), this.topBy),
      h('div', { class: 'scroll' }, this.topTable), this.topNote);
    this.procBody = h('div', { class: 'proc-info' });
    this.process = h('section', { 'data-view': 'process' }, h('h3', { text: 'Process · process_info/2' }), this.procBody);
    this.panels = h('div', { class: 'diag-panels' }, this.top, this.process);
    this.leakBody = h('div');
    this.binLeak = h('section', { 'data-view': 'bin-leak', hidden: '' }, h('h3', { text: 'recon:bin_leak/1 report' }), this.leakBody);
    this.growth = h('div', { class: 'mem-growth', 'data-role': 'growth' });

    this.hmqd = h('select', { class: 'vm-hmqd', 'aria-label': '+hmqd: message_queue_data default' },
      new Option('on_heap', 'on_heap'), new Option('off_heap', 'off_heap'));
    this.sharing = h('input', { type: 'checkbox', class: 'vm-sharing' });
    this.fullsweep = h('input', { type: 'number', min: '0', max: '4294967295', step: '1', class: 'vm-fullsweep', 'aria-label': 'fullsweep_after default' });
    this.minHeap = h('input', { type: 'number', min: '0', step: '1', class: 'vm-min-heap', 'aria-label': 'min_heap_size default, in words' });
    this.vmReset = h('button', { type: 'button', class: 'vm-reset', text: "Use the scenario's vm line" });
    this.vmNote = h('p', { class: 'vm-note' });
    const form = h('form', { 'aria-label': 'VM switches: changing one runs the scenario again' },
      h('label', {}, '+hmqd', this.hmqd),
      h('label', {}, this.sharing, 'sharing-preserving copy'),
      h('label', {}, 'fullsweep_after', this.fullsweep),
      h('label', {}, 'min_heap_size', this.minHeap),
      this.vmReset);
    form.addEventListener('submit', (e) => e.preventDefault());
    this.switches = h('section', { 'data-view': 'switches' }, h('h3', { text: 'VM switches' }), form, this.vmNote);
    this.vm = '';
    /** Switches being tried in the worker, or waiting for "Run it": {vm, ms?, run?, error?}. */
    this.pending = null;

    this.topBy.addEventListener('change', () => { this.key = ''; this.hooks.rerender(); });
    this.topTable.addEventListener('click', (e) => {
      const row = e.target.closest?.('tr[data-pid]');
      if (row) this.hooks.onSelect(Number(row.dataset.pid));
    });
    const set = (key, value) => {
      const map = parseVm(this.vm);
      map.set(key, value);
      this.hooks.onVm(formatVm(map));
    };
    this.hmqd.addEventListener('change', () => set('message_queue_data', this.hmqd.value));
    this.sharing.addEventListener('change', () => set('sharing_preserving', String(this.sharing.checked)));
    for (const [input, key] of [[this.fullsweep, 'fullsweep_after'], [this.minHeap, 'min_heap_size']]) {
      input.addEventListener('change', () => {
        // Only whole numbers reach the core; anything else puts the value in force back.
        if (/^\d{1,10}$/.test(input.value)) set(key, String(Number(input.value)));
        else this.key = '';
        this.hooks.rerender();
      });
    }
    this.vmReset.addEventListener('click', () => { if (this.vm) this.hooks.onVm(''); });
    // Arrow keys inside these controls change them; they must not also step the widget.
    for (const el of [this.switches, this.topBy]) {
      el.addEventListener('keydown', (e) => { if (e.target.matches('select, input')) e.stopPropagation(); });
    }
  }

  /** Renders the views for step `step` of `sim`, with process `selected` (a pid or null) and terms in `syntax`.
   * @param {object} sim a Sim @param {number} step @param {object} view the frame's view @param {number|null} selected @param {string} syntax @param {string} vm the element's forced switches */
  render(sim, step, view, selected, syntax, vm) {
    this.vm = vm;
    const key = `${step}|${selected}|${syntax}|${this.topBy.value}|${vm}`;
    if (this.sim === sim && this.key === key) return;
    this.sim = sim;
    this.key = key;
    const d = sim.diagnostics(step, this.topBy.value, TOP_ROWS, selected, GROWTH_WINDOW);
    this.#renderTop(d.top, view, selected);
    this.#renderProcess(d.process, selected, syntax);
    this.report = d.bin_leak;
    this.#renderBinLeak(this.report, syntax);
    this.#renderGrowth(d.growth, step);
    this.#renderSwitches(d.vm, vm);
  }

  #renderTop(top, view, selected) {
    const head = h('tr', {}, h('th', { scope: 'col', text: '#' }), h('th', { scope: 'col', text: 'process' }),
      ...TOP_KEYS.map(([k]) => h('th', { scope: 'col', text: k, ...(k === top.by ? { 'aria-sort': 'descending' } : {}) })));
    const rows = top.rows.map((r, i) => h('tr', { 'data-pid': String(r.pid), 'data-value': String(r.value) },
      h('td', { text: String(i + 1) }),
      h('th', { scope: 'row' }, h('button', { type: 'button', class: 'pick', 'aria-pressed': String(r.pid === selected), 'aria-label': `Select ${r.name}`, text: r.name })),
      ...TOP_KEYS.map(([k]) => h('td', { 'data-key': k, class: k === top.by ? 'ranked' : '', text: String(r[k]) }))));
    // Rows equal to the ones shown stay (patchChildren): the ranking rarely changes from one step to the next.
    if (this.topTable.tHead?.rows[0]?.isEqualNode(head) !== true) this.topTable.replaceChildren(h('thead', {}, head), h('tbody'));
    patchChildren(this.topTable.tBodies[0], rows);
    const running = view.processes.filter((p) => p.alive).length;
    this.topNote.textContent = running ? `${top.rows.length} of ${running} running processes, largest ${top.by} first. Select one to follow it in every view.` : 'No running processes.';
  }

  #renderProcess(info, selected, syntax) {
    const body = this.procBody;
    if (selected === null) return body.replaceChildren(h('p', { class: 'empty', text: 'Select a process in the top table (or the process_info table) to see everything the model knows of it.' }));
    const clear = h('button', { type: 'button', class: 'clear', text: 'Clear selection' });
    clear.addEventListener('click', () => this.hooks.onSelect(null));
    if (!info) return body.replaceChildren(h('p', { class: 'who-head' }, `${pidText(selected, syntax)} does not exist at this step.`, clear));
    const call = (item) => (syntax === 'elixir' ? `Process.info(pid, :${item})` : `process_info(Pid, ${item})`);
    const dl = (obj) => h('dl', {}, ...Object.entries(obj).flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { 'data-key': k, text: String(v) })]));
    const group = (title, obj, item) => h('div', { class: 'group', 'data-group': item }, h('h4', { text: title }), dl(obj));
    const state = info.alive ? `${info.stage}${info.hibernated ? ' (hibernated)' : ''}` : 'exited';
    const bins = info.binaries.length
      ? h('ol', { 'data-group': 'binary' }, ...info.binaries.map((b) => h('li', { 'data-binary': String(b.id), text: syntax === 'elixir' ? `{#${b.id}, ${b.size}, ${b.refc}}` : `{#${b.id},${b.size},${b.refc}}` })))
      : h('p', { class: 'empty', text: 'none' });
    const msgs = info.messages.length
      ? h('ol', { 'data-group': 'messages' }, ...info.messages.map((m) => h('li', { 'data-message': '', text: m })))
      : h('p', { class: 'empty', text: 'empty' });
    const vars = info.vars.length
      ? h('ul', { 'data-group': 'vars' }, ...info.vars.map((v) => h('li', { text: `${v.name} = ${v.value}  (${v.size} words)` })))
      : h('p', { class: 'empty', text: 'none' });
    body.replaceChildren(
      h('p', { class: 'who-head', 'data-pid': String(info.pid) }, `${info.name} ${pidText(info.pid, syntax)} · lifecycle stage: `, h('span', { 'data-role': 'stage', text: state }), clear),
      h('div', { class: 'groups' },
        group('sizes (words; memory in bytes)', { ...info.sizes, message_queue_data: info.message_queue_data }, 'sizes'),
        group(call('garbage_collection'), info.garbage_collection, 'garbage_collection'),
        group(call('garbage_collection_info'), info.garbage_collection_info, 'garbage_collection_info'),
        group('GCs so far', info.gc_counters, 'gc_counters')),
      h('h4', { text: `${call('binary')}: {id, size, refc}` }), bins,
      h('h4', { text: `${call('messages')}` }), msgs,
      h('h4', { text: 'variables' }), vars);
  }

  #renderBinLeak(report, syntax) {
    this.binLeak.hidden = report.released.length === 0 && report.binaries.length === 0;
    if (this.binLeak.hidden) return this.leakBody.replaceChildren();
    const head = h('tr', {}, ...['process', 'references released', 'bytes released'].map((k) => h('th', { scope: 'col', text: k })));
    const rows = report.released.map((r) => h('tr', { 'data-pid': String(r.pid) },
      h('th', { scope: 'row', text: `${r.name} ${pidText(r.pid, syntax)}` }), h('td', { 'data-key': 'refs', text: String(r.refs) }), h('td', { 'data-key': 'bytes', text: String(r.bytes) })));
    const freed = report.freed.length;
    const kept = report.binaries.length - freed;
    this.leakBody.replaceChildren(h('table', { class: 'pinfo' }, h('thead', {}, head), h('tbody', {}, ...rows)),
      h('p', { text: `Every process was garbage-collected; the table lists who let go of the most binary references, as recon sorts them. ${freed} binar${freed === 1 ? 'y was' : 'ies were'} freed and ${Math.max(0, kept)} lost a reference: they are outlined in the binaries view.` }));
  }

  #renderGrowth(g, step) {
    const byName = (list) => new Map(list.map((c) => [c.category, c]));
    const since = byName(g.since_start);
    const signed = (n) => (n > 0 ? `+${n}` : String(n));
    const rows = g.recent.map((c) => h('tr', { class: c.category === g.growing ? 'growing' : '', 'data-category': c.category },
      h('th', { scope: 'row', text: c.category === g.growing ? `${c.category} ▲ growing` : c.category }),
      h('td', { text: String(c.now) }), h('td', { 'data-key': 'recent', text: signed(c.delta) }), h('td', { 'data-key': 'since', text: signed(since.get(c.category).delta) })));
    const head = h('tr', {}, ...['category', 'now (B)', `last ${g.window} steps`, 'since step 0'].map((k) => h('th', { scope: 'col', text: k })));
    const lines = [];
    if (step === 0) lines.push('Nothing has run yet.');
    else if (g.growing) lines.push(`Growing now: ${g.growing}, ${signed(g.recent.find((c) => c.category === g.growing).delta)} B over the last ${g.window} step${g.window === 1 ? '' : 's'}.`);
    else lines.push(`No category grew over the last ${g.window} step${g.window === 1 ? '' : 's'}.`);
    if (step > 0 && g.growing_since_start) lines.push(`Since the start, ${g.growing_since_start} grew the most (${signed(since.get(g.growing_since_start).delta)} B).`);
    if (step > 0 && g.growing && g.growing !== 'processes' && g.process) {
      lines.push(g.process.delta > 0
        ? `The largest growth of one process's memory meanwhile: ${g.process.name}, ${signed(g.process.delta)} B.`
        : `No process's memory grew meanwhile: the growth is outside every process (${g.growing} is not counted in any process's memory).`);
    }
    this.growth.dataset.growing = g.growing ?? '';
    this.growth.dataset.growingSinceStart = g.growing_since_start ?? '';
    this.growth.replaceChildren(...lines.map((t) => h('p', { text: t })),
      h('div', { class: 'scroll' }, h('table', { class: 'pinfo' }, h('thead', {}, head), h('tbody', {}, ...rows))));
  }

  #renderSwitches(settings, vm) {
    this.hmqd.value = settings.message_queue_data;
    this.sharing.checked = settings.sharing_preserving;
    // A number being typed is left alone until it is committed (change).
    const typing = (el) => el.getRootNode().activeElement === el;
    if (!typing(this.fullsweep)) this.fullsweep.value = String(settings.fullsweep_after);
    if (!typing(this.minHeap)) this.minHeap.value = String(settings.min_heap_size);
    this.vmReset.setAttribute('aria-disabled', String(!vm));
    // A run still being tried (or waiting for "Run it") keeps its note until it is in force.
    if (this.pending && this.pending.vm !== vm) return this.#showPending();
    this.pending = null;
    delete this.vmNote.dataset.state;
    this.vmNote.replaceChildren(...(vm
      ? ['Forced over the scenario: ', h('code', { text: vm }), '. The scenario ran again with them; the step stays.']
      : ["The scenario's own settings (its vm line, else the defaults). Changing one runs it again and keeps the step."]));
  }

  /** Says that switches `vm` are being tried in the worker; `run` is then null. With `run`, the run took `ms` (too long
   * to repeat on the main thread unasked) and a "Run it" button calls `run`; with `error`, the core refused them.
   * @param {string} vm @param {{ms?:number, run?:()=>void, error?:string}} state */
  pendingVm(vm, { ms, run, error } = {}) {
    this.pending = { vm, ms, run, error };
    this.#showPending();
  }

  #showPending() {
    const { vm, ms, run, error } = this.pending;
    const parts = [h('code', { text: vm || "the scenario's own" }), ': '];
    if (error) parts.push(`not run: ${error}`);
    else if (run) {
      const b = h('button', { type: 'button', class: 'vm-run', text: 'Run it' });
      b.addEventListener('click', run);
      parts.push(`the run took ${(ms / 1000).toFixed(1)} s in the background; `, b);
    } else parts.push('running in the background…');
    this.vmNote.replaceChildren(...parts);
    this.vmNote.dataset.state = error ? 'error' : run ? 'slow' : 'running';
  }

  /** Marks process `pid` (or none) in the other views of `root`, and the binaries the step's bin_leak released.
   * @param {ShadowRoot} root @param {object} view @param {number|null} pid */
  mark(root, view, pid) {
    const name = view.processes.find((p) => p.pid === pid)?.name;
    const on = (el, yes) => {
      el.classList.toggle('selected', yes);
      if (yes) el.dataset.selected = 'true';
      else delete el.dataset.selected;
    };
    for (const el of root.querySelectorAll('.proc[data-pid], [data-view="processes"] tr[data-pid], [data-view="mailboxes"] .who[data-pid], [data-view="top"] tr[data-pid]')) on(el, Number(el.dataset.pid) === pid);
    for (const el of root.querySelectorAll('[data-view="lifecycle"] g.chip')) on(el, name !== undefined && el.dataset.process === name);
    for (const b of root.querySelectorAll('[data-view="top"] button.pick')) b.setAttribute('aria-pressed', String(Number(b.closest('tr').dataset.pid) === pid));
    // bin_leak: the binaries that lost a reference stay on the card list, outlined; the freed ones are the freed cards,
    // drawn in the order of the step's BinaryFreed events, which is the order of `freed`.
    const released = new Set(this.report.binaries.map((b) => b.bin));
    for (const g of root.querySelectorAll('[data-view="binaries"] g.binary:not(.freed)')) {
      const yes = released.has(Number(g.dataset.binary));
      g.classList.toggle('released', yes);
      if (yes) g.dataset.released = 'true';
      else delete g.dataset.released;
    }
    const freedCards = root.querySelectorAll('[data-view="binaries"] g.binary.freed');
    this.report.freed.forEach((bin, i) => {
      const g = freedCards[i];
      if (!g) return;
      g.classList.add('released');
      g.dataset.released = 'true';
      g.dataset.binary = String(bin);
    });
  }
}
