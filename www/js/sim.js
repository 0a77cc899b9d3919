// SPDX-License-Identifier: MIT OR Apache-2.0
// The wasm Simulator, wrapped: loading, and one frame (view + cells) per step. No model logic here.

let wasm = null;

/** Loads and instantiates the wasm package once; rejects with the loader's error. @returns {Promise<object>} */
export function loadWasm() {
  wasm ??= import('../pkg/beamviz_wasm.js').then(async (mod) => {
    await mod.default();
    return mod;
  });
  return wasm;
}

/** A scenario being stepped through. Create with `Sim.open(id)`. */
export class Sim {
  #inner;
  /** @param {object} inner a wasm Simulator @param {object} legend */
  constructor(inner, legend) {
    this.#inner = inner;
    this.legend = legend;
  }

  /** Opens built-in scenario `id`, falling back to `fallback` when there is no such scenario. @param {string} id @param {string} fallback @returns {Promise<Sim>} */
  static async open(id, fallback) {
    const mod = await loadWasm();
    const known = mod.Simulator.scenarios().map((s) => s.id);
    const inner = new mod.Simulator(known.includes(id) ? id : fallback);
    return new Sim(inner, mod.Simulator.legend());
  }

  get id() { return this.#inner.id(); }
  get title() { return this.#inner.title(); }
  get description() { return this.#inner.description(); }
  /** The number of steps after step 0. */
  get length() { return this.#inner.len(); }
  /** Why the scenario stopped early, or undefined. */
  get error() { return this.#inner.error(); }

  /** The frame at step `step`: the view mirror plus each process's cells, and for processes that collected at that step, their cells one step earlier. @param {number} step */
  frame(step) {
    const inner = this.#inner;
    inner.seek(step);
    const view = inner.view();
    const cells = new Map();
    for (const p of view.processes) cells.set(p.pid, { young: inner.cells_young(p.pid), old: inner.cells_old(p.pid) });
    // One step earlier: the processes (for the table's changed cells) and, for processes that collected now, their cells.
    let prev = [];
    const before = new Map();
    if (step > 0) {
      inner.seek(step - 1);
      prev = inner.view().processes;
      const collected = new Set(view.events.filter((e) => e.kind === 'HeapMetStack').flatMap((e) => e.pids));
      for (const p of prev) {
        if (collected.has(p.pid)) before.set(p.pid, { young: inner.cells_young(p.pid), heap_used: p.heap_used, high_water: p.high_water });
      }
      inner.seek(step);
    }
    return { view, cells, before, prev };
  }

  /** The question to ask before revealing step `step`, or undefined. @param {number} step @returns {{question:string, choices:string[], answer:number, explanation:string}|undefined} */
  predict(step) { return this.#inner.predict(step); }

  /** Frees the wasm object. */
  free() { this.#inner.free(); }
}

let worker = null;
let pending = null;
let nextId = 0;

/** Evaluates `src` standalone in language `lang` ('erlang' | 'elixir') in a worker: `{ok}` with the laid-out term,
 * `{error: {line, col, message}}`, or null when a newer call superseded this one. @param {string} src @param {string} lang @returns {Promise<object|null>} */
export function inspect(src, lang) {
  if (typeof Worker === 'undefined') return loadWasm().then((mod) => mod.Simulator.inspect(src, lang));
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
