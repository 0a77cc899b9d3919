// SPDX-License-Identifier: MIT OR Apache-2.0
// Unit tests of the pure layout (node --test www/js/): hand-made frames in, shapes out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COLS, FATES, PITCH, cellPos, fateShapes, gcPhases, geometry, squares, eventsOf, gridShapes, kindClass, layoutBinaries, layoutLifecycle, layoutProcess, prefixEdge, tally } from './layout.js';

const legend = {
  stages: ['Process Start', 'Heap Allocation', 'Message Passing', 'Garbage Collection', 'Process Termination', 'Memory Reclamation'],
  cell_kinds: ['free', 'cons', 'tuple', 'heap binary', 'ProcBin', 'sub-binary', 'number', 'fun', 'map', 'other', 'stack slot', 'return address', 'dead slot']
    .map((name, code) => ({ code, name })),
  cell_header: 0x40,
  cell_garbage: 0x80,
};

function proc(over = {}) {
  return {
    pid: 0, name: 'a', alive: true, stage: 'Heap Allocation', stage_index: 1, heap_size: 20, heap_used: 4, stack_size: 1,
    high_water: 0, old_heap_size: 0, old_heap_used: 0, mbuf_size: 0, total_heap_size: 20, memory: 1000, message_queue_len: 0,
    minor_gcs: 0, minor_gcs_total: 0, major_gcs_total: 0, fullsweep_after: 65535, vars: [], mailbox: [], binaries: [], ...over,
  };
}

/** 20 words: a live cons cell, a garbage cons cell, free words, and a return address on top. */
function young() {
  const cells = new Uint8Array(20);
  cells[0] = 1 | 0x40; cells[1] = 1;
  cells[2] = 1 | 0x40 | 0x80; cells[3] = 1 | 0x80;
  cells[19] = 11;
  return cells;
}

function find(shapes, pred) {
  for (const s of shapes) {
    if (pred(s)) return s;
    if (s.children) { const hit = find(s.children, pred); if (hit) return hit; }
  }
  return null;
}

test('cell kinds become CSS classes', () => {
  assert.equal(kindClass('heap binary'), 'k-heap-binary');
  assert.equal(kindClass('ProcBin'), 'k-procbin');
});

test('heap words fill from the bottom left; the top row is right-aligned so the stack starts top right', () => {
  assert.deepEqual(cellPos(0, 20), { col: 0, row: 1, rows: 2 });
  assert.deepEqual(cellPos(15, 20), { col: 15, row: 1, rows: 2 });
  assert.deepEqual(cellPos(19, 20), { col: COLS - 1, row: 0, rows: 2 });
  assert.deepEqual(cellPos(16, 20), { col: COLS - 4, row: 0, rows: 2 });
});

test('big blocks get more squares per row, then several words per square', () => {
  assert.deepEqual(geometry(376), { cols: 16, pitch: 10, cell: 9, per: 1 });
  assert.equal(geometry(1000).cols, 32);
  assert.deepEqual(geometry(6765), { cols: 64, pitch: 3, cell: 3, per: 1 });
  assert.equal(geometry(46422).per, 6);
  assert.deepEqual([...squares(new Uint8Array([1, 2, 3, 4, 5]), 2)], [1, 3, 5]);
});

test('a huge block is drawn at several words per square, and says so', () => {
  const big = new Uint8Array(20000);
  const out = layoutProcess(proc({ heap_size: 20000 }), { young: big, old: new Uint8Array(0) }, [], legend);
  assert.equal(find(out.shapes, (s) => s.data?.role === 'scale').text, '1 square = 3 words');
  assert.equal(find(out.shapes, (s) => s.data?.role === 'young').data.squares, '6667');
  assert.ok(out.height < 700, `height ${out.height}`);
});

test('tally counts live, garbage, free and stack words', () => {
  assert.deepEqual(tally(young(), legend), { live: 2, garbage: 2, free: 15, stack: 1 });
});

