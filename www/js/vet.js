// SPDX-License-Identifier: MIT OR Apache-2.0
// Scenario text from outside the page's own files (a permalink, a `src` file, text inside the element, the `source`
// property) is read and run in a worker first, so a hostile or broken scenario ends there, with its located error,
// and never blocks the tab. Only a text that ran cleanly in the worker is run again on the main thread.

/** A worker run that goes this long without finishing a slice of its run is stopped, and the scenario is refused: a
 * legitimate million-step scenario keeps advancing, a hostile one is stuck in one step. */
export const VET_TIMEOUT_MS = 5000;

/** Opening the text (before its run starts: its first steps read, the rest counted; the rest is read as it runs) may
 * take this long: the core bounds it by its size and step limits. */
export const VET_READ_MS = 30000;

/** However it advances, a worker run is stopped after this long. */
export const VET_MAX_MS = 120000;

/** A run that stopped at a failing step after this long in the worker is not repeated on the main thread: that is
 * what a hostile text (a loop up to the evaluator's limit) looks like, and its steps before the failure are not
 * worth blocking the tab for. */
export const VET_SLOW_STOP_MS = 250;

/** Texts that already ran cleanly in a worker (here, or in the editor's or the switches' timed run), newest last: the
 * editor's text is not run in a worker twice on its way to the widget. */
const recent = [];
const RECENT = 4;

/** Notes that `src` ran in a worker with result `res` (`scenario-worker.js`'s `{ok}` or `{error}`): a clean run means
 * `vet` need not run it again. */
export function remember(src, res) {
  if (!res || res.error || (res.ok.stopped && res.ok.ms > VET_SLOW_STOP_MS) || recent.includes(src)) return;
  recent.push(src);
  if (recent.length > RECENT) recent.shift();
}

/** Reads and runs `src` in a fresh worker. Resolves with `{ms, stopped}` (how long the run took there, and the
 * located error of the step it stopped at, or null); rejects with an Error whose message is `line:col: message`
 * when the text is invalid, or when the run took too long, or stopped only after `VET_SLOW_STOP_MS`.
 * Without workers (an old browser), resolves at once: the main thread's own limits still apply. `onProgress(done,
 * total)` hears how far the worker's run has got; its first call (0 steps run) means the worker has opened the
 * text, which is then safe to read here too (the core bounds the reading; what vet guards against is the run).
 * @param {string} src @param {(done: number, total: number) => void} onProgress
 * @returns {Promise<{ms: number, stopped: string | null}>} */
export function vet(src, onProgress = undefined) {
  if (typeof Worker === 'undefined' || recent.includes(src)) return Promise.resolve({ ms: 0, stopped: null });
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./scenario-worker.js', import.meta.url), { type: 'module' });
    const done = (fn, value) => {
      clearTimeout(timer);
      worker.terminate();
      fn(value);
    };
    const started = performance.now();
    const stall = (ms) => setTimeout(() => done(reject, new Error(
      `the scenario was still being read after ${ms / 1000} s in the background, so it was not run`)), ms);
    let timer = stall(VET_READ_MS);
    worker.onmessage = (e) => {
      const { res, progress } = e.data;
      if (progress) {
        // Still advancing: the stall timer starts again, within the overall limit.
        onProgress?.(progress.done, progress.total);
        clearTimeout(timer);
        timer = performance.now() - started < VET_MAX_MS ? stall(VET_TIMEOUT_MS) : setTimeout(() => done(reject, new Error(
          `the scenario was still being run after ${VET_MAX_MS / 1000} s in the background, so it was not run`)), 0);
        return;
      }
      if (res.error) done(reject, new Error(`${res.error.line}:${res.error.col}: ${res.error.message}`));
      else if (res.ok.stopped && res.ok.ms > VET_SLOW_STOP_MS) {
        done(reject, new Error(`the scenario stopped at ${res.ok.stopped} after ${Math.round(res.ok.ms)} ms of work, so it was not run here`));
      } else {
        remember(src, res);
        done(resolve, { ms: res.ok.ms, stopped: res.ok.stopped });
      }
    };
    worker.onerror = (e) => done(reject, new Error(`the scenario could not be read: ${e.message || 'worker error'}`));
    worker.postMessage({ id: 1, src, progress: true });
  });
}
