// SPDX-License-Identifier: MIT OR Apache-2.0
// Pure layout: a frame of the model (View mirror + cell bytes + events) → plain shape objects.
// No DOM, no model logic: positions, sizes, labels and CSS class names only. Tested with `node --test`.
//
// A shape is one of
//   {t:'rect', x, y, w, h, rx?, cls?, data?, title?}
//   {t:'text', x, y, text, cls?, anchor?, data?}
//   {t:'path', d, cls?}   {t:'circle', cx, cy, r, cls?}
//   {t:'g', cls?, data?, title?, children: Shape[]}
// and a layout is {width, height, shapes}.

/** Squares per row in the default memory grid. */
export const COLS = 16;
/** Distance between neighbouring squares in the default grid, in px. */
export const PITCH = 10;
/** Side of one square in the default grid, in px. */
export const CELL = 9;
/** The most squares one grid draws; bigger blocks draw several words per square. */
export const MAX_SQUARES = 8192;

/** How to draw blocks of up to `maxWords` words: squares per row, pitch and side in px, and words per square. @param {number} maxWords */
export function geometry(maxWords) {
  const per = Math.max(1, Math.ceil(maxWords / MAX_SQUARES));
  const squares = Math.ceil(maxWords / per);
  if (squares <= 40 * 16) return { cols: 16, pitch: PITCH, cell: CELL, per };
  if (squares <= 40 * 32) return { cols: 32, pitch: 7, cell: 6, per };
  return { cols: 64, pitch: 3, cell: 3, per };
}

const DEFAULT_GEO = geometry(0);

/** One byte per square: the first word of each group of `per` words. @param {Uint8Array} cells @param {number} per */
export function squares(cells, per) {
  if (per === 1) return cells;
  const out = new Uint8Array(Math.ceil(cells.length / per));
  for (let i = 0; i < out.length; i++) out[i] = cells[i * per];
  return out;
}

