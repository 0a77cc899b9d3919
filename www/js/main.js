// SPDX-License-Identifier: MIT OR Apache-2.0
// Page glue: ?scenario=ID and ?step=N in the address open the widget there, user steps update the address,
// and a picker lists the built-in scenarios when there is more than one.
import './beam-viz-define.js';
import { loadWasm } from './sim.js';

const viz = document.querySelector('beam-viz');
const params = new URLSearchParams(location.search);
if (params.has('scenario')) viz.setAttribute('scenario', params.get('scenario'));
if (params.has('step')) viz.setAttribute('step', params.get('step'));

function remember(key, value) {
  const url = new URL(location.href);
  url.searchParams.set(key, String(value));
  history.replaceState(null, '', url);
}

viz.addEventListener('beam-step', (e) => remember('step', e.detail.step));

// The element reports wasm failures itself; the picker just stays hidden then.
loadWasm().then((mod) => {
  const list = JSON.parse(mod.Simulator.scenarios());
  if (list.length < 2) return;
  const select = document.getElementById('scenario');
  select.replaceChildren(...list.map((s) => new Option(s.title, s.id, false, s.id === viz.scenario)));
  select.addEventListener('change', () => {
    viz.step = 0;
    viz.scenario = select.value;
    remember('scenario', select.value);
    remember('step', 0);
  });
  select.closest('.picker').hidden = false;
}, () => {});
