// SPDX-License-Identifier: MIT OR Apache-2.0
// A module worker for the term inspector: it evaluates expressions off the main thread, so an expression that runs
// up to the evaluator's limits (a few seconds at most) never blocks scrolling, typing or stepping. Translation only.
import init, { Simulator } from '../pkg/beamviz_wasm.js';

const ready = init();

self.addEventListener('message', async (e) => {
  const { id, src, lang } = e.data;
  let res;
  try {
    await ready;
    res = JSON.parse(Simulator.inspect(src, lang));
  } catch (err) {
    res = { error: { line: 1, col: 1, message: `the inspector failed: ${err instanceof Error ? err.message : String(err)}` } };
  }
  self.postMessage({ id, res });
});
