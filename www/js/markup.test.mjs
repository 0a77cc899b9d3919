// SPDX-License-Identifier: MIT OR Apache-2.0
// Unit tests of the narration tokenizer (node --test www/js/).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { marks } from './markup.js';

test('code spans and emphasis become runs', () => {
  assert.deepEqual(marks('`a` holds it through a 6-word *ProcBin*.'),
    [['code', 'a'], ['', ' holds it through a 6-word '], ['em', 'ProcBin'], ['', '.']]);
});

test('marks inside a code span stay literal', () => {
  assert.deepEqual(marks('run `x = 2 * 3 * 4` now'), [['', 'run '], ['code', 'x = 2 * 3 * 4'], ['', ' now']]);
});

test('plain text, unclosed and empty marks stay as written', () => {
  assert.deepEqual(marks('2 * 3 is six'), [['', '2 * 3 is six']]);
  assert.deepEqual(marks('a `b'), [['', 'a `b']]);
  assert.deepEqual(marks('** and ``'), [['', '** and ``']]);
  assert.deepEqual(marks(''), []);
});
