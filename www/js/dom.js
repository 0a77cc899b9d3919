// SPDX-License-Identifier: MIT OR Apache-2.0
// Building DOM nodes without HTML text: nothing a scenario, address or user wrote is ever parsed as markup.

/** An element `tag` with attributes `attrs` (`text` sets its text content; undefined or null values are left out) and
 * `children` (nodes or strings).
 * @param {string} tag @param {Record<string, string>} attrs @param {...(Node|string)} children @returns {HTMLElement} */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') node.textContent = v;
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}
