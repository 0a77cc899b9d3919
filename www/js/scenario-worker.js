// SPDX-License-Identifier: MIT OR Apache-2.0
// A module worker for the scenario editor and the VM switches: it reads and runs scenario text off the main thread, so typing never
// waits for a run, and reports the located error or how long the run took. Translation only.
import init, { Simulator } from '../pkg/beamviz_wasm.js';

const ready = init();

self.addEventListener('message', async (e) => {
  // `vm`: switches forced over the scenario's `vm` line (the widget's VM switches view), as `beamviz --vm` takes them.
  const { id, src, vm } = e.data;
  let res;
  try {
    await ready;
    res = JSON.parse(Simulator.check(src));
    if (res.ok) {
      // The run itself, timed: the page re-runs it on the main thread only when that is quick.
      const start = performance.now();
      const sim = vm ? Simulator.with_vm('custom', src, vm) : Simulator.from_source('custom', src);
      res.ok.ms = performance.now() - start;
      res.ok.stopped = sim.error() ?? null;
      sim.free();
    }
  } catch (err) {
    res = { error: { line: 1, col: 1, len: 1, message: `the scenario could not be read: ${err instanceof Error ? err.message : String(err)}` } };
  }
  self.postMessage({ id, res });
});
