// SPDX-License-Identifier: MIT OR Apache-2.0
// Page glue: the address opens the widget at a scenario and step, user steps update the address, a picker lists
// the built-in scenarios, and "copy link" / "copy embed code" share what is on screen.
// Permalinks live in the hash (`#scenario=ID&step=N`, or `#src=<deflate-raw, base64url>&step=N` for scenario text);
// `?scenario=ID&step=N` in the query still opens a built-in scenario.
import './beam-viz-define.js';
import { builtinSource, loadWasm } from './sim.js';
import { makeHash, parseHash, decodeSource } from './permalink.js';
import { wireEditor } from './editor.js';

const viz = document.querySelector('beam-viz');
const picker = document.getElementById('scenario');
const status = document.getElementById('share-status');
const shareText = document.getElementById('share-text');
const params = new URLSearchParams(location.search);
if (params.has('scenario')) viz.setAttribute('scenario', params.get('scenario'));
if (params.has('step')) viz.setAttribute('step', params.get('step'));

/** What the hash says now: {scenario} or {text} (decoded), and the step. */
let shown = { scenario: viz.scenario, text: undefined };

function say(message) {
  status.textContent = message;
}

async function openHash() {
  let link;
  try {
    link = parseHash(location.hash);
    if (link.src !== undefined) {
      const text = await decodeSource(link.src);
      shown = { text };
      viz.source = text;
    } else if (link.scenario !== undefined) {
      shown = { scenario: link.scenario };
      viz.source = null;
      viz.setAttribute('scenario', link.scenario);
      picker.value = link.scenario;
    }
    if (link.step !== undefined) viz.setAttribute('step', String(link.step));
    // Switches and selection are part of what is on screen: a link without them shows the scenario's own.
    viz.vm = link.vm ?? '';
    viz.selected = link.sel ?? null;
  } catch (err) {
    // The hash is untrusted: its error is shown as text, and the page keeps the scenario it has.
    say(`This link cannot be opened: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function remember() {
  const hash = await makeHash({ ...shown, step: viz.step, vm: viz.vm, sel: viz.selected });
  const url = new URL(location.href);
  url.search = '';
  url.hash = hash;
  history.replaceState(null, '', url);
  return url.href;
}

viz.addEventListener('beam-step', () => { remember(); });
viz.addEventListener('beam-select', () => { remember(); });
viz.addEventListener('beam-vm', () => { remember(); });
window.addEventListener('hashchange', openHash);
if (location.hash.length > 1) openHash();

async function share(text, what) {
  shareText.value = text;
  shareText.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    say(`${what} copied.`);
  } catch {
    shareText.select();
    say(`${what} is in the box: copy it from there.`);
  }
}

document.getElementById('copy-link').addEventListener('click', async () => share(await remember(), 'Link'));
document.getElementById('copy-embed').addEventListener('click', async () => {
  const page = await remember();
  const base = new URL('.', location.href).href;
  const code = shown.text !== undefined
    // Scenario text has no id to name, so it is embedded as this page in a frame, opened by the same permalink.
    ? `<iframe src="${page}" title="beamviz" width="100%" height="900" style="border:0"></iframe>`
    : `<script type="module" src="${base}js/beam-viz-define.js"></script>\n<beam-viz scenario="${shown.scenario}" step="${viz.step}"${viz.vm ? ` vm="${viz.vm}"` : ''}${viz.selected !== null ? ` selected="${viz.selected}"` : ''}></beam-viz>`;
  share(code, 'Embed code');
});

// The editor: opened, it shows the text of the scenario on screen (unless the user has edited it since); a valid edit
// replaces the widget's scenario, keeping the step, and the address follows.
const editor = document.getElementById('editor');
const scnText = document.getElementById('scn-text');
let edited = false;
scnText.addEventListener('input', () => { edited = true; });
wireEditor({ text: scnText, error: document.getElementById('scn-error'), note: document.getElementById('scn-note'), run: document.getElementById('scn-run') }, (src) => {
  shown = { text: src };
  viz.source = src;
  remember();
});
/** Puts the text of what is shown into the editor, unless the reader has typed or picked something else meanwhile. */
async function fillEditor() {
  const want = shown;
  const text = want.text ?? await builtinSource(want.scenario).catch(() => '');
  if (shown === want && !edited) scnText.value = text;
}
editor.addEventListener('toggle', () => {
  if (editor.open && !edited) fillEditor();
});

// Theme: auto (the reader's preference) → dark → light; the page and the widget follow.
const themeButton = document.getElementById('theme');
themeButton.addEventListener('click', () => {
  const next = { auto: 'dark', dark: 'light', light: 'auto' }[viz.theme];
  viz.theme = next;
  document.documentElement.dataset.theme = next;
  themeButton.textContent = `Theme: ${next}`;
  themeButton.setAttribute('aria-label', `Colour theme: ${next === 'auto' ? 'automatic' : next}`);
});

// The element reports wasm failures itself; the picker just stays hidden then.
loadWasm().then((mod) => {
  const list = JSON.parse(mod.Simulator.scenarios());
  if (list.length < 2) return;
  const select = picker;
  select.replaceChildren(...list.map((s) => new Option(s.title, s.id, false, s.id === viz.scenario)));
  select.addEventListener('change', () => {
    shown = { scenario: select.value };
    edited = false;
    if (editor.open) fillEditor();
    viz.source = null;
    viz.step = 0;
    viz.selected = null;
    viz.vm = '';
    viz.scenario = select.value;
    const url = new URL(location.href);
    url.searchParams.set('scenario', select.value);
    url.searchParams.set('step', '0');
    url.hash = '';
    history.replaceState(null, '', url);
  });
  select.closest('.picker').hidden = false;
}, () => {});