test('a grid draws runs of equal words, hatched where garbage, with a notch per object', () => {
  const g = gridShapes(young(), legend, 0, 0);
  assert.equal(g.data.squares, '20');
  assert.equal(g.data.per, '1');
  const runs = g.children.filter((s) => s.t === 'rect' && s.cls.startsWith('k-'));
  assert.equal(runs.reduce((sum, r) => sum + (r.w + PITCH - 9) / PITCH, 0), 20, 'runs cover every word once');
  assert.deepEqual(runs.map((r) => r.cls), ['k-cons', 'k-cons garbage', 'k-free', 'k-free', 'k-return-address']);
  assert.equal(g.children.filter((s) => s.cls === 'hatch').length, 1);
  assert.equal(g.children.find((s) => s.cls === 'obj-start').data.objects, '2');
});

test('the high-water edge steps up where the prefix ends', () => {
  assert.equal(prefixEdge(16, 32, 0, 0), `M-4 ${PITCH - 0.5}H${COLS * PITCH + 3}`);
  assert.match(prefixEdge(3, 32, 0, 0), /V/);
});

test('lifecycle puts each process in the box of its stage', () => {
  const view = { processes: [proc(), proc({ pid: 1, name: 'b', stage_index: 5, stage: 'Memory Reclamation' })] };
  const { shapes } = layoutLifecycle(view, legend.stages);
  const stages = shapes.filter((s) => s.cls?.startsWith('stage'));
  assert.equal(stages.length, 6);
  assert.deepEqual(stages.map((s) => s.data.processes), ['', 'a', '', '', '', 'b']);
  assert.deepEqual(stages.map((s) => s.data.active), ['false', 'true', 'false', 'false', 'false', 'true']);
});

test('a GC step shows the banner, the before picture and the needed words', () => {
  const events = [
    { kind: 'HeapMetStack', pids: [0], text: 'met', need: 3, free: 2 },
    { kind: 'GcFinished', pids: [0], text: 'gc', gc: 'minor' },
  ];
  const before = { young: young(), heap_used: 4, high_water: 2 };
  const out = layoutProcess(proc(), { young: young(), old: new Uint8Array(0) }, events, legend, before);
  assert.equal(out.data.gc, 'minor');
  assert.match(find(out.shapes, (s) => s.data?.role === 'gc-banner').children[1].text, /heap meets stack → minor GC/);
  assert.ok(find(out.shapes, (s) => s.data?.role === 'before'));
  assert.equal(find(out.shapes, (s) => s.cls === 'needed-group').data.squares, '3');
  assert.equal(find(out.shapes, (s) => s.data?.stat === 'garbage').text, '2');
});

test('a GC plays as its sub-steps: roots, copy, promote, resize, free, after', () => {
  const events = [
    { kind: 'GcStarted', pids: [0], text: '' },
    { kind: 'GcPhaseDone', pids: [0], phase: 'roots', words: 2 },
    { kind: 'GcPhaseDone', pids: [0], phase: 'copy', words: 4 },
    { kind: 'GcPhaseDone', pids: [0], phase: 'promote', words: 2 },
    { kind: 'GcPhaseDone', pids: [0], phase: 'free', words: 9 },
    { kind: 'HeapResized', pids: [0], from: 16, to: 24 },
    { kind: 'GcFinished', pids: [0], text: 'gc', gc: 'minor', reclaimed: 2 },
  ];
  assert.deepEqual(gcPhases(events), ['roots', 'copy', 'promote', 'resize', 'free', 'after']);
  assert.deepEqual(gcPhases(events.filter((e) => e.kind !== 'HeapResized' && e.phase !== 'promote')), ['roots', 'copy', 'free', 'after']);
  assert.deepEqual(gcPhases([]), []);
  // Words 0-1 promoted, 2-3 garbage, 4-5 copied (fates from the core), the rest free gap and stack.
  const fates = new Uint8Array(16);
  fates.set([FATES.promoted, FATES.promoted, FATES.freed, FATES.freed, FATES.copied, FATES.copied]);
  const before = { young: young(), heap_used: 4, high_water: 2, fates: { young: fates, old: new Uint8Array(0) } };
  const cells = { young: young(), old: new Uint8Array(0) };
  const at = (phase) => layoutProcess(proc(), cells, events, legend, before, phase);
  const marked = (out, fate) => find(out.shapes, (s) => s.data?.fate === fate)?.data.words;
  assert.equal(marked(at('copy'), 'fate-copied'), '2');
  assert.equal(marked(at('promote'), 'fate-promoted'), '2');
  assert.equal(marked(at('free'), 'fate-freed'), '2');
  assert.match(find(at('copy').shapes, (s) => s.data?.role === 'phase-note').text, /4 live words copied/);
  assert.match(find(at('resize').shapes, (s) => s.data?.role === 'phase-note').text, /from 16 to 24 words/);
  assert.equal(at('free').data.gcPhase, 'free');
  // No phase (or an unknown one): the result, without sub-step marks.
  assert.equal(at(null).data.gcPhase, undefined);
  assert.equal(at('bogus').data.gcPhase, undefined);
  assert.ok(!find(at(null).shapes, (s) => s.data?.fate));
  assert.equal(fateShapes(fates, FATES.copied, 0, 0, 'x').children.length, 1);
});

