// SPDX-License-Identifier: MIT OR Apache-2.0
// The scenario editor of the full page: edit or paste a scenario; after a pause in typing it is read and run in a
// worker (`scenario-worker.js`), errors show under the text at their line and column, and a valid scenario replaces
// the one in the widget (`<beam-viz>.source`). A newer edit terminates a worker still busy with an older one.
import { caretLines } from './inspector.js';
import { remember } from './vet.js';

/** Milliseconds of quiet typing before the text is read. */
export const EDIT_DELAY = 300;
/** A run that took longer than this in the worker is not repeated on the main thread without asking. */
export const QUICK_RUN_MS = 50;

/** Wires the editor: `text` (textarea), `error` (pre), `note` (status line), `run` (button); `apply(src)` shows a valid
 * scenario. @param {{text:HTMLTextAreaElement, error:HTMLElement, note:HTMLElement, run:HTMLButtonElement}} ui @param {(src:string) => void} apply */
export function wireEditor(ui, apply) {
  let worker = null;
  let busy = false;
  let seq = 0;
  let timer = 0;
  let pending = null;

  const showError = (src, err) => {
    const { text, caret } = caretLines(src, err);
    const gutter = `${err.line} | `;
    ui.error.replaceChildren(`${err.line}:${err.col}: ${err.message}\n${gutter}${text}\n${' '.repeat(gutter.length)}`,
      Object.assign(document.createElement('span'), { className: 'caret', textContent: caret }));
    ui.error.dataset.line = String(err.line);
    ui.error.dataset.col = String(err.col);
    ui.error.hidden = false;
    ui.text.setAttribute('aria-invalid', 'true');
  };
  const clearError = () => {
    ui.error.hidden = true;
    ui.error.replaceChildren();
    delete ui.error.dataset.line;
    delete ui.error.dataset.col;
    ui.text.setAttribute('aria-invalid', 'false');
  };

  const read = () => {
    const src = ui.text.value;
    const id = ++seq;
    if (busy) {
      worker.terminate();
      worker = null;
    }
    worker ??= new Worker(new URL('./scenario-worker.js', import.meta.url), { type: 'module' });
    busy = true;
    ui.note.textContent = 'Reading…';
    worker.onmessage = (e) => {
      if (e.data.id !== id) return;
      busy = false;
      const res = e.data.res;
      ui.run.hidden = true;
      pending = null;
      if (res.error) {
        showError(src, res.error);
        ui.note.textContent = 'Not run: fix the error first.';
        return;
      }
      clearError();
      remember(src, res);
      const stopped = res.ok.stopped ? ` It stops early: ${res.ok.stopped}.` : '';
      if (res.ok.ms <= QUICK_RUN_MS) {
        ui.note.textContent = `${res.ok.steps} steps, run in ${Math.round(res.ok.ms)} ms.${stopped}`;
        apply(src);
      } else {
        // Showing it means running it again on the main thread: ask first, so typing never freezes the tab.
        pending = src;
        ui.note.textContent = `${res.ok.steps} steps; the run took ${(res.ok.ms / 1000).toFixed(1)} s, so it is not re-run on every edit.${stopped}`;
        ui.run.hidden = false;
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      busy = false;
      worker?.terminate();
      worker = null;
      ui.note.textContent = `The editor could not start its worker: ${e.message || 'worker error'}`;
    };
    worker.postMessage({ id, src });
  };

  ui.text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(read, EDIT_DELAY);
  });
  ui.run.addEventListener('click', () => {
    if (pending !== null) apply(pending);
    ui.run.hidden = true;
  });
  return { read };
}
