// SPDX-License-Identifier: MIT OR Apache-2.0
// Page glue: ?step=N and ?scenario=ID in the address open the widget there; user steps update the address.
import './beam-viz-define.js';

const viz = document.querySelector('beam-viz');
const params = new URLSearchParams(location.search);
if (params.has('scenario')) viz.setAttribute('scenario', params.get('scenario'));
if (params.has('step')) viz.setAttribute('step', params.get('step'));
viz.addEventListener('beam-step', (e) => {
  const url = new URL(location.href);
  url.searchParams.set('step', String(e.detail.step));
  history.replaceState(null, '', url);
});
