// SPDX-License-Identifier: MIT OR Apache-2.0
// Shapes (from layout.js) → SVG DOM, leaving unchanged nodes in place. Elements are built with createElementNS and text
// with textContent only.

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

/** The shapes each `<svg>` shows, as JSON text per top-level shape, to leave unchanged shapes' nodes alone. */
const drawn = new WeakMap();
/** The shapes last drawn in each `<svg>`, beside their JSON in `drawn`. */
const shapesDrawn = new WeakMap();

/** Sets attribute `k` of `node` to `v` unless it has that value already: an unchanged picture is not laid out again. */
function setIfChanged(node, k, v) {
  if (node.getAttribute(k) !== v) node.setAttribute(k, v);
}

/** Shows the shapes of `layout` in `svg`, sized to it. Top-level shapes equal to the ones drawn there last keep their
 * nodes (with a thousand processes most of the page is the same from one step to the next, and rebuilding it cost more
 * style and layout than the step itself); `reuse` false rebuilds every node (for pictures that are marked up after
 * drawing). @param {SVGSVGElement} svg @param {{width:number,height:number,shapes:object[]}} layout @param {boolean} reuse */
export function renderSvg(svg, layout, reuse = true) {
  const w = Math.ceil(layout.width), h = Math.ceil(layout.height);
  setIfChanged(svg, 'viewBox', `0 0 ${w} ${h}`);
  setIfChanged(svg, 'width', String(w));
  setIfChanged(svg, 'height', String(h));
  const keys = layout.shapes.map((shape) => JSON.stringify(shape));
  const was = reuse ? drawn.get(svg) : undefined;
  drawn.set(svg, keys);
  const prevShapes = shapesDrawn.get(svg);
  shapesDrawn.set(svg, layout.shapes);
  if (!was) {
    const frag = document.createDocumentFragment();
    for (const shape of layout.shapes) frag.appendChild(build(shape));
    svg.replaceChildren(frag);
    return;
  }
  const nodes = svg.children;
  layout.shapes.forEach((shape, i) => {
    if (was[i] === keys[i] && nodes[i]) return;
    if (nodes[i] && prevShapes?.[i] && updateLeaf(nodes[i], prevShapes[i], shape)) return;
    const node = build(shape);
    if (nodes[i]) svg.replaceChild(node, nodes[i]);
    else svg.appendChild(node);
  });
  while (nodes.length > keys.length) svg.lastElementChild.remove();
}

/** The attributes a leaf shape sets, by name. */
function leafAttrs(shape) {
  switch (shape.t) {
    case 'rect': return { x: shape.x, y: shape.y, width: shape.w, height: shape.h, rx: shape.rx };
    case 'circle': return { cx: shape.cx, cy: shape.cy, r: shape.r };
    case 'path': return { d: shape.d };
    case 'text': return { x: shape.x, y: shape.y, 'text-anchor': shape.anchor };
    default: return null;
  }
}

/** Turns `node`, drawn from leaf shape `was`, into `shape` in place when both are the same kind of leaf with the same
 * attribute names and title (the marker and the numbers of a chart move at every step; its lines stay).
 * @returns {boolean} whether it did */
function updateLeaf(node, was, shape) {
  const a = leafAttrs(was), b = leafAttrs(shape);
  if (!a || !b || was.t !== shape.t || was.title !== shape.title || was.cls !== shape.cls) return false;
  const names = (o) => Object.keys(o ?? {}).filter((k) => o[k] !== undefined && o[k] !== null).join();
  if (names(a) !== names(b) || Object.keys(was.data ?? {}).join() !== Object.keys(shape.data ?? {}).join()) return false;
  for (const [k, v] of Object.entries(b)) if (v !== undefined && v !== null) setIfChanged(node, k, String(v));
  for (const [k, v] of Object.entries(shape.data ?? {})) setIfChanged(node, `data-${k}`, String(v));
  if (shape.t === 'text' && node.lastChild?.textContent !== String(shape.text)) {
    // A titled text keeps its <title> first; its own text is the last child.
    if (shape.title) node.lastChild.textContent = shape.text;
    else node.textContent = shape.text;
  }
  return true;
}

/** Makes the children of `parent` the nodes `next`, keeping each old child equal to the new one at its place
 * (`isEqualNode`: same attributes and content), so unchanged rows and items are not styled and laid out again.
 * Listeners are not compared: use it where events are handled on a parent. @param {Element} parent @param {(Node|string)[]} next */
export function patchChildren(parent, next) {
  const nodes = parent.childNodes;
  next.forEach((item, i) => {
    const node = typeof item === 'string' ? document.createTextNode(item) : item;
    const old = nodes[i];
    if (!old) parent.appendChild(node);
    else if (!old.isEqualNode(node)) parent.replaceChild(node, old);
  });
  while (nodes.length > next.length) parent.lastChild.remove();
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
