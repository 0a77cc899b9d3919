// SPDX-License-Identifier: MIT OR Apache-2.0
// Unit tests of the inspector's pure helpers (node --test www/js/): sentences and caret lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caretLines, sendSentence, wordLabel } from './inspector.js';

test('a send copies flat_size; what sharing saved is duplicated', () => {
  assert.equal(sendSentence({ size: 10, flat_size: 22, copy_words: 22 }),
    'A send would copy 22 words (flat_size), 12 of them duplicated because sharing is lost: the receiver gets 22 words where size counts 10.');
  assert.match(sendSentence({ size: 4, flat_size: 4, copy_words: 4 }), /none of them duplicated/);
  assert.match(sendSentence({ size: 7, flat_size: 7, copy_words: 5 }), /copy 5 words \(flat_size 7, less 2 words of literals/);
});

test('the caret sits under the error column, tabs kept', () => {
  assert.deepEqual(caretLines('{1,\n  2 +}', { line: 2, col: 6 }), { text: '  2 +}', caret: '     ^' });
  assert.deepEqual(caretLines('\tx', { line: 1, col: 2 }), { text: '\tx', caret: '\t^' });
  assert.deepEqual(caretLines('', { line: 3, col: 1 }), { text: '', caret: '^' });
});

test('pointer words name the object they point to', () => {
  assert.equal(wordLabel({ role: 'pointer', target: 2, text: 'list' }), '→ #2');
  assert.equal(wordLabel({ role: 'pointer', text: 'boxed' }), '→ (not shown) boxed');
  assert.equal(wordLabel({ role: 'immediate', text: 'ok' }), 'ok');
});
