// SPDX-License-Identifier: MIT OR Apache-2.0
// Unit tests of permalinks (node --test www/js/): round trips, and located errors for bad hashes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_HASH, PermalinkError, decodeSource, encodeSource, fromBase64Url, makeHash, parseHash, toBase64Url } from './permalink.js';

test('base64url round-trips every length and byte', () => {
  for (let n = 0; n < 40; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n) & 0xff);
    const text = toBase64Url(bytes);
    assert.match(text, /^[A-Za-z0-9_-]*$/);
    assert.deepEqual(fromBase64Url(text), bytes);
  }
});

test('scenario text round-trips through deflate-raw, and compresses', async () => {
  const text = '# Title ü\nactor a\n' + 'a: x = [1, 2, 3]\n  narration `code`\n'.repeat(200);
  const src = await encodeSource(text);
  assert.ok(src.length < text.length / 5, `${src.length} vs ${text.length}`);
  assert.equal(await decodeSource(src), text);
  const hash = await makeHash({ text, step: 7 });
  const parsed = parseHash(hash);
  assert.equal(parsed.step, 7);
  assert.equal(await decodeSource(parsed.src), text);
  assert.deepEqual(parseHash(await makeHash({ scenario: 'binary-leak', step: 3 })), { scenario: 'binary-leak', step: 3 });
  assert.deepEqual(parseHash(''), {});
});

test('bad hashes are located errors, never exceptions of another kind', async () => {
  const where = (fn) => { try { fn(); } catch (e) { assert.ok(e instanceof PermalinkError, String(e)); return [e.where, e.at]; } return null; };
  assert.deepEqual(where(() => parseHash('#scenario=<b>x</b>')), ['scenario', 10]);
  assert.deepEqual(where(() => parseHash('#scenario=a&step=-1')), ['step', 17]);
  assert.deepEqual(where(() => parseHash('#step=1&evil=1')), ['hash', 8]);
  assert.deepEqual(where(() => parseHash('#scenario=a&src=AA')), ['hash', 1]);
  assert.deepEqual(where(() => parseHash(`#src=${'A'.repeat(MAX_HASH)}`))[0], 'hash');
  assert.deepEqual(where(() => fromBase64Url('AB*D')), ['src', 3]);
  await assert.rejects(decodeSource('AAAA'), (e) => e instanceof PermalinkError && /damaged/.test(e.message));
  // A small link that inflates past the core's file limit stops at the limit instead of filling memory.
  const bomb = await encodeSource('x'.repeat(3 << 20));
  assert.ok(bomb.length < 8000, String(bomb.length));
  await assert.rejects(decodeSource(bomb), (e) => e instanceof PermalinkError && /larger than/.test(e.message));
});

test('forced VM switches and the selected process round-trip; bad ones are located errors', async () => {
  const hash = await makeHash({ scenario: 'send-loses-sharing', step: 4, vm: 'message_queue_data:off_heap,sharing_preserving:true', sel: 1 });
  assert.equal(hash, '#scenario=send-loses-sharing&step=4&vm=message_queue_data:off_heap,sharing_preserving:true&sel=1');
  assert.deepEqual(parseHash(hash), { scenario: 'send-loses-sharing', step: 4, vm: 'message_queue_data:off_heap,sharing_preserving:true', sel: 1 });
  // Without them the hash stays as before.
  assert.equal(await makeHash({ scenario: 'a', step: 0, vm: '', sel: null }), '#scenario=a&step=0');
  for (const [bad, where, at] of [['#scenario=a&vm=sharing_preserving', 'vm', 15], ['#scenario=a&vm=x:<b>', 'vm', 15], ['#scenario=a&sel=b', 'sel', 16]]) {
    assert.throws(() => parseHash(bad), (err) => err instanceof PermalinkError && err.where === where && err.at === at, bad);
  }
});
