// SPDX-License-Identifier: MIT OR Apache-2.0
// The wasm Simulator, wrapped: loading, and one frame (view + cells) per step. No model logic here.
// Structured data crosses from wasm as JSON text (smaller bindings than serde objects), parsed here.

let wasm = null;

/** How long a slice of a read runs before it yields (a frame's worth, so the page keeps answering while a long
 * scenario is read), the steps of its first `advance` call (a built-in scenario is read in one), and how long each
 * later call aims to take. */
const SLICE_MS = 12;
const FIRST_CHUNK = 256;
const CHUNK_MS = 2;

/** How a read reports and is stopped: `onProgress(done, total)` after each slice, `cancelled()` asked between slices
 * (true stops the read, which resolves with null), and `cleared`, a promise the run waits for once the text is read
 * (vet's verdict; a rejection refuses the text with its error).
 * @typedef {{onProgress?: (done: number, total: number) => void, cancelled?: () => boolean, cleared?: Promise<unknown>}} Reading */

/** Calls `step(n)` (true once finished) in slices of about SLICE_MS, yielding to the event loop between them, with
 * `progress()` before each yield and `stop()` after it (true stops: resolves false). A slice is as many calls as fit
 * in SLICE_MS; each call is aimed at CHUNK_MS from the speed of the last one (steps differ in cost by orders of
 * magnitude, so it adapts as it goes). @param {(n: number) => boolean} step @param {() => boolean} stop @param {() => void} progress
 * @returns {Promise<boolean>} */
async function slices(step, stop, progress = () => {}) {
  let chunk = FIRST_CHUNK;
  for (;;) {
    const start = performance.now();
    let done = false;
    let at = start;
    while (!done && at - start < SLICE_MS) {
      done = step(chunk);
      const now = performance.now();
      chunk = Math.max(1, Math.min(chunk * 4, Math.floor((chunk * CHUNK_MS) / Math.max(now - at, 0.05))));
      at = now;
    }
    if (done) return true;
    progress();
    await yieldTask();
    if (stop()) return false;
  }
}

/** Resolves in a new task: after rendering and input have had their turn (a message, which is not clamped to 4 ms as
 * nested timeouts are). */
function yieldTask() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });
}

/** Loads and instantiates the wasm package once; rejects with the loader's error. @returns {Promise<object>} */
export function loadWasm() {
  wasm ??= import('../pkg/beamviz_wasm.js').then(async (mod) => {
    await mod.default();
    return mod;
  });
  return wasm;
}

const texts = new Map();

/** The text of built-in scenario `id`, fetched once from `scenarios/ID.scn` beside the page's modules (the wasm module
 * embeds no scenario text, which keeps it smaller); rejects for an id that is not built in (nothing is fetched then)
 * or when the file cannot be fetched. @param {string} id @returns {Promise<string>} */
export async function builtinSource(id) {
  const mod = await loadWasm();
  if (!JSON.parse(mod.Simulator.scenarios()).some((s) => s.id === id)) throw new Error(`no built-in scenario \`${id}\``);
  return fetchText(id);
}

/** The text of `id`, which must be a built-in scenario, fetched once. @param {string} id @returns {Promise<string>} */
function fetchText(id) {
  let text = texts.get(id);
  if (!text) {
    text = fetch(new URL(`../scenarios/${id}.scn`, import.meta.url)).then((res) => {
      if (!res.ok) throw new Error(`scenario ${id}: HTTP ${res.status}`);
      return res.text();
    });
    text.catch(() => texts.delete(id)); // A failed fetch is tried again next time.
    texts.set(id, text);
  }
  return text;
}

/** A scenario being stepped through. Create with `Sim.open(id)`. */
export class Sim {
  #inner;
  /** The frame returned last, reused as "one step earlier" when the next frame is the step after it. */
  #last = null;
  #seriesNames;
  /** How terms are printed: 'erlang' or 'elixir'. */
  syntax = 'erlang';
  /** @param {object} inner a wasm Simulator @param {object} legend @param {string[]} seriesNames the names of `memory_series` values */
  constructor(inner, legend, seriesNames) {
    this.#inner = inner;
    this.legend = legend;
    this.#seriesNames = seriesNames;
  }