test('an exited process is drawn as reclaimed', () => {
  const out = layoutProcess(proc({ alive: false }), { young: new Uint8Array(0), old: new Uint8Array(0) }, [], legend);
  assert.ok(find(out.shapes, (s) => s.text === 'memory reclaimed'));
});

test('binaries show refc and holders; freed ones appear as ghosts', () => {
  const view = {
    processes: [proc(), proc({ pid: 1, name: 'b' })],
    binaries: [{ id: 0, bytes: 100, refc: 2, holders: [{ pid: 0, reachable: true }, { pid: 1, reachable: false }] }],
    events: [{ kind: 'BinaryFreed', pids: [], text: 'binary #1 freed' }],
  };
  const { shapes } = layoutBinaries(view);
  assert.equal(shapes[0].data.refc, '2');
  assert.deepEqual(shapes[0].children.filter((s) => s.data?.holder).map((s) => [s.data.holder, s.data.reachable]), [['a', 'true'], ['b', 'false']]);
  assert.equal(shapes[1].data.freed, 'true');
  assert.equal(layoutBinaries({ processes: [], binaries: [], events: [] }).shapes[0].text, 'No off-heap binaries.');
});

test('eventsOf selects by pid', () => {
  assert.equal(eventsOf([{ pids: [0, 1] }, { pids: [1] }, { pids: [] }], 0).length, 1);
});

test('the memory chart draws each category over all steps and marks the current one', async () => {
  const { layoutMemoryChart, formatBytes } = await import('./layout.js');
  const names = ['processes', 'binary', 'ets', 'atom', 'total'];
  const values = [];
  for (let s = 0; s < 5; s++) values.push(1000 + s, s * 100, 0, 10, 1010 + s * 101);
  const out = layoutMemoryChart({ names, values, steps: 5 }, 3);
  const lines = out.shapes.filter((s) => s.cls?.startsWith('mem-line'));
  assert.deepEqual(lines.map((l) => l.data.series), ['processes', 'binary', 'ets', 'atom']);
  assert.equal(lines[1].data.now, '300');
  assert.equal(lines[0].d.split('L').length, 5);
  assert.equal(find(out.shapes, (s) => s.data?.role === 'now').data.step, '3');
  // A long run keeps at most maxPoints points per line, and its peak.
  const long = [];
  for (let s = 0; s < 10000; s++) long.push(s === 5000 ? 9999 : 1, 0, 0, 0, 1);
  const big = layoutMemoryChart({ names, values: long, steps: 10000 }, 0, 100);
  const proc = big.shapes.find((s) => s.data?.series === 'processes' && s.t === 'path');
  assert.equal(proc.d.split('L').length, 100);
  assert.ok(proc.d.includes(' 10.0'), 'the peak is at the top of the chart');
  assert.equal(formatBytes(2048), '2.0 KB');
});

test('words that changed since the previous step are outlined, except on a GC step', () => {
  const was = young();
  const now = young();
  now[5] = legend.cell_kinds.findIndex((k) => k.name === 'tuple') | legend.cell_header;
  const cells = { young: now, old: new Uint8Array(0) };
  const out = layoutProcess(proc(), cells, [], legend, null, null, was);
  assert.equal(find(out.shapes, (s) => s.data?.fate === 'changed').data.words, '1');
  assert.ok(!find(layoutProcess(proc(), cells, [], legend, null, null, null).shapes, (s) => s.data?.fate === 'changed'));
  // A block of another size (a GC resized it) is not compared word by word.
  assert.ok(!find(layoutProcess(proc(), cells, [], legend, null, null, was.subarray(1)).shapes, (s) => s.data?.fate === 'changed'));
});
