// SPDX-License-Identifier: MIT OR Apache-2.0
// A module worker for the scenario editor and the VM switches: it reads and runs scenario text off the main thread, so typing never
// waits for a run, and reports the located error or how long the run took. Translation only.
import init, { Simulator } from '../pkg/beamviz_wasm.js';

const ready = init();

/** Steps run between two progress messages, when they are asked for. */
const PROGRESS_STEPS = 20000;

self.addEventListener('message', async (e) => {
  // `vm`: switches forced over the scenario's `vm` line (the widget's VM switches view), as `beamviz --vm` takes them.
  // `progress`: post `{id, progress: {done, total}}` while a long run goes on (vet.js waits as long as it advances).
  const { id, src, vm, progress } = e.data;
  let res;
  try {
    await ready;
    // The text is read once, as it runs: `open` reads its first steps and `advance` the rest; only when either
    // fails does `check` say where, as a value.
    let sim = null;
    // The run itself, timed with its reading: the page re-runs it on the main thread only when that is quick.
    const start = performance.now();
    try {
      sim = Simulator.open('custom', src, vm ?? '');
      res = { ok: { title: sim.title(), steps: sim.steps_total() } };
      if (progress) self.postMessage({ id, progress: { done: 0, total: sim.steps_total() } });
      while (!sim.advance(progress ? PROGRESS_STEPS : 0xffffffff)) {
        self.postMessage({ id, progress: { done: sim.len(), total: sim.steps_total() } });
      }
      res.ok.ms = performance.now() - start;
      res.ok.stopped = sim.error() ?? null;
    } catch (err) {
      res = JSON.parse(Simulator.check(src));
      if (res.ok) throw err;
    } finally {
      sim?.free();
    }
  } catch (err) {
    res = { error: { line: 1, col: 1, len: 1, message: `the scenario could not be read: ${err instanceof Error ? err.message : String(err)}` } };
  }
  self.postMessage({ id, res });
});
