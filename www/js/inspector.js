// SPDX-License-Identifier: MIT OR Apache-2.0
// The term inspector's drawing: an inspection (from `Simulator.inspect`, via sim.js) → DOM.
// The words and their meaning come from the core; this file only words sentences and builds elements (textContent only).

import { h } from './dom.js';

/** Examples offered under the input: [label, language, source]. */
export const EXAMPLES = [
  ['shared list', 'erlang', 'begin L = lists:seq(1, 3), {L, L, L} end'],
  ['small map', 'erlang', '#{a => 1}'],
  ['100-byte binary', 'erlang', '<<0:800>>'],
  ['float and bignum', 'erlang', '{1.5, 1 bsl 70}'],
  ['Elixir map', 'elixir', '%{a: 1, b: "two"}'],
];

/** The sentence about what a send copies. @param {{size:number, flat_size:number, copy_words:number}} ins @returns {string} */
export function sendSentence(ins) {
  const dup = Math.max(0, ins.flat_size - ins.size);
  const literal = ins.flat_size - ins.copy_words;
  const copy = literal > 0
    ? `A send would copy ${ins.copy_words} words (flat_size ${ins.flat_size}, less ${literal} words of literals, which stay in place)`
    : `A send would copy ${ins.copy_words} words (flat_size)`;
  const shared = dup > 0
    ? `${dup} of them duplicated because sharing is lost: the receiver gets ${ins.flat_size} words where size counts ${ins.size}.`
    : 'none of them duplicated: nothing in this term is shared.';
  return `${copy}, ${shared}`;
}

/** The error's source line and a caret under its column. @param {string} src @param {{line:number, col:number}} err @returns {{text:string, caret:string}} */
export function caretLines(src, err) {
  const text = src.split('\n')[Math.max(0, err.line - 1)] ?? '';
  // Columns count characters; a tab keeps its width so the caret lines up.
  const lead = [...text].slice(0, Math.max(0, err.col - 1)).map((c) => (c === '\t' ? '\t' : ' ')).join('');
  return { text, caret: `${lead}^` };
}

/** The label of a word cell. @param {{role:string, target?:number, text:string}} w @returns {string} */
export function wordLabel(w) {
  if (w.role === 'pointer') return w.target === undefined ? `→ (not shown) ${w.text}` : `→ #${w.target}`;
  return w.text;
}

const ROLE_NAMES = { header: 'header word', pointer: 'pointer', immediate: 'immediate', data: 'raw data' };

function card(obj, idx, objects) {
  const cls = ['obj'];
  if (obj.refs > 1) cls.push('shared');
  const swatch = h('span', { class: `sw k-${obj.kind.replace(/[^a-z]+/gi, '-').toLowerCase()}`, 'aria-hidden': 'true' });
  const head = h('div', { class: 'obj-head' }, swatch, h('span', { class: 'obj-id', text: `#${idx}` }), ` ${obj.kind}`);
  if (obj.refs > 1) head.append(' ', h('span', { class: 'badge shared-badge', text: `shared: ${obj.refs} pointers` }));
  if (obj.literal) head.append(' ', h('span', { class: 'badge', text: 'literal' }));
  const words = h('ol', { class: 'words', 'aria-label': `${obj.words.length} words` });
  for (const w of obj.words) {
    const target = w.target === undefined ? null : objects[w.target];
    const wcls = ['w', w.role];
    if (target && target.refs > 1) wcls.push('to-shared');
    const li = h('li', { class: wcls.join(' '), title: `${ROLE_NAMES[w.role]}: ${w.text}`, 'data-role': w.role, text: wordLabel(w) });
    if (w.target !== undefined) li.dataset.target = String(w.target);
    words.append(li);
  }
  const node = h('div', { class: cls.join(' '), 'data-obj': String(idx), 'data-refs': String(obj.refs), tabindex: '-1' }, head, words);
  return node;
}

/** Draws inspection `ins` into `box`. @param {HTMLElement} box @param {object} ins */
export function renderInspection(box, ins) {
  const sizes = h('dl', { class: 'sizes' });
  for (const [k, v] of [['kind', ins.kind], ['size', ins.size], ['flat_size', ins.flat_size], ['heap words', ins.heap_words]]) {
    sizes.append(h('div', { 'data-size': k }, h('dt', { text: k }), h('dd', { text: String(v) })));
  }
  const value = h('p', { class: 'value' }, 'Value: ', h('code', { text: ins.preview }));
  const root = h('p', { class: 'root' }, 'Root word: ', h('span', { class: `w ${ins.root.role}`, text: wordLabel(ins.root) }),
    ins.root.role === 'immediate' ? ' (an immediate: the whole term fits in the word, no heap words)' : '');
  const heap = h('div', { class: 'objs' });
  const literals = h('div', { class: 'objs' });
  const offHeap = h('div', { class: 'objs' });
  ins.objects.forEach((obj, i) => {
    (obj.literal ? literals : heap).append(card(obj, i, ins.objects));
    if (obj.off_heap_bytes !== undefined) {
      offHeap.append(h('div', { class: 'payload', 'data-bytes': String(obj.off_heap_bytes) },
        h('div', { class: 'obj-head' }, h('span', { class: 'sw k-procbin', 'aria-hidden': 'true' }), `binary payload, ${obj.off_heap_bytes} bytes`),
        h('p', { text: `Reached from ProcBin #${i} (its val word). It lives in the shared binary area, not on any process heap: reference-counted, never copied by a send.` })));
    }
  });
  const parts = [value, sizes, h('p', { class: 'sharing', text: sendSentence(ins) }), root];
  if (ins.objects.length) parts.push(h('h4', { text: 'Heap objects' }), heap);
  if (literals.children.length) parts.push(h('h4', { text: 'Literal area (no heap words; a send leaves them in place)' }), literals);
  if (offHeap.children.length) parts.push(h('h4', { text: 'Off-heap (shared binary area)' }), offHeap);
  if (ins.truncated) parts.push(h('p', { class: 'note', text: `Only the first ${ins.objects.length} objects are drawn; the sizes count them all.` }));
  box.replaceChildren(...parts);
}