  /** Opens built-in scenario `id`, falling back to `fallback` when there is no such scenario; `vm` (`SETTING:VALUE,...`)
   * forces VM switches over the scenario's `vm` line; `reading` as for `fromSource`.
   * @param {string} id @param {string} fallback @param {string} vm @param {Reading} reading @returns {Promise<Sim>} */
  static async open(id, fallback, vm = '', reading = {}) {
    // The fallback is built in: when it is the scenario asked for (the page's default), its text is fetched while the
    // wasm module compiles instead of after (a first visit's first render waits for both). Any other id is checked
    // against the module's list first, so an unknown one fetches nothing.
    const early = id === fallback ? fetchText(id) : null;
    early?.catch(() => {}); // Reported below, when awaited.
    const mod = await loadWasm();
    const known = JSON.parse(mod.Simulator.scenarios()).map((s) => s.id);
    const pick = known.includes(id) ? id : fallback;
    return Sim.#readText(mod, pick, await (early ?? builtinSource(pick)), vm, reading);
  }

  /** Reads and runs scenario text (the editor, a permalink); rejects with `line:col: message` when it is not valid.
   * The run goes a slice at a time between tasks (`reading`: `onProgress(done, total)` after each slice, and
   * `cancelled()`, asked between slices, which stops it: the promise then resolves with null).
   * @param {string} text @param {string} vm forced VM switches, as for `open` @param {Reading} reading @returns {Promise<Sim|null>} */
  static async fromSource(text, vm = '', reading = {}) {
    return Sim.#readText(await loadWasm(), 'custom', text, vm, reading);
  }

