// SPDX-License-Identifier: MIT OR Apache-2.0
// Shapes (from layout.js) → SVG DOM. Elements are built with createElementNS and text with textContent only.

const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  return node;
}

function build(shape) {
  let node;
  switch (shape.t) {
    case 'rect':
      node = el('rect', { x: shape.x, y: shape.y, width: shape.w, height: shape.h, rx: shape.rx });
      break;
    case 'circle':
      node = el('circle', { cx: shape.cx, cy: shape.cy, r: shape.r });
      break;
    case 'path':
      node = el('path', { d: shape.d });
      break;
    case 'text':
      node = el('text', { x: shape.x, y: shape.y, 'text-anchor': shape.anchor });
      node.textContent = shape.text;
      break;
    case 'g':
      node = el('g', {});
      for (const child of shape.children) node.appendChild(build(child));
      break;
    default:
      throw new Error(`unknown shape type ${shape.t}`);
  }
  if (shape.cls) node.setAttribute('class', shape.cls);
  if (shape.data) for (const [k, v] of Object.entries(shape.data)) node.setAttribute(`data-${k}`, v);
  if (shape.title) {
    const title = el('title', {});
    title.textContent = shape.title;
    node.prepend(title);
  }
  return node;
}

/** Replaces the content of `svg` with the shapes of `layout`, sized to it. @param {SVGSVGElement} svg @param {{width:number,height:number,shapes:object[]}} layout */
export function renderSvg(svg, layout) {
  const w = Math.ceil(layout.width), h = Math.ceil(layout.height);
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('width', String(w));
  svg.setAttribute('height', String(h));
  const frag = document.createDocumentFragment();
  for (const shape of layout.shapes) frag.appendChild(build(shape));
  svg.replaceChildren(frag);
}

/** A new empty `<svg>` with a class and an accessible label. @param {string} cls @param {string} label @returns {SVGSVGElement} */
export function createSvg(cls, label) {
  const svg = el('svg', { class: cls, role: 'img', 'aria-label': label });
  return svg;
}

/** The shared `<defs>`: the hatch pattern that marks garbage words. @returns {SVGSVGElement} */
export function createDefs() {
  const svg = el('svg', { width: 0, height: 0, 'aria-hidden': 'true' });
  // Through the CSSOM, not a style attribute: a strict `style-src 'self'` blocks style attributes.
  svg.style.position = 'absolute';
  const defs = el('defs', {});
  const pattern = el('pattern', { id: 'bv-hatch', width: 4, height: 4, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
  pattern.appendChild(el('rect', { width: 1.6, height: 4, class: 'hatch-line' }));
  defs.appendChild(pattern);
  svg.appendChild(defs);
  return svg;
}