/** CSS class for a cell kind name ("heap binary" → "k-heap-binary"). @param {string} name @returns {string} */
export function kindClass(name) {
  return 'k-' + name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** The events of one step that concern process `pid`. @param {{pids:number[]}[]} events @param {number} pid */
export function eventsOf(events, pid) {
  return events.filter((e) => e.pids.includes(pid));
}

/** Counts cells by role: live, garbage, free and stack words. @param {Uint8Array} cells @param {object} legend */
export function tally(cells, legend) {
  const names = kindNames(legend);
  const out = { live: 0, garbage: 0, free: 0, stack: 0 };
  for (const c of cells) {
    const name = names[c & 0x1f];
    if (name === 'free') out.free++;
    else if (STACK_KINDS.has(name)) out.stack++;
    else if (c & legend.cell_garbage) out.garbage++;
    else out.live++;
  }
  return out;
}

const STACK_KINDS = new Set(['stack slot', 'return address', 'dead slot']);

function kindNames(legend) {
  const names = [];
  for (const k of legend.cell_kinds) names[k.code] = k.name;
  return names;
}

/** Grid position of word `i` of an `n`-word block: heap words fill from the bottom left, the top row is right-aligned so the stack grows down from the top right. @param {number} i @param {number} n */
export function cellPos(i, n, cols = COLS) {
  const rows = Math.ceil(n / cols);
  const row = Math.floor(i / cols);
  let col = i % cols;
  if (row === rows - 1) col += rows * cols - n;
  return { col, row: rows - 1 - row, rows };
}

/** Size in px of the grid for an `n`-square block. @param {number} n @returns {{w:number,h:number}} */
export function gridSize(n, geo = DEFAULT_GEO) {
  return { w: geo.cols * geo.pitch, h: Math.max(1, Math.ceil(n / geo.cols)) * geo.pitch };
}

/**
 * Shapes for one block of word cells at (x, y): one rect per run of equal cells within a row, white grid lines
 * between words, hatching over garbage runs and a dark notch at each object's first word.
 * @param {Uint8Array} cells @param {object} legend @param {number} x @param {number} y
 */
export function gridShapes(cells, legend, x, y, cls = 'grid', geo = DEFAULT_GEO) {
  const { cols: COLS, pitch: PITCH, cell: CELL } = geo;
  const names = kindNames(legend);
  const n = cells.length;
  const runs = [];
  const overlays = [];
  // Object starts are notches of one path, not a rect each: a picture can have hundreds, and each element is styled
  // and laid out at every step it is drawn.
  let notches = '';
  let notchCount = 0;
  const notchW = PITCH >= 10 ? 2 : 1;
  const body = ~legend.cell_header & 0xff;
  let i = 0;
  while (i < n) {
    const c = cells[i] & body;
    const { col, row } = cellPos(i, n, COLS);
    let len = 1;
    while (i + len < n && (cells[i + len] & body) === c && col + len < COLS) len++;
    const rx = x + col * PITCH;
    const ry = y + row * PITCH;
    const kind = kindClass(names[c & 0x1f] ?? 'other');
    const garbage = (c & legend.cell_garbage) !== 0;
    runs.push({ t: 'rect', x: rx, y: ry, w: len * PITCH - (PITCH - CELL), h: CELL, cls: garbage ? `${kind} garbage` : kind });
    if (garbage) overlays.push({ t: 'rect', x: rx, y: ry, w: len * PITCH - (PITCH - CELL), h: CELL, cls: 'hatch' });
    for (let j = i; j < i + len; j++) {
      if (geo.per === 1 && PITCH >= 7 && cells[j] & legend.cell_header && names[c & 0x1f] !== 'free') {
        notches += `M${rx + (j - i) * PITCH} ${ry}h${notchW}v${CELL}h${-notchW}z`;
        notchCount += 1;
      }
    }
    i += len;
  }
  const rows = Math.ceil(n / COLS);
  let d = '';
  if (PITCH >= 7) for (let k = 1; k < COLS; k++) d += `M${x + k * PITCH - 0.5} ${y}v${rows * PITCH}`;
  if (PITCH >= 7) for (let k = 1; k < rows; k++) d += `M${x} ${y + k * PITCH - 0.5}h${COLS * PITCH}`;
  const lines = d ? [{ t: 'path', d, cls: 'grid-lines' }] : [];
  if (notches) overlays.push({ t: 'path', d: notches, cls: 'obj-start', data: { objects: String(notchCount) } });
  return { t: 'g', cls, data: { squares: String(n), per: String(geo.per) }, children: [...runs, ...lines, ...overlays] };
}

/** Path along the top edge of the first `k` squares of an `n`-square grid at (x, y). @param {number} k @param {number} n */
export function prefixEdge(k, n, x, y, geo = DEFAULT_GEO) {
  const { cols, pitch: PITCH } = geo;
  const rows = Math.ceil(n / cols);
  const full = Math.floor(k / cols);
  const rem = k % cols;
  const yOf = (r) => y + (rows - r) * PITCH - 0.5; // top of the r-th row from the bottom, 0-based
  const right = x + cols * PITCH - 1;
  if (rem === 0) return `M${x - 4} ${yOf(full)}H${right + 4}`;
  const xr = x + rem * PITCH - 0.5;
  return `M${x - 4} ${yOf(full + 1)}H${xr}V${yOf(full)}H${right + 4}`;
}

/** Fate codes of `gc_fates_*` (the core's `view::FATE_*`): where a word goes in a collection. */
export const FATES = { copied: 1, promoted: 2, freed: 3 };

/** The sub-steps of a collection, in order, from a process's events of one step: roots, copy, promote (minor GCs that
 * promoted), resize (when the heap changed size), free, then `after`. @param {{kind:string, phase?:string}[]} events */
export function gcPhases(events) {
  const out = [];
  for (const e of events) {
    if (e.kind === 'GcPhaseDone' && !out.includes(e.phase)) out.push(e.phase);
    if (e.kind === 'HeapResized' && !out.includes('resize')) out.push('resize');
    if (e.kind === 'GcFinished') break;
  }
  if (!out.length) return [];
  // The core reports resize after free; the picture shows the new block before the old one goes.
  const order = ['roots', 'copy', 'promote', 'resize', 'free'];
  return [...order.filter((p) => out.includes(p)), 'after'];
}

/** Outlines over the squares whose fate is `fate`, one rect per run within a row. @param {Uint8Array} fates @param {number} fate */
export function fateShapes(fates, fate, x, y, cls, geo = DEFAULT_GEO) {
  const { cols, pitch, cell } = geo;
  const n = fates.length;
  const shapes = [];
  let i = 0;
  while (i < n) {
    if (fates[i] !== fate) { i++; continue; }
    const { col, row } = cellPos(i, n, cols);
    let len = 1;
    while (i + len < n && fates[i + len] === fate && col + len < cols) len++;
    shapes.push({ t: 'rect', x: x + col * pitch, y: y + row * pitch, w: len * pitch - (pitch - cell), h: cell, cls });
    i += len;
  }
  return { t: 'g', cls: `fates ${cls}`, data: { fate: cls, words: String(fates.reduce((k, f) => k + (f === fate ? 1 : 0), 0)) }, children: shapes };
}

function withRole(shape, role) {
  shape.data = { ...shape.data, role };
  return shape;
}

function text(x, y, s, cls, anchor, data) {
  const shape = { t: 'text', x, y, text: String(s), cls };
  if (anchor) shape.anchor = anchor;
  if (data) shape.data = data;
  return shape;
}

/** The most processes a lifecycle stage shows as chips of their own. */
const MAX_CHIPS = 8;

/** Chip geometry: 13px bold text is about 7.6 px a character; a chip pads its label by 7 px a side. */
const CHIP_CHAR_W = 7.6, CHIP_PAD = 14, CHIP_H = 24, CHIP_ROW = 28, CHIP_GAP = 6;

/** The lifecycle diagram: one box per stage, each process's name in the box of its stage. Chips are as wide as their
 * names and wrap into rows; a name too long for a box is shortened with "…" (its full name is in the chip's title).
 * @param {{processes:object[]}} view @param {string[]} stages */
export function layoutLifecycle(view, stages) {
  const boxW = 132, gap = 26, top = 8, inner = boxW - 12;
  const maxChars = Math.floor((inner - CHIP_PAD) / CHIP_CHAR_W);
  const label = (name) => (name.length > maxChars ? `${name.slice(0, maxChars - 1)}…` : name);
  const width = (l) => Math.max(26, Math.ceil(l.length * CHIP_CHAR_W + CHIP_PAD));
  // Each stage's chips, placed in rows first, so every box gets the height of the fullest one.
  const placed = stages.map((stage, idx) => {
    const here = view.processes.filter((p) => p.stage_index === idx);
    // Past MAX_CHIPS processes in a stage (a scenario may have a thousand), the first few get chips and one more
    // chip counts the rest: a thousand chips would neither fit nor draw quickly.
    const shown = here.length > MAX_CHIPS ? here.slice(0, 2) : here;
    const more = here.length - shown.length;
    const items = shown.map((p) => ({ p, text: label(p.name) }));
    if (more) items.push({ more, text: `+${more}` });
    const rows = [[]];
    let used = 0;
    for (const it of items) {
      it.w = width(it.text);
      if (rows[rows.length - 1].length && used + CHIP_GAP + it.w > inner) { rows.push([]); used = 0; }
      used += (rows[rows.length - 1].length ? CHIP_GAP : 0) + it.w;
      rows[rows.length - 1].push(it);
    }
    return { stage, here, rows };
  });
  const boxH = 66 + Math.max(1, ...placed.map((s) => s.rows.length)) * CHIP_ROW;
  const shapes = [];
  placed.forEach(({ stage, here, rows }, idx) => {
    const x = idx * (boxW + gap) + 1;
    const active = here.length > 0;
    const [first, ...rest] = stage.split(' ');
    const children = [
      { t: 'rect', x, y: top, w: boxW, h: boxH, rx: 10, cls: 'stage-box' },
      text(x + 10, top + 18, `${idx + 1}`, 'stage-num'),
      text(x + boxW / 2, top + 24, first, 'stage-name', 'middle'),
      text(x + boxW / 2, top + 40, rest.join(' '), 'stage-name', 'middle'),
    ];
    rows.forEach((row, r) => {
      const total = row.reduce((a, it) => a + it.w, 0) + Math.max(0, row.length - 1) * CHIP_GAP;
      let cx = x + (boxW - total) / 2;
      const y = top + 54 + r * CHIP_ROW;
      for (const it of row) {
        children.push(it.p
          ? { t: 'g', cls: `chip p${it.p.pid % 4}`, data: { process: it.p.name }, title: `${it.p.name} is at ${stage}`,
            children: [{ t: 'rect', x: cx, y, w: it.w, h: CHIP_H, rx: 12, cls: 'chip-bg' }, text(cx + it.w / 2, y + 16, it.text, 'chip-text', 'middle')] }
          : { t: 'g', cls: 'chip more', data: { more: String(it.more) }, title: `${it.more} more processes are at ${stage}`,
            children: [{ t: 'rect', x: cx, y, w: it.w, h: CHIP_H, rx: 12, cls: 'chip-bg' }, text(cx + it.w / 2, y + 16, it.text, 'chip-text', 'middle')] });
        cx += it.w + CHIP_GAP;
      }
    });
    shapes.push({
      t: 'g', cls: active ? 'stage active' : 'stage',
      data: { stage, active: String(active), processes: here.map((p) => p.name).join(' ') },
      children,
    });
    if (idx < stages.length - 1) {
      const ax = x + boxW + 4, ay = top + boxH / 2;
      shapes.push({ t: 'path', d: `M${ax} ${ay}H${ax + gap - 10}M${ax + gap - 15} ${ay - 5}L${ax + gap - 9} ${ay}L${ax + gap - 15} ${ay + 5}`, cls: 'arrow' });
    }
  });
  return { width: stages.length * (boxW + gap) - gap + 2, height: boxH + 2 * top, shapes };
}

/**
 * One process's memory: its young block (heap from the bottom, stack from the top), its old heap, the high-water mark,
 * numbers as text, and on a GC step the block as it was before next to it.
 * @param {object} p ProcessMirror @param {{young:Uint8Array, old:Uint8Array}} cells @param {object[]} events this step's events of p
 * @param {object} legend @param {{young:Uint8Array, fates:{young:Uint8Array}, heap_used:number, high_water:number}|null} before the previous
 * step's young cells and their fates, on GC steps @param {string|null} phase the GC sub-step to show (`gcPhases`), or null for the result
 * @param {Uint8Array|null} was the young cells one step earlier, to outline the words that changed (same block size only)
 */
export function layoutProcess(p, cells, events, legend, before = null, phase = null, was = null) {
  const shapes = [];
  const left = 58;
  const headH = 34;
  const met = events.find((e) => e.kind === 'HeapMetStack');
  const gc = events.find((e) => e.kind === 'GcFinished');
  const aborted = events.some((e) => e.kind === 'MinorGcAborted');
  const promoted = events.find((e) => e.kind === 'Promoted');
  const oldCreated = events.some((e) => e.kind === 'OldHeapCreated');
  const data = { pid: String(p.pid), name: p.name, stage: p.stage, alive: String(p.alive) };
  if (gc) data.gc = gc.gc;
  const phases = before ? gcPhases(events) : [];
  if (!phases.includes(phase)) phase = null;
  if (phase) data.gcPhase = phase;
  const phaseEvent = (name) => events.find((e) => e.kind === 'GcPhaseDone' && e.phase === name);

  shapes.push(text(0, 18, p.name, `proc-name p${p.pid % 4}`));
  shapes.push(text(16 + 9 * p.name.length, 18, p.alive ? `<0.${p.pid}.0> · ${p.memory} bytes` : `<0.${p.pid}.0>`, 'proc-pid'));
  shapes.push(text(0, 34, p.stage, 'proc-stage', null, { role: 'stage' }));

  if (!p.alive) {
    const y = headH + 14;
    shapes.push({ t: 'rect', x: left, y, w: COLS * PITCH, h: 120, rx: 6, cls: 'reclaimed' });
    shapes.push(text(left + (COLS * PITCH) / 2, y + 56, 'exited', 'reclaimed-text', 'middle'));
    shapes.push(text(left + (COLS * PITCH) / 2, y + 74, 'memory reclaimed', 'reclaimed-text', 'middle'));
    return { width: left + COLS * PITCH + 10, height: y + 136, data, shapes };
  }

  let y = headH + 10;
  if (met || (before && gc)) {
    const label = met ? `heap meets stack → ${gc ? gc.gc : ''} GC`.replace('  ', ' ') : `${gc.gc} GC`;
    shapes.push({
      t: 'g', cls: 'gc-banner', data: { role: 'gc-banner' },
      children: [
        { t: 'rect', x: 0, y, w: 360, h: 24, rx: 5, cls: 'gc-banner-bg' },
        text(10, y + 16, `⚠ ${label}${aborted ? ' (first GC is a fullsweep)' : ''}`, 'gc-banner-text'),
      ],
    });
    y += 34;
  }

  // A line for the GC sub-step's sentence, above the blocks.
  const noteY = y + 4;
  if (phase) y += 18;

  // One geometry for all blocks of the panel, so their sizes compare; tallies below use the full cell arrays.
  const geo = geometry(Math.max(cells.young.length, cells.old.length, before ? before.young.length : 0));
  const per = geo.per;
  const sq = (words) => Math.ceil(words / per);
  const young = squares(cells.young, per);
  const old = squares(cells.old, per);
  const yg = gridSize(young.length, geo);
  const og = old.length ? gridSize(old.length, geo) : { w: 0, h: 0 };
  const bg = before ? gridSize(sq(before.young.length), geo) : { w: 0, h: 0 };
  const gridH = Math.max(yg.h, og.h, bg.h);
  const bottom = y + 16 + gridH; // grids are bottom-aligned: heaps grow up from here
  let x = left;

  if (before) {
    const by = bottom - bg.h;
    const n = sq(before.young.length);
    shapes.push(text(x + bg.w / 2, by - 6, 'before GC', 'grid-title', 'middle'));
    shapes.push(withRole(gridShapes(squares(before.young, per), legend, x, by, 'grid before', geo), 'before'));
    shapes.push({ t: 'rect', x: x - 2.5, y: by - 2.5, w: bg.w + 4, h: bg.h + 4, rx: 3, cls: phase === 'free' ? 'block-outline freed' : 'block-outline' });
    // The sub-step on screen: which words of the old block it concerns, from the core's fates, and its numbers.
    const fates = before.fates ? squares(before.fates.young, per) : new Uint8Array(0);
    const note = (s) => shapes.push(text(0, noteY, s, 'gc-phase-note', null, { role: 'phase-note' }));
    if (phase === 'roots') {
      const roots = squares(before.young, per).map((c) => (legend.cell_kinds[c & 0x1f]?.name === 'stack slot' ? 1 : 0));
      shapes.push(fateShapes(roots, 1, x, by, 'fate-root', geo));
      const ev = phaseEvent('roots');
      note(`1 roots: the stack's variables are the roots${ev ? `; their direct targets copied (${ev.words} words)` : ''}`);
    } else if (phase === 'copy') {
      shapes.push(fateShapes(fates, FATES.copied, x, by, 'fate-copied', geo));
      note(`2 copy: ${phaseEvent('copy')?.words ?? 0} live words copied into a new young heap`);
    } else if (phase === 'promote') {
      shapes.push(fateShapes(fates, FATES.promoted, x, by, 'fate-promoted', geo));
      note(`3 promote: ${phaseEvent('promote')?.words ?? 0} words below the high-water mark moved to the old heap`);
    } else if (phase === 'resize') {
      const r = events.find((e) => e.kind === 'HeapResized');
      note(`4 resize: the young heap goes from ${r.from} to ${r.to} words`);
    } else if (phase === 'free') {
      shapes.push(fateShapes(fates, FATES.freed, x, by, 'fate-freed', geo));
      note(`5 free: the old block is freed; ${gc?.reclaimed ?? 0} words of garbage reclaimed`);
    }
    if (before.high_water > 0) shapes.push({ t: 'path', d: prefixEdge(sq(before.high_water), n, x, by, geo), cls: 'high-water' });
    if (met && !phase) {
      // The allocation that did not fit, drawn from the heap top upward into the stack's side.
      // One path of squares, not a rect per word: a large allocation needs hundreds.
      let needed = '';
      let squaresNeeded = 0;
      for (let i = Math.floor(before.heap_used / per); i < Math.min(n, sq(before.heap_used + met.need)); i++) {
        const { col, row } = cellPos(i, n, geo.cols);
        needed += `M${x + col * geo.pitch} ${by + row * geo.pitch}h${geo.cell}v${geo.cell}h${-geo.cell}z`;
        squaresNeeded += 1;
      }
      const cellsNeeded = needed ? [{ t: 'path', d: needed, cls: 'needed' }] : [];
      shapes.push({ t: 'g', cls: 'needed-group', title: `needed ${met.need} words, ${met.free} free`, data: { squares: String(squaresNeeded) }, children: cellsNeeded });
      shapes.push(text(x + bg.w / 2, bottom + 14, `needed ${met.need}, free ${met.free}`, 'grid-note warn', 'middle'));
    }
    const ax = x + bg.w + 6, ay = bottom - gridH / 2;
    shapes.push({ t: 'path', d: `M${ax} ${ay}H${ax + 30}M${ax + 24} ${ay - 5}L${ax + 30} ${ay}L${ax + 24} ${ay + 5}`, cls: 'arrow gc-arrow' });
    shapes.push(text(ax + 15, ay - 9, 'GC', 'gc-arrow-text', 'middle'));
    x += bg.w + 44;
  }

  const yy = bottom - yg.h;
  if (per > 1) shapes.push(text(x + yg.w / 2, bottom + 14, `1 square = ${per} words`, 'grid-note', 'middle', { role: 'scale' }));
  shapes.push(text(x + yg.w / 2, yy - 6, before ? 'after GC' : 'young heap + stack', 'grid-title', 'middle'));
  const pending = phase === 'roots' || phase === 'copy' || phase === 'promote';
  shapes.push(withRole(gridShapes(young, legend, x, yy, `grid young${met ? ' met' : ''}${pending ? ' pending' : ''}`, geo), 'young'));
  // What changed since the previous step: words whose kind, object start or garbage mark differ (a GC step shows
  // its before and after instead).
  if (was && !before && was.length === cells.young.length) {
    const changed = new Uint8Array(young.length);
    const old = squares(was, per);
    for (let i = 0; i < young.length; i++) if (young[i] !== old[i]) changed[i] = 1;
    shapes.push(fateShapes(changed, 1, x, yy, 'changed', geo));
  }
  shapes.push({ t: 'rect', x: x - 2.5, y: yy - 2.5, w: yg.w + 4, h: yg.h + 4, rx: 3, cls: met ? 'block-outline met' : 'block-outline' });
  if (!before) {
    shapes.push(text(x - 8, yy + 10, 'stack ↓', 'side-label', 'end'));
    shapes.push(text(x - 8, bottom - 3, 'heap ↑', 'side-label', 'end'));
  }
  if (p.high_water > 0) {
    shapes.push({ t: 'path', d: prefixEdge(sq(p.high_water), young.length, x, yy, geo), cls: 'high-water' });
    const hwRow = Math.floor(sq(p.high_water) / geo.cols);
    const hwY = yy + (Math.ceil(young.length / geo.cols) - hwRow) * geo.pitch - 3;
    shapes.push(text(x + yg.w + 6, hwY, 'high-water', 'hw-label'));
  }
  x += yg.w + 16;

  if (old.length) {
    x += p.high_water > 0 ? 56 : 24;
    const oy = bottom - og.h;
    shapes.push(text(x + og.w / 2, oy - 6, `old heap · ${p.old_heap_used}/${p.old_heap_size}`, 'grid-title', 'middle'));
    shapes.push(withRole(gridShapes(old, legend, x, oy, phase === 'promote' ? 'grid old receiving' : 'grid old', geo), 'old'));
    shapes.push({ t: 'rect', x: x - 2.5, y: oy - 2.5, w: og.w + 4, h: og.h + 4, rx: 3, cls: oldCreated ? 'block-outline old new' : 'block-outline old' });
    if (promoted) {
      shapes.push(text(x + og.w / 2, bottom + 14, `+${promoted.words} words promoted`, 'grid-note', 'middle'));
    }
    x += og.w + 10;
  }

  // Numbers, as process_info/2 names them, in a fixed three-column table.
  const t = tally(cells.young, legend);
  const o = tally(cells.old, legend);
  let ty = bottom + 36;
  const valX = 66;
  const rows = [
    [['heap_size', p.heap_size], ['heap used', p.heap_used], ['stack', p.stack_size]],
    [['free', t.free], ['live', t.live + o.live], ['garbage', t.garbage + o.garbage]],
    [['high-water', p.high_water], ['old heap', `${p.old_heap_used}/${p.old_heap_size}`], ['fragments', p.mbuf_size]],
    [['minor GCs', p.minor_gcs_total], ['major GCs', p.major_gcs_total], ['mailbox', p.message_queue_len]],
  ];
  // Column widths follow the longest value (about 7.3 px per monospace character).
  const colW = [0, 1, 2].map((i) => Math.max(118, valX + 14 + 7.3 * Math.max(...rows.map((r) => String(r[i][1]).length))));
  const colX = [0, colW[0], colW[0] + colW[1]];
  for (const row of rows) {
    row.forEach(([k, v], i) => {
      shapes.push(text(colX[i], ty, k, 'stat-key'));
      shapes.push(text(colX[i] + valX, ty, v, 'stat-val', null, { stat: k }));
    });
    ty += 18;
  }
  const tableW = colX[2] + colW[2] - 10;
  if (p.vars.length) ty += 4;
  for (const v of p.vars.slice(0, 5)) {
    const room = Math.max(8, 38 - v.name.length - 3);
    const preview = v.preview.length > room ? v.preview.slice(0, room - 1) + '…' : v.preview;
    shapes.push(text(0, ty, `${v.name} = ${preview}`, 'var-line'));
    shapes.push(text(tableW, ty, `${v.size} words`, 'var-size', 'end'));
    ty += 16;
  }
  for (const m of p.mailbox.slice(0, 3)) {
    const room = 34;
    shapes.push(text(0, ty, `✉ ${m.length > room ? m.slice(0, room - 1) + '…' : m}`, 'var-line mail', null, { role: 'message' }));
    shapes.push(text(tableW, ty, 'in mailbox', 'var-size', 'end'));
    ty += 16;
  }
  const width = Math.max(x, tableW, left + yg.w + 80);
  return { width, height: ty, data, shapes };
}

/** The shared binary area: one card per refc binary with its size, reference count and holders; binaries freed this step as ghosts. @param {{binaries:object[], processes:object[], events:object[]}} view */
export function layoutBinaries(view) {
  const names = new Map(view.processes.map((p) => [p.pid, p.name]));
  const shapes = [];
  const w = 300;
  let y = 4;
  for (const b of view.binaries) {
    const h = 58 + b.holders.length * 26;
    const children = [
      { t: 'rect', x: 1, y, w, h, rx: 8, cls: 'bin-card' },
      text(14, y + 22, `binary #${b.id}`, 'bin-title'),
      text(14, y + 40, `${b.bytes} bytes, off-heap`, 'bin-sub'),
      { t: 'circle', cx: w - 36, cy: y + 29, r: 20, cls: b.refc > 1 ? 'refc-badge shared' : 'refc-badge' },
      text(w - 36, y + 36, b.refc, 'refc-num', 'middle', { role: 'refc' }),
      text(w - 66, y + 34, 'refc', 'refc-label', 'end'),
    ];
    b.holders.forEach((hd, i) => {
      const hy = y + 52 + i * 26;
      const name = names.get(hd.pid) ?? `<0.${hd.pid}.0>`;
      children.push({
        t: 'g', cls: `holder p${hd.pid % 4} ${hd.reachable ? 'reachable' : 'unreachable'}`,
        data: { holder: name, reachable: String(hd.reachable) },
        children: [
          { t: 'rect', x: 14, y: hy, w: w - 28, h: 22, rx: 11, cls: 'holder-bg' },
          { t: 'circle', cx: 28, cy: hy + 11, r: 5, cls: 'holder-dot' },
          text(40, hy + 15, `${name}  <0.${hd.pid}.0>`, 'holder-name'),
          text(w - 22, hy + 15, hd.reachable ? 'ProcBin reachable' : 'unreachable: until its next GC', 'holder-state', 'end'),
        ],
      });
    });
    shapes.push({ t: 'g', cls: 'binary', data: { binary: String(b.id), refc: String(b.refc), bytes: String(b.bytes) }, children });
    y += h + 12;
  }
  for (const e of view.events.filter((ev) => ev.kind === 'BinaryFreed')) {
    shapes.push({
      t: 'g', cls: 'binary freed', data: { freed: 'true' },
      children: [
        { t: 'rect', x: 1, y, w, h: 46, rx: 8, cls: 'bin-card freed' },
        text(14, y + 20, e.text, 'bin-title'),
        text(14, y + 37, 'refc reached 0: its bytes are returned', 'bin-sub'),
      ],
    });
    y += 58;
  }
  if (!shapes.length) {
    shapes.push(text(4, y + 16, 'No off-heap binaries.', 'bin-empty'));
    shapes.push(text(4, y + 34, 'Binaries over 64 bytes live here,', 'bin-empty-sub'));
    shapes.push(text(4, y + 50, 'shared between processes by reference count.', 'bin-empty-sub'));
    y += 60;
  }
  return { width: w + 2, height: y, shapes };
}

/** The series of the memory chart and their CSS classes, in drawing order. */
export const MEMORY_LINES = ['processes', 'binary', 'ets', 'atom'];

/**
 * The `erlang:memory()` chart: one line per category over every step, the current step marked.
 * Long runs are drawn with at most `maxPoints` points per line (each the largest value of its steps, so peaks stay).
 * @param {{names:string[], values:Float64Array|number[], steps:number}} series @param {number} step @param {number} maxPoints
 */
export function layoutMemoryChart(series, step, maxPoints = 600) {
  const w = 560, h = 150, left = 56, top = 10, bottom = 22;
  const k = series.names.length;
  const cols = MEMORY_LINES.map((name) => series.names.indexOf(name));
  const n = series.steps;
  const xOf = (s) => left + (n > 1 ? (s / (n - 1)) * (w - left - 8) : 0);
  const { max, lines } = chartLines(series, maxPoints, cols, (v, vmax) => top + (h - top - bottom) * (1 - v / vmax), xOf);
  const shapes = [
    { t: 'path', d: `M${left} ${top}V${h - bottom}H${w - 8}`, cls: 'axis' },
    text(left - 6, top + 8, formatBytes(max), 'axis-label', 'end'),
    text(left - 6, h - bottom, '0', 'axis-label', 'end'),
    text(left, h - 6, 'step 0', 'axis-label'),
    text(w - 8, h - 6, `step ${Math.max(0, n - 1)}`, 'axis-label', 'end'),
  ];
  MEMORY_LINES.forEach((name, i) => {
    const c = cols[i];
    if (c < 0) return;
    const now = step < n ? series.values[step * k + c] : 0;
    shapes.push({ t: 'path', d: lines[i], cls: `mem-line mem-${name}`, data: { series: name, now: String(now) } });
    shapes.push(text(w + 4, top + 14 + i * 16, `${name} ${formatBytes(now)}`, `mem-key mem-${name}`, null, { series: name }));
  });
  const x = xOf(Math.min(step, Math.max(0, n - 1)));
  shapes.push({ t: 'path', d: `M${x} ${top - 4}V${h - bottom + 4}`, cls: 'mem-now', data: { role: 'now', step: String(step) } });
  return { width: w + 150, height: h, shapes };
}

/** The lines of each memory chart's series, kept with it: they are the same at every step. */
const chartCache = new WeakMap();

/** The largest value of the chart's lines and each line's path (`''` for a series not in the data), the same for
 * every step of a series, so they are computed once per series and size. */
function chartLines(series, maxPoints, cols, yOf, xOf) {
  const key = `${maxPoints}|${cols.join()}`;
  const hit = chartCache.get(series);
  if (hit?.key === key) return hit;
  const k = series.names.length;
  const n = series.steps;
  let max = 1;
  for (let s = 0; s < n; s++) for (const c of cols) if (c >= 0) max = Math.max(max, series.values[s * k + c]);
  const per = Math.max(1, Math.ceil(n / maxPoints));
  const lines = cols.map((c) => {
    if (c < 0) return '';
    let d = '';
    for (let s = 0; s < n; s += per) {
      let v = 0;
      for (let j = s; j < Math.min(n, s + per); j++) v = Math.max(v, series.values[j * k + c]);
      d += `${d ? 'L' : 'M'}${xOf(s).toFixed(1)} ${yOf(v, max).toFixed(1)}`;
    }
    return d;
  });
  const out = { key, max, lines };
  chartCache.set(series, out);
  return out;
}

/** Bytes as B, KB or MB (1024-based, as `erlang:memory()` readers usually do). @param {number} n @returns {string} */
export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
