// SPDX-License-Identifier: MIT OR Apache-2.0
// Narration's two inline marks, `code` and *emphasis*, as DOM nodes built with textContent (never innerHTML).

/** Splits `text` into runs: [kind, text] with kind '' (plain), 'code' or 'em'. An unclosed mark stays literal. @param {string} text @returns {[string, string][]} */
export function marks(text) {
  const runs = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const end = c === '`' || c === '*' ? text.indexOf(c, i + 1) : -1;
    if (end > i + 1) {
      if (plain) runs.push(['', plain]);
      plain = '';
      runs.push([c === '`' ? 'code' : 'em', text.slice(i + 1, end)]);
      i = end + 1;
    } else {
      plain += c;
      i += 1;
    }
  }
  if (plain) runs.push(['', plain]);
  return runs;
}

/** `text` as nodes: strings, <code> and <em>, for `append`. @param {string} text @returns {(string|Node)[]} */
export function markup(text) {
  return marks(String(text ?? '')).map(([kind, t]) => {
    if (!kind) return t;
    const node = document.createElement(kind);
    node.textContent = t;
    return node;
  });
}