  /** `Simulator.open`, then `advance` in slices of about SLICE_MS each with a yield to the event loop between them,
   * so reading a million steps never holds the tab for more than a slice (`open` reads the first few thousand steps
   * and counts the rest; `advance` reads the others as it runs them). While the background check (`cleared`) goes on,
   * the text is read ahead here in slices too, on the other core, without running it. */
  static async #readText(mod, id, text, vm, { onProgress, cancelled, cleared } = {}) {
    const inner = mod.Simulator.open(id, text, vm);
    const stopped = () => {
      if (!cancelled?.()) return false;
      inner.free();
      return true;
    };
    if (cleared) {
      let verdict = false;
      cleared.then(() => { verdict = true; }, () => { verdict = true; });
      // A text that does not read is refused by the check, with the same error: reading ahead just stops.
      const ahead = (n) => { try { return verdict || inner.read_ahead(n); } catch { return true; } };
      if (!(await slices(ahead, stopped))) return null;
      // The run waits for the background check's verdict, and a refusal ends it here.
      try {
        await cleared;
      } catch (err) {
        inner.free();
        throw err;
      }
      if (stopped()) return null;
    }
    const total = inner.steps_total();
    const run = (n) => inner.advance(n);
    if (!(await slices(run, stopped, () => onProgress?.(inner.len(), total)))) return null;
    return new Sim(inner, JSON.parse(mod.Simulator.legend()), JSON.parse(mod.Simulator.memory_series_names()));
  }

  /** What the diagnostics views show at step `step` (diagnostics.rs): {vm, top, process, bin_leak, growth}, with
   * `recon:proc_count(by, n)`, process `pid` (or null) printed in the current syntax, and growth over `window` steps.
   * @param {number} step @param {string} by @param {number} n @param {number|null} pid @param {number} window */
  diagnostics(step, by, n, pid, window) {
    this.#inner.seek(step);
    return JSON.parse(this.#inner.diagnostics(by, n, pid ?? undefined, this.syntax, window));
  }

  /** The scenario's text. */
  get source() { return this.#inner.source(); }
  get id() { return this.#inner.id(); }
  get title() { return this.#inner.title(); }
  get description() { return this.#inner.description(); }
  /** The number of steps after step 0. */
  get length() { return this.#inner.len(); }
  /** Why the scenario stopped early, or undefined. */
  get error() { return this.#inner.error(); }

  /** The frame at step `step`: the view mirror plus each process's cells, and for processes that collected at that
   * step, their cells one step earlier with where each word goes in the collection (`gc_fates_*`, from the core).
   * With `pick` (a function of the view giving a set of pids, or null for all), cells are read for those processes
   * alone: with a thousand processes the page draws a few pictures, and reading every block's cells would cost more
   * than the step. With `detail` (pids), the view carries variables and messages only for those processes and the
   * ones the step's events name (`view_some`): printing a thousand processes' terms costs more than the step; when
   * `pick` then wants every process pictured (few processes after all), the full view is read.
   * @param {number} step @param {((view: object) => Set<number>|null)|null} pick @param {number[]|null} detail */
  frame(step, pick = null, detail = null) {
    const inner = this.#inner;
    // One step earlier: the processes (for the table's changed cells), the young cells of the processes pictured
    // (to outline what changed) and, for processes that collect at this step, their cells and fates.
    const before = new Map();
    const wasYoung = new Map();
    const last = step > 0 && this.#last?.step === step - 1 ? this.#last : null;
    // Stepping forward by one (playback), the machine is still at the step before: what the step will show is read
    // there first, from its events in the history's cache, so no seek goes back for the "before GC" picture.
    const early = last !== null && inner.step() === step - 1;
    if (early) this.#readBefore(last, stepEvents(inner.step_events(step)), pick, before, wasYoung);
    inner.seek(step);
    const read = () => this.#read(detail);
    let view = read();
    if (detail && pick && pick(view) === null) {
      detail = null;
      view = read();
    }
    const cells = new Map();
    const only = pick ? pick(view) : null;
    const wanted = (pid) => !only || only.has(pid);
    for (const p of view.processes) if (wanted(p.pid)) cells.set(p.pid, { young: inner.cells(p.pid, false), old: inner.cells(p.pid, true) });
    let prev = last ? last.view.processes : [];
    if (step > 0) {
      // The first collection of each pictured process at this step decides what its "before" picture shows; those
      // not read early (a jump, or a process the early guess did not picture) need the machine one step back.
      const kinds = new Map();
      for (const e of view.events) if (e.kind === 'GcFinished' && wanted(e.pids[0]) && !kinds.has(e.pids[0])) kinds.set(e.pids[0], e.gc);
      const missing = [...kinds.keys()].some((pid) => !before.has(pid));
      if (!last || missing) {
        inner.seek(step - 1);
        if (!last) prev = read().processes;
        this.#readBefore({ step: step - 1, view: { processes: prev }, cells: last?.cells ?? new Map() },
          view.events, () => only, before, wasYoung);
        inner.seek(step);
      }
      for (const pid of before.keys()) if (!kinds.has(pid)) before.delete(pid);
    }
    this.#last = { step, view, cells };
    return { view, cells, before, prev, wasYoung };
  }

  /** The view at the current step, with `view_some(detail)` or `view()`, terms in the element's syntax. */
  #read(detail) {
    const inner = this.#inner;
    const view = JSON.parse(detail ? inner.view_some(Uint32Array.from(detail)) : inner.view());
    if (view.fields) view.processes = this.#columns(view);
    if (this.syntax === 'elixir') {
      // The same terms printed by the core in Elixir syntax, in the same order.
      const terms = JSON.parse(inner.elixir_terms());
      view.processes.forEach((p, i) => {
        p.vars.forEach((v, k) => { v.preview = terms[i].vars[k]; });
        p.mailbox = terms[i].mailbox;
      });
    }
    return view;
  }

  /** The process objects of a view whose processes come in columns (`view_some`: `fields`, `numbers`, `names`,
   * `lists`), the same objects as `view()` gives. @param {object} view @returns {object[]} */
  #columns(view) {
    const { fields, numbers: v, names, lists } = view;
    const k = fields.length;
    const at = Object.fromEntries(fields.map((f, i) => [f, i]));
    // Every object is written with the same keys in the same order (one hidden class): building a thousand of them
    // field by field from the names took two milliseconds per step.
    const [pid, alive, stage, hs, hu, ss, hw, ohs, ohu, mb, bv, ths, mem, mql, mg, mgt, Mgt, fa, mhs, hib] =
      ['pid', 'alive', 'stage_index', 'heap_size', 'heap_used', 'stack_size', 'high_water', 'old_heap_size', 'old_heap_used',
        'mbuf_size', 'bin_vheap_size', 'total_heap_size', 'memory', 'message_queue_len', 'minor_gcs', 'minor_gcs_total',
        'major_gcs_total', 'fullsweep_after', 'min_heap_size', 'hibernated'].map((f) => at[f]);
    if (k !== 20 || hib === undefined || pid === undefined) throw new Error(`view_some's fields changed: ${fields.join()}`);
    const stages = this.legend.stages;
    const out = new Array(names.length);
    for (let i = 0, o = 0; i < names.length; i++, o += k) {
      out[i] = {
        pid: v[o + pid], name: names[i], alive: v[o + alive] === 1, stage: stages[v[o + stage]], stage_index: v[o + stage],
        heap_size: v[o + hs], heap_used: v[o + hu], stack_size: v[o + ss], high_water: v[o + hw], old_heap_size: v[o + ohs],
        old_heap_used: v[o + ohu], mbuf_size: v[o + mb], bin_vheap_size: v[o + bv], total_heap_size: v[o + ths], memory: v[o + mem],
        message_queue_len: v[o + mql], minor_gcs: v[o + mg], minor_gcs_total: v[o + mgt], major_gcs_total: v[o + Mgt],
        fullsweep_after: v[o + fa], min_heap_size: v[o + mhs], hibernated: v[o + hib] === 1,
        fragments: [], vars: [], mailbox: [], binaries: [],
      };
    }
    // Pids are indices (the core numbers processes in spawn order), so a list finds its process directly.
    for (const l of lists) Object.assign(out[l.pid]?.pid === l.pid ? out[l.pid] : out.find((p) => p.pid === l.pid), l);
    for (const key of ['fields', 'numbers', 'names', 'lists']) delete view[key];
    return out;
  }

  /** With the machine at `last.step`, one step before the frame being read: fills `wasYoung` with the young cells
   * of the processes `pick` pictures (from `last.cells` when that frame read them) and `before` with the cells and
   * fates of those that collect at the next step (`events`, its events).
   * @param {{step:number, view:{processes:object[]}, cells:Map}} last @param {object[]} events
   * @param {((view: object) => Set<number>|null)|null} pick @param {Map} before @param {Map} wasYoung */
  #readBefore(last, events, pick, before, wasYoung) {
    const inner = this.#inner;
    const processes = last.view.processes;
    const only = pick ? pick({ processes, events }) : null;
    const wanted = (pid) => !only || only.has(pid);
    const kinds = new Map();
    for (const e of events) if (e.kind === 'GcFinished' && wanted(e.pids[0]) && !kinds.has(e.pids[0])) kinds.set(e.pids[0], e.gc);
    for (const p of processes) {
      if (!p.alive || !wanted(p.pid)) continue;
      const was = last.cells.get(p.pid);
      const young = was?.young ?? inner.cells(p.pid, false);
      if (!wasYoung.has(p.pid)) wasYoung.set(p.pid, young);
      const kind = kinds.get(p.pid);
      if (!kind || before.has(p.pid)) continue;
      before.set(p.pid, {
        young, old: was?.old ?? inner.cells(p.pid, true), heap_used: p.heap_used, high_water: p.high_water,
        kind, fates: { young: inner.gc_fates(p.pid, kind, false), old: inner.gc_fates(p.pid, kind, true) },
      });
    }
  }

  /** The steps that have an event of kind `kind` (such as 'GcFinished'), ascending. @param {string} kind @returns {Uint32Array} */
  stepsWith(kind) { return this.#inner.steps_with(kind); }

  /** `erlang:memory()` at every step: {names, values (names.length numbers per step), steps}. */
  memorySeries() {
    const names = this.#seriesNames;
    const values = this.#inner.memory_series();
    return { names, values, steps: names.length ? values.length / names.length : 0 };
  }

  /** The question to ask before revealing step `step`, or undefined. @param {number} step @returns {{question:string, choices:string[], answer:number, explanation:string}|undefined} */
  predict(step) {
    const json = this.#inner.predict(step);
    return json === undefined ? undefined : JSON.parse(json);
  }

  /** Frees the wasm object. */
  free() { this.#inner.free(); }
}

/** The events of `Simulator.step_events` as the view's events give them: `{kind, gc, pids}`, kind `GcFinished` for a
 * collection (the only kind the page asks of a step before reading it) and `''` for the others.
 * @param {Uint32Array} nums @returns {{kind:string, gc:string|undefined, pids:number[]}[]} */
function stepEvents(nums) {
  const out = [];
  for (let i = 0; i + 2 < nums.length; i += 3) {
    const code = nums[i];
    out.push({ kind: code ? 'GcFinished' : '', gc: code === 2 ? 'major' : code === 1 ? 'minor' : undefined,
      pids: [nums[i + 1], nums[i + 2]].filter((pid) => pid !== 0xffffffff) });
  }
  return out;
}

let worker = null;
let pending = null;
let nextId = 0;

/** Evaluates `src` standalone in language `lang` ('erlang' | 'elixir') in a worker: `{ok}` with the laid-out term,
 * `{error: {line, col, message}}`, or null when a newer call superseded this one. @param {string} src @param {string} lang @returns {Promise<object|null>} */
export function inspect(src, lang) {
  if (typeof Worker === 'undefined') return loadWasm().then((mod) => JSON.parse(mod.Simulator.inspect(src, lang)));
  // A call still running is abandoned, and its worker with it: the newest expression is the one on screen.
  if (pending) {
    worker.terminate();
    worker = null;
    pending(null);
    pending = null;
  }
  worker ??= new Worker(new URL('./inspect-worker.js', import.meta.url), { type: 'module' });
  const id = ++nextId;
  return new Promise((resolve) => {
    pending = resolve;
    worker.onmessage = (e) => {
      if (e.data.id !== id) return;
      pending = null;
      resolve(e.data.res);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      worker?.terminate();
      worker = null;
      pending = null;
      resolve({ error: { line: 1, col: 1, message: `the inspector could not start: ${e.message || 'worker error'}` } });
    };
    worker.postMessage({ id, src, lang });
  });
}
