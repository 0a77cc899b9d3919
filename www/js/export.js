// SPDX-License-Identifier: MIT OR Apache-2.0
// Export of a view as a standalone SVG document or a PNG image: the view's <svg> elements side by side, with the
// styles they use and the colours resolved, so the file looks the same outside the page.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** One SVG document of `svgs` laid out left to right (wrapping at `maxWidth`), styled by `css` with the custom
 * properties of `host` resolved. @param {SVGSVGElement[]} svgs @param {string} css @param {Element} host @param {SVGSVGElement} defs
 * @returns {{text:string, width:number, height:number}} */
export function composeSvg(svgs, css, host, defs, title, maxWidth = 1600) {
  const style = getComputedStyle(host);
  const vars = [...new Set(css.match(/--bv-[a-z0-9-]+/g) ?? [])]
    .map((name) => `${name}: ${style.getPropertyValue(name).trim()};`).join(' ');
  const doc = document.implementation.createDocument(SVG_NS, 'svg', null);
  const root = doc.documentElement;
  const styleEl = doc.createElementNS(SVG_NS, 'style');
  // The element's stylesheet applies to the same class names here; `:host` becomes the document's root.
  styleEl.textContent = `svg { ${vars} font: 14px system-ui, sans-serif; }\n${css.replaceAll(':host', 'svg.bv-export')}`;
  root.setAttribute('class', 'bv-export');
  const titleEl = doc.createElementNS(SVG_NS, 'title');
  titleEl.textContent = title;
  root.append(titleEl, styleEl, doc.importNode(defs.querySelector('defs'), true));
  const pad = 12, gap = 24;
  let x = pad, y = pad, rowH = 0, width = 0;
  for (const svg of svgs) {
    const w = Number(svg.getAttribute('width')) || 0;
    const h = Number(svg.getAttribute('height')) || 0;
    if (x > pad && x + w > maxWidth) { x = pad; y += rowH + gap; rowH = 0; }
    const g = doc.createElementNS(SVG_NS, 'svg');
    for (const a of ['viewBox', 'width', 'height', 'class']) if (svg.hasAttribute(a)) g.setAttribute(a, svg.getAttribute(a));
    g.setAttribute('x', String(x));
    g.setAttribute('y', String(y));
    for (const child of svg.childNodes) g.append(doc.importNode(child, true));
    root.append(g);
    x += w + gap;
    rowH = Math.max(rowH, h);
    width = Math.max(width, x - gap + pad);
  }
  const height = y + rowH + pad;
  root.setAttribute('width', String(width));
  root.setAttribute('height', String(height));
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const bg = doc.createElementNS(SVG_NS, 'rect');
  for (const [k, v] of [['width', '100%'], ['height', '100%'], ['fill', style.getPropertyValue('--bv-panel').trim() || '#fff']]) bg.setAttribute(k, v);
  root.insertBefore(bg, styleEl.nextSibling);
  return { text: new XMLSerializer().serializeToString(doc), width, height };
}

/** A PNG of an SVG document at `scale`. @param {{text:string, width:number, height:number}} svg @param {number} scale @returns {Promise<Blob>} */
export async function svgToPng(svg, scale = 2) {
  const url = URL.createObjectURL(new Blob([svg.text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(svg.width * scale);
    canvas.height = Math.ceil(svg.height * scale);
    const ctx = canvas.getContext('2d');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, svg.width, svg.height);
    return await new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be made'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Offers `blob` as a download named `name`. @param {Blob} blob @param {string} name */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
