// SPDX-License-Identifier: MIT OR Apache-2.0
// <beam-viz>: an embeddable, steppable picture of BEAM process memory.
// Contract: views carry data-view="lifecycle" | "process-memory" | "binaries" | "processes" | "events" | "mailboxes" | "ets" | "memory" | "inspector"
// | "top" | "process" | "bin-leak" | "switches" (diagnostics.js); attributes `selected` (a pid) and `vm` (forced switches) fire
// `beam-select` / `beam-vm` when the user changes them;
// the host reflects the step in data-step; the property `source` (scenario text) replaces the `scenario` attribute;
// attributes scenario, step, speed, autoplay, inspector ("off" hides it); a `beam-step` event (bubbles, composed) on user scrubs and plays only.
// The scenario comes from, in order: the `source` property, `src` (a .scn file's URL, relative to the page), the
// `scenario` attribute (a built-in id), or scenario text inline in the element (a <script type="text/x-beam-scenario">
// child, or text starting with `#`, its title line). `views="process-memory,binaries"` shows only those views (plus
// "narration" for the step's code and story) and hides the playback controls unless `controls` is present too.

import { Sim, inspect } from './sim.js';
import { remember, vet } from './vet.js';
import { h } from './dom.js';
import { EXAMPLES, caretLines, renderInspection } from './inspector.js';
import { markup } from './markup.js';
import { eventsOf, gcPhases, kindClass, layoutBinaries, layoutLifecycle, layoutMemoryChart, layoutProcess } from './layout.js';
import { createDefs, createSvg, patchChildren, renderSvg } from './render-svg.js';
import { composeSvg, download, svgToPng } from './export.js';
import { CSS as DIAG_CSS, Diagnostics, QUICK_RUN_MS, timeRun } from './diagnostics.js';

const DEFAULT_SCENARIO = 'process-lifecycle';
const DEFAULT_SPEED = 1;
/** A scenario file fetched through `src` larger than this is refused (the parser's own limit is far below it). */
const MAX_SRC_BYTES = 1 << 20;
/** Event kinds the timeline can jump between: [event kind, label]. */
const JUMP_KINDS = [
  ['GcFinished', 'GC'], ['MessageSent', 'send'], ['BinaryCreated', 'binary made'], ['BinaryFreed', 'binary freed'],
  ['HeapResized', 'heap resized'], ['Spawned', 'spawn'], ['Exited', 'exit'], ['Hibernated', 'hibernate'],
  ['EtsInserted', 'ETS insert'], ['FragmentAllocated', 'heap fragment'],
];
/** Speeds offered while playing, in steps per second. */
const SPEEDS = [0.5, 1, 2, 4, 10];
/** Event log lines shown before the rest folds into a <details>. */
const LOG_LINES = 12;
/** Up to this many processes, every process gets its full memory picture. Past it (a scenario may have a thousand),
 * only the processes that act at the step and those the user opened get one (at most AUTO_OPEN + MAX_OPEN), and
 * every process gets a compact row in a scrolled list that builds only the rows in view; the process table too. */
const FULL_PICTURES = 12;
const AUTO_OPEN = 4;
const MAX_OPEN = 8;
/** Height of a compact process row and of a process table row in the scrolled lists, in CSS pixels. */
const ROW_H = 24;
/** Milliseconds of quiet typing before the inspector evaluates. */
const INSPECT_DELAY = 150;
/** The process table's columns: process_info key and how to read it from a process of the view (sizes in words). */
const PROC_COLS = [
  ['heap_size', (p) => p.heap_size], ['total_heap_size', (p) => p.total_heap_size], ['stack_size', (p) => p.stack_size],
  ['memory (B)', (p) => p.memory], ['message_queue_len', (p) => p.message_queue_len], ['minor_gcs', (p) => p.minor_gcs],
  ['old heap', (p) => p.old_heap_size], ['mbuf', (p) => p.mbuf_size], ['bin_vheap_size', (p) => p.bin_vheap_size],
  ['binaries held', (p) => p.binaries.length],
];

const CSS = `
:host { display: block; --bv-ink: #1d2433; --bv-muted: #5d6677; --bv-line: #d9dde5; --bv-panel: #ffffff; --bv-bg: #f6f7f9;
  --bv-surface: #fff; --bv-soft: #f3f4f7; --bv-active: #eaf2fb; --bv-ok: #1a6b35;
  --bv-young: #2f5d8a; --bv-old: #9a6a00; --bv-gc: #d55e00; --bv-free: #eceef2;
  --bv-cons: #0072b2; --bv-tuple: #e69f00; --bv-procbin: #cc79a7; --bv-heap-binary: #009e73; --bv-sub-binary: #7fcdb5;
  --bv-number: #f0e442; --bv-fun: #6d5a8d; --bv-map: #8a8f99; --bv-other: #b3b7bf;
  --bv-stack: #56b4e9; --bv-frame: #27303f; --bv-dead: #c9ced6; --bv-hatch: #1d2433;
  --bv-p0: #0072b2; --bv-p1: #d55e00; --bv-p2: #009e73; --bv-p3: #cc79a7;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--bv-ink); }
:host(:focus) { outline: none; }
:host(:focus-visible) .app { outline: 3px solid color-mix(in srgb, var(--bv-young) 45%, transparent); outline-offset: 4px; }
[hidden], [data-off] { display: none !important; }
.app { display: grid; gap: 14px; background: var(--bv-bg); border: 1px solid var(--bv-line); border-radius: 14px; padding: 16px; }
header h2 { margin: 0; font-size: 1.25rem; }
header p { margin: 2px 0 0; color: var(--bv-muted); }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
button { font: inherit; font-weight: 600; padding: 6px 14px; border-radius: 8px; border: 1px solid #b9c0cc; background: var(--bv-surface); color: var(--bv-ink); cursor: pointer; min-width: 92px; }
button:hover:not([aria-disabled="true"]) { background: #eef3fa; border-color: var(--bv-young); }
button:focus-visible, input:focus-visible { outline: 3px solid color-mix(in srgb, var(--bv-young) 50%, transparent); outline-offset: 1px; }
button[aria-disabled="true"] { opacity: .45; cursor: default; }
button.play[aria-pressed="true"] { background: var(--bv-young); color: #fff; border-color: var(--bv-young); }
.controls.jumps { font-size: 13px; color: var(--bv-muted); }
.controls button.restart, .controls.jumps button { min-width: 0; }
select { font: inherit; padding: 5px 6px; border-radius: 8px; border: 1px solid #b9c0cc; background: var(--bv-surface); color: var(--bv-ink); }
.speed-label { margin-left: auto; }
.langs.syntax { font-size: 13px; }
.controls button.export-svg, .controls button.export-png { min-width: 0; font-weight: 500; }
.slider { display: flex; align-items: center; gap: 8px; flex: 1 1 220px; color: var(--bv-muted); font-weight: 600; }
.slider input { flex: 1; accent-color: var(--bv-young); }
.counter { font-variant-numeric: tabular-nums; color: var(--bv-muted); min-width: 7ch; text-align: right; }
section { background: var(--bv-panel); border: 1px solid var(--bv-line); border-radius: 10px; padding: 12px 14px; min-width: 0; contain: layout style; content-visibility: auto; contain-intrinsic-size: auto 320px; }
h3 { margin: 0 0 8px; font-size: .78rem; letter-spacing: .08em; text-transform: uppercase; color: var(--bv-muted); }
.story { display: grid; gap: 6px; }
.code { margin: 0; padding: 8px 12px; background: #1d2433; color: #f3f5f8; border-radius: 7px; font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; overflow-x: auto; }
.code .step-no { color: #9fb3c8; margin-right: 12px; }
.narration { margin: 0; font-size: 1.02rem; }
.log { margin: 0; padding: 0; list-style: none; font: 12.5px/1.5 ui-monospace, Menlo, Consolas, monospace; color: var(--bv-muted); }
.log li::before { content: "→ "; }
.log li.gc { color: var(--bv-gc); font-weight: 600; }
.log li.more::before { content: ""; }
.log summary { cursor: pointer; color: var(--bv-young); font-weight: 600; }
.log .log { margin-top: 2px; }
.panels { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 14px; align-items: start; }
@media (max-width: 900px) { .panels { grid-template-columns: minmax(0, 1fr); } }
.scroll { overflow-x: auto; }
.procs { display: flex; flex-wrap: wrap; gap: 22px 24px; }
svg { display: block; overflow: visible; font-family: inherit; }
svg.lifecycle { width: 100%; height: auto; max-width: 1100px; min-width: 660px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 12px 0 0; padding: 10px 0 0; border-top: 1px solid var(--bv-line); list-style: none; font-size: 12.5px; color: var(--bv-muted); }
.legend li { display: flex; align-items: center; gap: 5px; }
.sw { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.sw.hatched { background: repeating-linear-gradient(45deg, var(--bv-cons) 0 2px, #fff 2px 4px); opacity: .8; }
.sw.changed { outline: 2px dashed var(--bv-gc); outline-offset: -2px; }
.sw.hw { height: 0; border-top: 2px dashed var(--bv-ink); border-radius: 0; width: 16px; }
.sw.k-free { outline: 1px solid #c6ccd6; }
.memory { margin: 10px 0 0; font-size: 12.5px; color: var(--bv-muted); max-width: 300px; }
.checks { margin: 0; padding: 0; list-style: none; font-size: 13px; }
.checks li.ok { color: var(--bv-ok); }
.checks li.fail { color: #a1261b; font-weight: 600; }
.predict { border: 2px solid var(--bv-young); background: var(--bv-active); border-radius: 10px; padding: 10px 14px; display: grid; gap: 8px; }
.predict .q { margin: 0; font-weight: 600; }
.predict .ask-note { margin: 0; font-size: 12.5px; color: var(--bv-muted); }
.choices { display: flex; flex-direction: column; gap: 6px; align-items: flex-start; margin: 0; padding: 0; list-style: none; }
button.choice { font-weight: 500; text-align: left; min-width: 0; }
button.choice[aria-disabled="true"] { opacity: 1; cursor: default; }
button.choice.right { border-color: #1a6b35; background: #e6f4ea; }
button.choice.wrong { border-color: #a1261b; background: #fbeae8; }
button.skip { min-width: 0; font-weight: 500; color: var(--bv-muted); justify-self: start; }
.verdict { margin: 0; font-weight: 700; }
.verdict.right { color: #1a6b35; } .verdict.wrong { color: #a1261b; }
.explanation { margin: 0; }
table.pinfo { border-collapse: collapse; font: 12.5px ui-monospace, Menlo, Consolas, monospace; }
.pinfo th, .pinfo td { padding: 3px 8px; border-bottom: 1px solid var(--bv-line); text-align: right; white-space: nowrap; }
.pinfo th { font: 600 11.5px system-ui, sans-serif; color: var(--bv-muted); }
.pinfo th[scope="row"] { text-align: left; color: var(--bv-ink); }
.pinfo td.up { background: #fff1ec; color: #8a2c00; font-weight: 700; }
.pinfo td.down { background: #e6f4ea; color: #1a6b35; font-weight: 700; }
.narration code, .predict code, .checks code { font: .92em ui-monospace, Menlo, Consolas, monospace; background: #eef0f4; border-radius: 4px; padding: 0 3px; }
[data-view="inspector"] { display: grid; grid-template-columns: minmax(0, 1fr); gap: 8px; }
.obj { max-width: 100%; overflow-x: auto; }
.insp-form { display: grid; grid-template-columns: auto minmax(0, 1fr) auto; gap: 8px; align-items: start; }
.insp-form label { font-weight: 600; color: var(--bv-muted); padding-top: 6px; }
textarea.expr { font: 13.5px/1.4 ui-monospace, Menlo, Consolas, monospace; padding: 6px 8px; border-radius: 7px; border: 1px solid #b9c0cc; resize: vertical; min-height: 2.4em; width: 100%; box-sizing: border-box; }
textarea.expr[aria-invalid="true"] { border-color: var(--bv-gc); }
.langs { display: flex; gap: 2px; border: 1px solid #b9c0cc; border-radius: 8px; padding: 2px; }
.langs label { padding: 4px 10px; border-radius: 6px; cursor: pointer; color: var(--bv-ink); font-weight: 600; }
.langs label:has(input:checked) { background: var(--bv-young); color: #fff; }
.langs input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.langs label:has(input:focus-visible) { outline: 3px solid color-mix(in srgb, var(--bv-young) 50%, transparent); }
.examples { margin: 0; font-size: 12.5px; color: var(--bv-muted); display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
button.example { min-width: 0; font-weight: 500; font-size: 12.5px; padding: 2px 8px; }
.expr-error { margin: 0; background: #fff1ec; border: 1px solid var(--bv-gc); color: #8a2c00; border-radius: 7px; padding: 8px 10px; font: 12.5px/1.45 ui-monospace, Menlo, Consolas, monospace; white-space: pre; overflow-x: auto; }
.expr-error .caret { color: var(--bv-gc); font-weight: 700; }
.insp-result .value { margin: 0; overflow-wrap: anywhere; }
.insp-result .value code { font: 13px ui-monospace, Menlo, Consolas, monospace; }
.sizes { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 4px 0; }
.sizes div { display: flex; gap: 6px; align-items: baseline; }
.sizes dt { font-size: 12px; color: var(--bv-muted); }
.sizes dd { margin: 0; font: 600 14px ui-monospace, Menlo, monospace; }
.sharing { margin: 0; padding: 6px 10px; background: var(--bv-soft); border-radius: 7px; }
.root { margin: 0; font-size: 13px; color: var(--bv-muted); }
.insp-result h4 { margin: 6px 0 2px; font-size: 12px; color: var(--bv-muted); font-weight: 700; }
.objs { display: flex; flex-wrap: wrap; gap: 10px; }
.obj { border: 1px solid var(--bv-line); border-radius: 8px; padding: 6px 8px; background: var(--bv-surface); }
.obj.shared { border: 2px solid var(--bv-gc); background: #fff8f4; }
.obj:focus { outline: 3px solid color-mix(in srgb, var(--bv-young) 50%, transparent); }
.obj-head { font-size: 12.5px; font-weight: 600; margin-bottom: 4px; display: flex; gap: 4px; align-items: center; }
.obj-id { font-family: ui-monospace, Menlo, monospace; color: var(--bv-muted); }
.badge { font-size: 11px; font-weight: 700; border-radius: 999px; padding: 0 7px; background: #e4e7ec; color: var(--bv-ink); }
.shared-badge { background: var(--bv-gc); color: #fff; }
ol.words { display: flex; margin: 0; padding: 0; list-style: none; }
.w { display: inline-block; min-width: 64px; max-width: 150px; padding: 4px 6px; border: 1px solid #9aa3b2; margin-left: -1px; font: 11.5px/1.3 ui-monospace, Menlo, monospace; text-align: center; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; background: var(--bv-surface); }
.w.header { background: #27303f; color: #fff; font-family: inherit; font-weight: 600; }
.w.pointer { color: var(--bv-young); font-weight: 700; cursor: pointer; }
.w.pointer.to-shared { color: var(--bv-gc); background: #fff1ec; }
.w.immediate { background: #f0f7ee; }
.w.data { background: repeating-linear-gradient(45deg, #f6f7f9 0 4px, #eceef2 4px 8px); color: var(--bv-muted); }
.obj.k-cons .w:first-child { border-left: 4px solid var(--bv-cons); }
.payload { border: 2px dashed var(--bv-procbin); border-radius: 8px; padding: 6px 10px; background: #fbf3f7; max-width: 460px; }
.payload p { margin: 0; font-size: 12.5px; color: var(--bv-muted); }
.reading { display: flex; gap: 8px; align-items: center; margin: 0 0 8px; color: var(--bv-muted); font-size: 13px; }
.reading progress { flex: 0 1 240px; accent-color: var(--bv-young); }
.app[aria-busy] { opacity: .55; }
.error { background: #fff1ec; border: 1px solid var(--bv-gc); color: #8a2c00; border-radius: 8px; padding: 10px 12px; white-space: pre-wrap; margin-bottom: 8px; }

.k-free { fill: var(--bv-free); background: var(--bv-free); }
.k-cons { fill: var(--bv-cons); background: var(--bv-cons); }
.k-tuple { fill: var(--bv-tuple); background: var(--bv-tuple); }
.k-procbin { fill: var(--bv-procbin); background: var(--bv-procbin); }
.k-heap-binary { fill: var(--bv-heap-binary); background: var(--bv-heap-binary); }
.k-sub-binary { fill: var(--bv-sub-binary); background: var(--bv-sub-binary); }
.k-number { fill: var(--bv-number); background: var(--bv-number); }
.k-fun { fill: var(--bv-fun); background: var(--bv-fun); }
.k-map { fill: var(--bv-map); background: var(--bv-map); }
.k-other { fill: var(--bv-other); background: var(--bv-other); }
.k-stack-slot { fill: var(--bv-stack); background: var(--bv-stack); }
.k-return-address { fill: var(--bv-frame); background: var(--bv-frame); }
.k-dead-slot { fill: var(--bv-dead); background: var(--bv-dead); }
rect.garbage { opacity: .38; }
rect.hatch { fill: url(#bv-hatch); pointer-events: none; }
.hatch-line { fill: var(--bv-hatch); opacity: .75; }
.obj-start { fill: #000; opacity: .28; }
.grid-lines { fill: none; stroke: var(--bv-panel); stroke-width: 1; }
.block-outline { fill: none; stroke: var(--bv-young); stroke-width: 1.5; }
.block-outline.old { stroke: var(--bv-old); stroke-dasharray: none; }
.block-outline.old.new { stroke-width: 3; }
.block-outline.met { stroke: var(--bv-gc); stroke-width: 3; }
.grid.before { opacity: .9; }
.needed { fill: color-mix(in srgb, var(--bv-gc) 18%, transparent); stroke: var(--bv-gc); stroke-width: 1.6; }
.high-water { fill: none; stroke: var(--bv-ink); stroke-width: 2; stroke-dasharray: 4 3; }
.hw-label, .side-label, .grid-note { font-size: 11px; fill: var(--bv-muted); }
.grid-note.warn { fill: var(--bv-gc); font-weight: 600; }
.grid-title { font-size: 11.5px; font-weight: 600; fill: var(--bv-muted); }
.proc-name { font-size: 17px; font-weight: 700; fill: var(--bv-ink); }
.proc-pid { font: 12px ui-monospace, Menlo, monospace; fill: var(--bv-muted); }
.proc-stage { font-size: 12px; font-weight: 600; fill: var(--bv-young); }
.gc-banner-bg { fill: #fff1ec; stroke: var(--bv-gc); }
.gc-banner-text { font-size: 12.5px; font-weight: 700; fill: #a33f00; }
.arrow { fill: none; stroke: #9aa3b2; stroke-width: 1.6; }
.gc-arrow { stroke: var(--bv-gc); stroke-width: 2; }
.gc-arrow-text { font-size: 11px; font-weight: 700; fill: var(--bv-gc); }
.stat-key { font-size: 11.5px; fill: var(--bv-muted); }
.stat-val { font: 600 12px ui-monospace, Menlo, monospace; fill: var(--bv-ink); }
.var-line { font: 11.5px ui-monospace, Menlo, monospace; fill: var(--bv-ink); }
.var-size { font-size: 11px; fill: var(--bv-muted); }
.reclaimed { fill: var(--bv-soft); stroke: #b9c0cc; stroke-dasharray: 5 4; }
.reclaimed-text { font-size: 12px; fill: var(--bv-muted); }

.stage-box { fill: var(--bv-surface); stroke: #c3c9d4; stroke-width: 1.2; }
.stage.active .stage-box { fill: var(--bv-active); stroke: var(--bv-young); stroke-width: 2.5; }
.stage-num { font-size: 11px; font-weight: 700; fill: #9aa3b2; }
.stage-name { font-size: 13px; font-weight: 600; fill: var(--bv-muted); }
.stage.active .stage-name { fill: var(--bv-ink); }
.chip-bg { stroke: none; }
.chip.p0 .chip-bg { fill: var(--bv-p0); } .chip.p1 .chip-bg { fill: var(--bv-p1); }
.chip.p2 .chip-bg { fill: var(--bv-p2); } .chip.p3 .chip-bg { fill: var(--bv-p3); }
.chip-text { font-size: 13px; font-weight: 700; fill: #fff; }

.bin-card { fill: var(--bv-surface); stroke: #c3c9d4; }
.bin-card.freed { fill: var(--bv-soft); stroke-dasharray: 5 4; }
.bin-title { font-size: 13.5px; font-weight: 700; fill: var(--bv-ink); }
.bin-sub { font-size: 12px; fill: var(--bv-muted); }
.refc-badge { fill: #fff; stroke: var(--bv-procbin); stroke-width: 3; }
.refc-badge.shared { fill: #f7e6ef; }
.refc-num { font: 700 18px ui-monospace, Menlo, monospace; fill: var(--bv-ink); }
.refc-label { font-size: 11px; font-weight: 600; fill: var(--bv-muted); text-transform: uppercase; letter-spacing: .06em; }
.holder-bg { fill: var(--bv-soft); }
.holder-dot { fill: var(--bv-procbin); stroke: var(--bv-procbin); stroke-width: 1.5; }
.holder.p0 .holder-dot { fill: var(--bv-p0); stroke: var(--bv-p0); } .holder.p1 .holder-dot { fill: var(--bv-p1); stroke: var(--bv-p1); }
.holder.p2 .holder-dot { fill: var(--bv-p2); stroke: var(--bv-p2); } .holder.p3 .holder-dot { fill: var(--bv-p3); stroke: var(--bv-p3); }
.proc-name.p0 { fill: var(--bv-p0); } .proc-name.p1 { fill: var(--bv-p1); } .proc-name.p2 { fill: var(--bv-p2); } .proc-name.p3 { fill: var(--bv-p3); }
.var-line.mail { fill: var(--bv-muted); }
.holder.unreachable .holder-dot { fill: #fff !important; }
.holder.unreachable .holder-bg { fill: var(--bv-surface); stroke: #c3c9d4; stroke-dasharray: 3 3; }
.holder-name { font-size: 12.5px; font-weight: 600; fill: var(--bv-ink); }
.holder-state { font-size: 11px; fill: var(--bv-muted); }
.bin-empty { font-size: 13px; font-weight: 600; fill: var(--bv-muted); }
.bin-empty-sub { font-size: 12px; fill: var(--bv-muted); }
.mailboxes, .ets { font-size: 13px; }
.mailboxes ol { margin: 2px 0 8px; padding-left: 22px; font: 12.5px ui-monospace, Menlo, Consolas, monospace; }
.mailboxes .who { font-weight: 700; }
.empty { color: var(--bv-muted); margin: 0; }
svg.memory-chart { min-width: 520px; }
.axis { fill: none; stroke: #9aa3b2; } .axis-label { font-size: 11px; fill: var(--bv-muted); }
.mem-line { fill: none; stroke-width: 2; }
.mem-line.mem-processes { stroke: var(--bv-young); } .mem-line.mem-binary { stroke: var(--bv-procbin); stroke-dasharray: 6 3; }
.mem-line.mem-ets { stroke: var(--bv-heap-binary); stroke-dasharray: 2 2; } .mem-line.mem-atom { stroke: var(--bv-old); stroke-dasharray: 8 2 2 2; }
.mem-key { font-size: 12px; font-weight: 600; } .mem-key.mem-processes { fill: var(--bv-young); } .mem-key.mem-binary { fill: var(--bv-procbin); }
.mem-key.mem-ets { fill: var(--bv-heap-binary); } .mem-key.mem-atom { fill: var(--bv-old); }
.mem-now { stroke: var(--bv-gc); stroke-width: 2; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.proc { display: grid; gap: 6px; align-content: start; }
.proc-rows { position: relative; max-height: 288px; overflow-y: auto; border: 1px solid var(--bv-line); border-radius: 8px; background: var(--bv-surface); }
.proc-rows-note { margin: 0 0 4px; color: var(--bv-muted); font-size: 12.5px; }
.proc-rows > div { position: relative; }
.proc-row { position: absolute; left: 0; right: 0; height: 24px; min-width: 0; padding: 0 8px; border: 0; border-radius: 0; display: flex;
  align-items: center; gap: 8px; font: 12.5px ui-monospace, Menlo, Consolas, monospace; background: transparent; text-align: left; }
.proc-row[aria-expanded="true"] { background: var(--bv-active); }
.proc-row .name { flex: 0 0 6em; overflow: hidden; text-overflow: ellipsis; font-weight: 700; }
.proc-row .bar { flex: 0 0 160px; height: 10px; display: flex; background: var(--bv-free); border: 1px solid var(--bv-line); }
.proc-row .bar .used { background: var(--bv-young); }
.proc-row .bar .stack { margin-left: auto; background: var(--bv-stack); }
.proc-row.dead { color: var(--bv-muted); }
.pinfo-rows { max-height: 360px; overflow-y: auto; }
.pinfo-rows tr { height: 24px; }
.gc-steps { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; font-size: 12px; color: var(--bv-muted); }
.gc-steps button { min-width: 0; padding: 2px 8px; font-size: 12px; font-weight: 600; }
.gc-steps button[aria-pressed="true"] { background: var(--bv-gc); border-color: var(--bv-gc); color: #fff; }
.gc-phase-note { font-size: 12px; font-weight: 700; fill: var(--bv-gc); }
.fates rect { fill: none; stroke-width: 2; }
.fate-root rect { stroke: var(--bv-ink); stroke-dasharray: 2 1.5; }
.fate-copied rect { stroke: var(--bv-ink); stroke-width: 2.4; }
.fate-promoted rect { stroke: var(--bv-old); stroke-width: 3; }
.fate-freed rect { fill: var(--bv-panel); fill-opacity: .7; stroke: var(--bv-gc); stroke-dasharray: 3 2; }
.grid.pending { opacity: .25; }
.changed rect { stroke: var(--bv-gc); stroke-width: 1.6; stroke-dasharray: 2 1.5; }
.grid.old.receiving rect:not(.hatch) { stroke: var(--bv-old); stroke-width: .8; }
.block-outline.freed { stroke: var(--bv-gc); stroke-dasharray: 5 3; }
@media (prefers-reduced-motion: no-preference) { .grid, .fates { transition: opacity .2s; } }

/* Dark theme: theme="dark", or the reader's preference unless theme="light". The Okabe-Ito hues stay (colour-blind
   safe on both grounds); surfaces, ink and lines change. */
:host([theme="dark"]) { --bv-ink: #e6e9ef; --bv-muted: #a3acbb; --bv-line: #3a4150; --bv-panel: #1b2029; --bv-bg: #12161d;
  --bv-surface: #222834; --bv-soft: #2a3140; --bv-active: #1e3247; --bv-free: #2c3340; --bv-frame: #cfd5df; --bv-hatch: #e6e9ef; --bv-dead: #4a5261; --bv-ok: #5cc98a; color-scheme: dark; }
@media (prefers-color-scheme: dark) {
  :host(:not([theme="light"])) { --bv-ink: #e6e9ef; --bv-muted: #a3acbb; --bv-line: #3a4150; --bv-panel: #1b2029; --bv-bg: #12161d;
    --bv-surface: #222834; --bv-soft: #2a3140; --bv-active: #1e3247; --bv-free: #2c3340; --bv-frame: #cfd5df; --bv-hatch: #e6e9ef; --bv-dead: #4a5261; --bv-ok: #5cc98a; color-scheme: dark; }
}
button, select, textarea.expr { color: var(--bv-ink); }
.w { background: var(--bv-surface); color: var(--bv-ink); }
.obj { background: var(--bv-surface); }
/* Narrow screens (down to 375 px): controls wrap, panels stack, wide pictures scroll inside their section. */
@media (max-width: 520px) {
  .app { padding: 10px; gap: 10px; }
  button { min-width: 0; padding: 6px 10px; }
  .slider { flex-basis: 100%; }
  .speed-label { margin-left: 0; }
  section { padding: 10px; }
  .insp-form { grid-template-columns: minmax(0, 1fr); }
}
`;

let sheet = null;
function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS + DIAG_CSS);
  }
  return sheet;
}

/** Whether two byte arrays hold the same bytes. @param {Uint8Array} a @param {Uint8Array} b */
function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function parseStep(value) {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

function parseSpeed(value) {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 && n <= 20 ? n : DEFAULT_SPEED;
}

/** The process table: one row per process, cells that changed since `prev` (the step before) marked ▲ or ▼.
 * Past FULL_PICTURES processes, `box` scrolls and only the rows in view are built, between two spacer rows. */
function renderTable(table, procs, prev, box, at = scrollOf(box)) {
  const many = procs.length > FULL_PICTURES;
  box.classList.toggle('pinfo-rows', many);
  table.closest('section').hidden = procs.length === 0;
  let from = 0, to = procs.length;
  if (many) {
    [from, to] = visibleRange(at, procs.length, ROW_H);
  }
  const before = new Map(prev.map((q) => [q.pid, q]));
  // The numbers the rows in view would show: when they are those shown, nothing is built (at a thousand processes,
  // most steps change none of the rows in view).
  const shown = [from, to, procs.length];
  for (let i = from; i < to; i++) {
    const p = procs[i];
    const old = before.get(p.pid);
    shown.push(p.pid, p.name, ...PROC_COLS.map(([, get]) => `${get(p)}/${old ? get(old) : ''}`));
  }
  const key = shown.join('|');
  if (tableKeys.get(table) === key && table.tBodies[0]) return;
  tableKeys.set(table, key);
  const head = h('tr', {}, h('th', { scope: 'col', text: 'process' }), ...PROC_COLS.map(([k]) => h('th', { scope: 'col', text: k })));
  const rows = procs.slice(from, to).map((p) => {
    const old = before.get(p.pid);
    return h('tr', { 'data-pid': String(p.pid) }, h('th', { scope: 'row', text: p.name }), ...PROC_COLS.map(([k, get]) => {
      const v = get(p);
      const was = old ? get(old) : v;
      const td = h('td', { 'data-key': k, text: String(v) });
      if (v !== was) {
        td.className = v > was ? 'up' : 'down';
        td.dataset.was = String(was);
        td.title = `was ${was}`;
        td.append(v > was ? ' ▲' : ' ▼');
      }
      return td;
    }));
  });
  if (many) {
    // Spacer rows keep the scroll height of the whole table.
    const spacer = (n) => { const tr = h('tr', { class: 'spacer', 'aria-hidden': 'true' }); tr.style.height = `${n * ROW_H}px`; return tr; };
    if (from > 0) rows.unshift(spacer(from));
    if (to < procs.length) rows.push(spacer(procs.length - to));
  }
  // The head and body stay; rows equal to the ones shown are kept (most numbers do not change from step to step).
  if (table.tHead?.rows[0]?.isEqualNode(head) !== true) table.replaceChildren(h('thead', {}, head), h('tbody'));
  patchChildren(table.tBodies[0], rows);
}

/** What each process table shows (`renderTable`), as text. */
const tableKeys = new WeakMap();

/** Where a scrolled box is: read before the render writes to the DOM, since reading it after a write would force a
 * layout of the whole element (with a thousand processes, more than the rest of the step). @returns {{top:number, height:number}} */
function scrollOf(box) {
  return { top: box.scrollTop, height: box.clientHeight || 360 };
}

/** The rows of a list of `n` rows of `rowH` pixels that a box scrolled to `at` shows, with a few more on each side.
 * @param {{top:number, height:number}} at @returns {[number, number]} first and past-last index */
function visibleRange(at, n, rowH) {
  const from = Math.max(0, Math.floor(at.top / rowH) - 4);
  return [from, Math.min(n, from + Math.ceil(at.height / rowH) + 8)];
}

/** The inspector's section: an expression, its language, examples, the error line, the result. */
function inspectorSection(ui) {
  ui.langs = ['erlang', 'elixir'].map((lang, i) => h('input', { type: 'radio', name: 'bv-lang', value: lang, ...(i === 0 ? { checked: '' } : {}) }));
  const langs = h('div', { class: 'langs', role: 'radiogroup', 'aria-label': 'Language' },
    h('label', {}, ui.langs[0], 'Erlang'), h('label', {}, ui.langs[1], 'Elixir'));
  ui.examples = EXAMPLES.map(([label, lang, src]) => {
    const b = h('button', { type: 'button', class: 'example', title: src, text: label });
    b.dataset.lang = lang;
    b.dataset.src = src;
    return b;
  });
  return h('section', { 'data-view': 'inspector', part: 'inspector' },
    h('h3', { text: 'Term inspector' }),
    h('div', { class: 'insp-form' }, h('label', { for: 'bv-expr', text: 'Expression' }), ui.expr, langs),
    h('p', { class: 'examples' }, 'Try:', ...ui.examples),
    ui.exprError, ui.inspection);
}

/** The `<beam-viz>` element. */
export class BeamViz extends HTMLElement {
  static observedAttributes = ['scenario', 'src', 'step', 'speed', 'autoplay', 'inspector', 'syntax', 'views', 'controls', 'vm', 'selected'];

  /** Registers the element as `tag` in `registry`, once. @param {string} tag @param {CustomElementRegistry} registry */
  static define(tag = 'beam-viz', registry = customElements) {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #sim = null;
  #inspectTimer = 0;
  #inspectSeq = 0;
  /** The step whose question is on screen before the step is revealed (0: none). */
  #asking = 0;
  /** Answers given, by step: the choice index, or -1 when skipped. */
  #answers = new Map();
  #loading = null;
  #step = 0;
  #timer = 0;
  #frame = 0;
  #ui;
  #procSvgs = new Map();
  /** Processes whose full picture the user opened from the compact rows (used past FULL_PICTURES processes). */
  #opened = new Set();
  /** How many processes the last frame had. */
  #lastCount = 0;
  /** What the compact rows in view show (`#renderRows`), as text. */
  #rowsKey = '';
  /** The GC sub-step shown per process at the current step (none: the result). */
  #gcPhase = new Map();
  #gcTimer = 0;
  /** `erlang:memory()` at every step of the current scenario, read once from the core. */
  #series = null;
  #source = null;
  #jumpCache = null;
  #animateNext = false;
  /** The last frame read from the simulator, reused while only a GC sub-step changes. */
  #cached = null;
  #onVisibility = () => { if (document.hidden) this.#pause(); };
  /** The diagnostics views (diagnostics.js). */
  #diag = new Diagnostics({ onSelect: (pid) => this.#userSelect(pid), onVm: (vm) => this.#userVm(vm), rerender: () => this.#schedule() });

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [styles()];
    const ui = {
      error: h('div', { class: 'error', role: 'alert', part: 'error', hidden: '' }),
      reading: h('p', { class: 'reading', role: 'status', hidden: '' }, h('progress', { max: '1', value: '0' }), h('span')),
      fallback: h('slot', { class: 'fallback' }),
      title: h('h2'),
      desc: h('p'),
      back: h('button', { type: 'button', class: 'back', 'aria-label': 'Step back', text: '◀ Back' }),
      play: h('button', { type: 'button', class: 'play', 'aria-pressed': 'false', text: '▶ Play' }),
      forward: h('button', { type: 'button', class: 'forward', 'aria-label': 'Step forward', text: 'Forward ▶' }),
      restart: h('button', { type: 'button', class: 'restart', 'aria-label': 'Restart from step 0', text: '↺ Restart' }),
      prevEvent: h('button', { type: 'button', class: 'prev-event', text: '⇤ prev' }),
      nextEvent: h('button', { type: 'button', class: 'next-event', text: 'next ⇥' }),
      jumpKind: h('select', { class: 'jump-kind', 'aria-label': 'Event to jump to' }),
      speedSel: h('select', { class: 'speed', 'aria-label': 'Playback speed (steps per second)' }),
      logTitle: h('h3'),
      syntaxes: ['erlang', 'elixir'].map((v, i) => h('input', { type: 'radio', name: 'bv-syntax', value: v, ...(i === 0 ? { checked: '' } : {}) })),
      // What a screen reader says after each step: the step number, its code and its narration (set after rendering).
      live: h('p', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-role': 'live' }),
      exportSvg: h('button', { type: 'button', class: 'export-svg', text: 'Export SVG' }),
      exportPng: h('button', { type: 'button', class: 'export-png', text: 'Export PNG' }),
      range: h('input', { type: 'range', min: '0', max: '0', value: '0', id: 'bv-step' }),
      counter: h('output', { class: 'counter', for: 'bv-step' }),
      code: h('code'),
      stepNo: h('span', { class: 'step-no' }),
      narration: h('p', { class: 'narration' }),
      checks: h('ul', { class: 'checks', 'aria-label': 'Checkpoints of this step' }),
      predict: h('div', { class: 'predict', 'aria-live': 'polite', hidden: '' }),
      expr: h('textarea', { class: 'expr', id: 'bv-expr', rows: '2', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'bv-expr-error' }),
      exprError: h('pre', { class: 'expr-error', id: 'bv-expr-error', 'aria-live': 'polite', hidden: '' }),
      inspection: h('div', { class: 'insp-result' }),
      log: h('ul', { class: 'log', 'aria-label': 'Events of this step' }),
      lifecycle: createSvg('lifecycle', 'Lifecycle stages of each process'),
      procs: h('div', { class: 'procs' }),
      rowsNote: h('p', { class: 'proc-rows-note', hidden: '' }),
      rowsInner: h('div', {}),
      rows: h('div', { class: 'proc-rows', role: 'group', 'aria-label': 'Every process, one row each', hidden: '' }),
      legend: h('ul', { class: 'legend', 'aria-label': 'Legend' }),
      binaries: createSvg('binaries', 'Off-heap binaries with reference counts'),
      memory: h('p', { class: 'memory' }),
      pinfo: h('table', { class: 'pinfo' }),
      mailboxes: h('div', { class: 'mailboxes' }),
      ets: h('div', { class: 'ets' }),
      memChart: createSvg('memory-chart', 'erlang:memory() at every step, the current step marked'),
    };
    ui.pinfoBox = h('div', { class: 'scroll' }, ui.pinfo);
    const label = h('label', { class: 'slider', for: 'bv-step' }, h('span', { text: 'Step' }), ui.range);
    ui.app = h('div', { class: 'app', hidden: '' },
      h('header', {}, ui.title, ui.desc),
      h('div', { class: 'controls', role: 'group', 'aria-label': 'Playback' }, ui.restart, ui.back, ui.play, ui.forward, label, ui.counter),
      h('div', { class: 'controls jumps', role: 'group', 'aria-label': 'Jump to an event' }, h('span', { text: 'Jump to' }), ui.prevEvent, ui.jumpKind, ui.nextEvent,
        h('label', { class: 'speed-label' }, 'Speed ', ui.speedSel),
        h('div', { class: 'langs syntax', role: 'radiogroup', 'aria-label': 'Print terms as' }, h('label', {}, ui.syntaxes[0], 'Erlang'), h('label', {}, ui.syntaxes[1], 'Elixir')),
        ui.exportSvg, ui.exportPng),
      ui.live,
      h('section', { class: 'story', 'data-view': 'narration' }, h('pre', { class: 'code' }, ui.stepNo, ui.code), ui.narration, ui.checks),
      this.#diag.switches,
      h('section', { 'data-view': 'events' }, ui.logTitle, ui.log),
      this.#diag.binLeak,
      ui.predict,
      h('section', { 'data-view': 'lifecycle' }, h('h3', { text: 'Lifecycle' }), h('div', { class: 'scroll' }, ui.lifecycle)),
      h('div', { class: 'panels' },
        h('section', { 'data-view': 'process-memory' }, h('h3', { text: 'Process memory' }), h('div', { class: 'scroll' }, ui.procs), ui.rowsNote, ui.rows, ui.legend),
        h('section', { 'data-view': 'binaries' }, h('h3', { text: 'Shared binary area' }), ui.binaries, ui.memory)),
      h('section', { 'data-view': 'processes' }, h('h3', { text: 'process_info (words; ▲/▼ changed since the previous step)' }), ui.pinfoBox),
      this.#diag.panels,
      h('div', { class: 'panels' },
        h('section', { 'data-view': 'mailboxes' }, h('h3', { text: 'Mailboxes' }), ui.mailboxes),
        h('section', { 'data-view': 'ets' }, h('h3', { text: 'ETS tables' }), ui.ets)),
      h('section', { 'data-view': 'memory' }, h('h3', { text: 'erlang:memory() over all steps' }), h('div', { class: 'scroll' }, ui.memChart), this.#diag.growth),
      inspectorSection(ui));
    root.append(createDefs(), ui.error, ui.reading, ui.fallback, ui.app);
    ui.rows.append(ui.rowsInner);
    this.#ui = ui;
    // Compact rows: a click opens or closes a process's full picture; scrolling builds the rows that come into view.
    ui.rows.addEventListener('click', (e) => {
      const row = e.target.closest('.proc-row');
      if (!row) return;
      const pid = Number(row.dataset.pid);
      if (this.#opened.has(pid)) this.#opened.delete(pid);
      else {
        this.#opened.add(pid);
        while (this.#opened.size > MAX_OPEN) this.#opened.delete(this.#opened.values().next().value);
      }
      this.#cached = null;
      this.#render();
    });
    const onScroll = (box, draw) => {
      let queued = 0;
      box.addEventListener('scroll', () => {
        if (queued) return;
        queued = requestAnimationFrame(() => { queued = 0; if (this.#cached) draw(this.#cached.frame); });
      }, { passive: true });
    };
    onScroll(ui.rows, (frame) => this.#renderRows(frame));
    onScroll(ui.pinfoBox, (frame) => renderTable(ui.pinfo, frame.view.processes, frame.prev, ui.pinfoBox));

    ui.jumpKind.append(...JUMP_KINDS.map(([kind, name]) => new Option(name, kind)));
    ui.speedSel.append(...SPEEDS.map((v) => new Option(`${v}×`, String(v), false, v === DEFAULT_SPEED)));
    ui.restart.addEventListener('click', () => this.#userSeek(0));
    // A lifecycle chip selects its process too (keyboard users have the top table's buttons).
    ui.lifecycle.addEventListener('click', (e) => {
      const name = e.target.closest?.('g.chip')?.dataset.process;
      const p = this.#cached?.frame.view.processes.find((q) => q.name === name);
      if (p) this.#userSelect(p.pid);
    });
    // A row of the process_info table selects its process, as the top table does.
    ui.pinfo.addEventListener('click', (e) => {
      const row = e.target.closest?.('tbody tr[data-pid]');
      if (row) this.#userSelect(Number(row.dataset.pid));
    });
    for (const r of ui.syntaxes) r.addEventListener('change', () => { this.syntax = r.value; });
    ui.exportSvg.addEventListener('click', () => download(new Blob([this.exportSvg().text], { type: 'image/svg+xml' }), this.#exportName('svg')));
    ui.exportPng.addEventListener('click', async () => {
      try { download(await this.exportPng(), this.#exportName('png')); } catch (err) { this.#showError(err); }
    });
    ui.prevEvent.addEventListener('click', () => this.#jump(-1));
    ui.nextEvent.addEventListener('click', () => this.#jump(1));
    ui.jumpKind.addEventListener('change', () => this.#schedule());
    ui.speedSel.addEventListener('change', () => { this.speed = ui.speedSel.value; });
    ui.back.addEventListener('click', () => this.#userSeek(this.#step - 1));
    ui.forward.addEventListener('click', () => this.#userSeek(this.#step + 1));
    ui.play.addEventListener('click', () => (this.#timer ? this.#pause() : this.#play()));
    ui.range.addEventListener('input', () => this.#userSeek(parseStep(ui.range.value)));
    ui.expr.addEventListener('input', () => this.#queueInspect());
    for (const r of ui.langs) r.addEventListener('change', () => this.#queueInspect());
    for (const b of ui.examples) {
      b.addEventListener('click', () => {
        ui.expr.value = b.dataset.src;
        for (const r of ui.langs) r.checked = r.value === b.dataset.lang;
        this.#queueInspect();
      });
    }
    ui.expr.value = EXAMPLES[0][2];
    // Keys typed into the inspector are text, not steps.
    ui.expr.addEventListener('keydown', (e) => e.stopPropagation());
    ui.inspection.addEventListener('click', (e) => {
      const target = e.target.closest?.('[data-target]')?.dataset.target;
      const obj = target === undefined ? null : ui.inspection.querySelector(`[data-obj="${target}"]`);
      obj?.focus();
    });
    this.addEventListener('keydown', (e) => this.#onKey(e));
  }

  connectedCallback() {
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
    document.addEventListener('visibilitychange', this.#onVisibility);
    if (!this.#sim && !this.#loading) this.#load();
    else this.#schedule();
  }

  disconnectedCallback() {
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#pause();
    this.#stopGcAnimation();
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }

  attributeChangedCallback(name, oldValue, value) {
    if (oldValue === value) return;
    if (name === 'step') {
      this.#asking = 0;
      this.#step = this.#clamp(parseStep(value));
      this.#schedule();
    } else if ((name === 'scenario' || name === 'src') && this.isConnected) {
      this.#source = null;
      this.#reload();
    } else if (name === 'speed') {
      if (this.#timer) {
        this.#pause();
        this.#play();
      }
      this.#schedule();
    } else if (name === 'vm' && this.isConnected && (this.#sim || this.#loading)) {
      // The same scenario on other switches: run again, keeping the step (as the editor's re-run does).
      this.#reload();
    } else if (name === 'selected') {
      this.#schedule();
    } else if (name === 'syntax') {
      this.#cached = null;
      this.#schedule();
    } else if (name === 'inspector') {
      this.#applyInspector();
    } else if (name === 'views' || name === 'controls') {
      this.#applyViews();
    } else if (name === 'autoplay' && this.#sim && value !== null) {
      this.#play();
    }
  }

  /** Scenario text to show instead of a built-in scenario (property only: rich data); null for the `scenario` attribute.
   * Setting it reloads; invalid text shows its located error (`line:col: message`) in the error slot. */
  get source() { return this.#source; }
  set source(text) {
    this.#source = text === null || text === undefined ? null : String(text);
    if (this.isConnected) this.#reload();
  }

  /** Drops the current run (its answers, the question asked, the cached frame) and loads the scenario again; the step
   * is kept. */
  #reload() {
    this.#answers.clear();
    this.#asking = 0;
    this.#sim?.free();
    this.#sim = null;
    this.#cached = null;
    this.#load();
  }

  /** The selected process's pid, or null (attribute `selected`): highlighted in every view, drilled into in "process". */
  get selected() {
    const v = this.getAttribute('selected');
    return v !== null && /^\d{1,9}$/.test(v) ? Number(v) : null;
  }
  set selected(pid) {
    if (pid === null || pid === undefined) this.removeAttribute('selected');
    else this.setAttribute('selected', String(pid));
  }

  /** VM switches forced over the scenario's `vm` line, `SETTING:VALUE,...` as `beamviz --vm` takes them (attribute `vm`;
   * empty: the scenario's own). A value the core does not accept is shown as an error and the scenario's own are used. */
  get vm() { return this.getAttribute('vm') ?? ''; }
  set vm(text) {
    if (!text) this.removeAttribute('vm');
    else this.setAttribute('vm', String(text));
  }

  #userSelect(pid) {
    this.selected = pid;
    this.dispatchEvent(new CustomEvent('beam-select', { bubbles: true, composed: true, detail: { pid } }));
  }

  #vmSeq = 0;

  /** Other switches, as the editor re-runs an edit: timed in the worker first; a quick run is repeated here at once
   * (keeping the step), a slow one waits for "Run it", refused switches say why. */
  async #userVm(vm) {
    const seq = ++this.#vmSeq;
    this.#diag.pendingVm(vm);
    let res;
    try {
      const src = this.#source ?? this.#sim?.source ?? '';
      res = typeof Worker === 'undefined' ? { ok: { ms: 0 } } : await timeRun(src, vm);
      if (src) remember(src, res);
    } catch (err) {
      res = { error: { message: err instanceof Error ? err.message : String(err) } };
    }
    if (seq !== this.#vmSeq || !res) return;
    const apply = () => {
      this.vm = vm;
      this.dispatchEvent(new CustomEvent('beam-vm', { bubbles: true, composed: true, detail: { vm } }));
    };
    if (res.error) this.#diag.pendingVm(vm, { error: res.error.message });
    else if (res.ok.ms > QUICK_RUN_MS) this.#diag.pendingVm(vm, { ms: res.ok.ms, run: apply });
    else apply();
  }

  /** `light`, `dark`, or `auto` (the default: the reader's `prefers-color-scheme`) (attribute `theme`; CSS only). */
  get theme() { const t = this.getAttribute('theme'); return t === 'light' || t === 'dark' ? t : 'auto'; }
  set theme(value) { this.setAttribute('theme', String(value)); }

  /** How displayed terms are printed: `erlang` (the default) or `elixir` (attribute `syntax`). */
  get syntax() { return this.getAttribute('syntax') === 'elixir' ? 'elixir' : 'erlang'; }
  set syntax(value) { this.setAttribute('syntax', String(value)); }

  /** The scenario id (attribute `scenario`). */
  get scenario() { return this.getAttribute('scenario') ?? DEFAULT_SCENARIO; }
  set scenario(id) { this.setAttribute('scenario', String(id)); }

  /** The current step; setting it does not dispatch `beam-step`. */
  get step() { return this.#step; }
  set step(value) {
    this.#asking = 0;
    this.#step = this.#clamp(parseStep(value));
    this.#schedule();
  }

  /** Steps per second while playing (attribute `speed`, default 1). */
  get speed() { return parseSpeed(this.getAttribute('speed')); }
  set speed(value) { this.setAttribute('speed', String(value)); }

  /** Whether playback starts on load (attribute `autoplay`). */
  get autoplay() { return this.hasAttribute('autoplay'); }
  set autoplay(on) { this.toggleAttribute('autoplay', Boolean(on)); }

  /** 'off' hides the term inspector and never starts its worker; anything else is 'on' (attribute `inspector`). */
  get inspector() { return this.getAttribute('inspector') === 'off' ? 'off' : 'on'; }
  set inspector(value) { this.setAttribute('inspector', String(value)); }

  /** The views shown (attribute `views`, comma-separated `data-view` names), or null for all of them. */
  get views() {
    const list = this.getAttribute('views');
    return list === null ? null : list.split(',').map((v) => v.trim()).filter(Boolean);
  }
  set views(list) {
    if (list === null || list === undefined) this.removeAttribute('views');
    else this.setAttribute('views', Array.isArray(list) ? list.join(',') : String(list));
  }

  /** Shows only the requested views; a `views` figure has playback controls only with the `controls` attribute. */
  #applyViews() {
    const views = this.views;
    const root = this.shadowRoot;
    // `data-off`, not `hidden`: views hide themselves when empty (no processes, no tables), and that must not
    // bring back a view the page left out.
    for (const section of root.querySelectorAll('.app [data-view]')) {
      section.toggleAttribute('data-off', views !== null && !views.includes(section.dataset.view));
    }
    // A row of panels with every panel left out would still take its gap.
    for (const row of root.querySelectorAll('.app .panels')) {
      row.toggleAttribute('data-off', [...row.children].every((c) => c.hasAttribute('data-off')));
    }
    for (const bar of root.querySelectorAll('.app .controls')) {
      bar.toggleAttribute('data-off', views !== null && !this.hasAttribute('controls'));
    }
    this.#applyInspector();
  }

  #applyInspector() {
    const views = this.views;
    const off = this.inspector === 'off' || (views !== null && !views.includes('inspector'));
    this.#ui.inspection.closest('[data-view]').hidden = off;
    if (off) clearTimeout(this.#inspectTimer);
    else if (this.#sim && !this.#inspectSeq) this.#runInspect();
  }

  /** The number of steps after step 0, once loaded (else 0). */
  get length() { return this.#sim ? this.#sim.length : 0; }

  #clamp(n) {
    return this.#sim ? Math.min(Math.max(0, n), this.#sim.length) : Math.max(0, n);
  }

  /** Scenario text written inside the element, or null. */
  #inlineSource() {
    if (this.hasAttribute('scenario')) return null;
    const script = this.querySelector('script[type="text/x-beam-scenario"]');
    if (script) return script.textContent;
    const text = this.textContent.trim();
    return text.startsWith('#') ? text : null;
  }

  /** Fetches the `src` scenario file: refused when it is not found, not text, or too large. @param {string} src */
  async #fetchSource(src) {
    const url = new URL(src, document.baseURI);
    let res;
    try {
      res = await fetch(url, { credentials: 'same-origin' });
    } catch (err) {
      throw new Error(`cannot read the scenario ${src}: ${err instanceof Error ? err.message : err}`);
    }
    if (!res.ok) throw new Error(`cannot read the scenario ${src}: HTTP ${res.status}`);
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > MAX_SRC_BYTES) throw new Error(`the scenario ${src} is ${length} bytes; the limit is ${MAX_SRC_BYTES}`);
    const text = await res.text();
    if (text.length > MAX_SRC_BYTES) throw new Error(`the scenario ${src} is over ${MAX_SRC_BYTES} bytes`);
    return text;
  }

  /** Where the scenario comes from, as a promise of a Sim run with switches `vm`. Text from outside the built-in tour runs in a worker
   * first (`vet`), so a hostile text is stopped there and the tab never waits on it. */
  async #open(vm, reading) {
    const src = this.getAttribute('src');
    const text = this.#source ?? (src !== null ? await this.#fetchSource(src) : this.#inlineSource());
    if (text === null) return Sim.open(this.scenario, DEFAULT_SCENARIO, vm, reading);
    // A check that takes a while (a long text is read first, without progress) says so.
    const slow = setTimeout(() => reading.onProgress(0, 0, 'checking'), 300);
    let read;
    const readInWorker = new Promise((resolve) => { read = resolve; });
    const cleared = vet(text, (done, total) => {
      read();
      clearTimeout(slow);
      reading.onProgress(done, total, 'checking');
    });
    cleared.catch(() => {}).finally(() => clearTimeout(slow));
    // Once the worker has opened the text (its first steps read, the rest counted), it is opened here too and read
    // ahead in slices while the worker reads and runs it (on the other core); the run here waits for the worker's
    // verdict (`cleared`).
    await Promise.race([readInWorker, cleared]);
    return Sim.fromSource(text, vm, { ...reading, cleared });
  }

  /** Shows how far the run of a long scenario has got, in the background worker's check (`checking`) or here (null:
   * hides it). @param {{done:number,total:number,phase:string}|null} at */
  #showReading(at) {
    const box = this.#ui.reading;
    box.hidden = at === null;
    // The scenario shown before is no longer stepped (its run was dropped): say so, and dim it.
    this.#ui.app.toggleAttribute('aria-busy', at !== null);
    if (at === null) return;
    const steps = at.total ? `: ${at.done.toLocaleString('en')} of ${at.total.toLocaleString('en')} steps run` : '…';
    box.lastChild.textContent = at.phase === 'checking' ? `Checking the scenario in the background${steps}` : `Reading the scenario${steps}`;
    // Without a count yet, the bar is indeterminate.
    if (at.total) {
      box.firstChild.max = at.total;
      box.firstChild.value = at.done;
    } else {
      box.firstChild.removeAttribute('value');
    }
  }

  async #load() {
    const vm = this.vm;
    let vmError = null;
    // A long scenario runs a slice at a time, with its progress shown; a newer load (another scenario, other switches)
    // stops it between slices.
    const reading = {
      onProgress: (done, total, phase = 'run') => { if (this.#loading === loading) this.#showReading({ done, total, phase }); },
      cancelled: () => this.#loading !== loading,
    };
    // Bad switches (from an attribute or a link) fall back to the scenario's own, with the core's message shown.
    const loading = this.#open(vm, reading).catch((err) => {
      if (!vm || !String(err?.message ?? err).startsWith('vm:')) throw err;
      vmError = err;
      return this.#open('', reading);
    });
    this.#loading = loading;
    try {
      const sim = await loading;
      if (this.#loading !== loading) return sim?.free();
      this.#sim = sim;
      this.#opened.clear();
      this.#lastCount = 0;
      this.#step = this.#clamp(this.#step);
      this.#ui.title.textContent = sim.title;
      this.#ui.desc.replaceChildren(...markup(sim.description));
      this.#ui.range.max = String(sim.length);
      this.#ui.fallback.hidden = true;
      this.#ui.app.hidden = false;
      this.#showError(sim.error ? `The scenario stopped early at ${sim.error}` : vmError);
      this.#schedule();
      this.#applyViews();
      if (this.autoplay) this.#play();
    } catch (err) {
      this.#showError(err);
    } finally {
      if (this.#loading === loading) {
        this.#loading = null;
        this.#showReading(null);
      }
    }
  }

  /** The expression being inspected (the inspector's text field). */
  get expression() { return this.#ui.expr.value; }
  set expression(src) {
    this.#ui.expr.value = String(src);
    this.#queueInspect();
  }

  #queueInspect() {
    clearTimeout(this.#inspectTimer);
    if (this.inspector === 'off') return;
    this.#inspectTimer = setTimeout(() => this.#runInspect(), INSPECT_DELAY);
  }

  async #runInspect() {
    const ui = this.#ui;
    const seq = ++this.#inspectSeq;
    const src = ui.expr.value;
    const lang = ui.langs.find((r) => r.checked)?.value ?? 'erlang';
    const box = ui.inspection.closest('[data-view]');
    let res;
    try {
      res = await inspect(src, lang);
    } catch (err) {
      res = { error: { line: 1, col: 1, message: err instanceof Error ? err.message : String(err) } };
    }
    if (seq !== this.#inspectSeq || !res) return;
    box.dataset.state = res.error ? 'error' : 'ok';
    ui.expr.setAttribute('aria-invalid', String(Boolean(res.error)));
    if (res.error) {
      const { text, caret } = caretLines(src, res.error);
      ui.exprError.replaceChildren(`${res.error.message}\n${text}\n`, h('span', { class: 'caret', text: caret }));
      ui.exprError.dataset.line = String(res.error.line);
      ui.exprError.dataset.col = String(res.error.col);
      ui.exprError.hidden = false;
      ui.inspection.hidden = true;
    } else {
      ui.exprError.hidden = true;
      ui.exprError.replaceChildren();
      renderInspection(ui.inspection, res.ok);
      ui.inspection.hidden = false;
    }
    box.dataset.evaluated = String(seq);
  }

  #showError(err) {
    const box = this.#ui.error;
    if (err === null) {
      box.hidden = true;
      box.textContent = '';
      return;
    }
    box.hidden = false;
    box.textContent = `beam-viz: ${err instanceof Error ? err.message : String(err)}`;
  }

  #onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    // The slider handles its own arrow keys; its input event seeks.
    if (e.composedPath()[0] === this.#ui.range) return;
    if (e.key === 'ArrowLeft') this.#userSeek(this.#step - 1);
    else if (e.key === 'ArrowRight') this.#userSeek(this.#step + 1);
    else if (e.key === 'Home') this.#userSeek(0);
    else if (e.key === 'End') this.#userSeek(this.length);
    else return;
    e.preventDefault();
  }

  #userSeek(n) {
    if (!this.#sim) return;
    const step = this.#clamp(n);
    // Stepping forward onto a step with a question asks it first; the answer reveals the step.
    if (step === this.#step + 1 && !this.#answers.has(step) && this.#sim.predict(step)) {
      this.#asking = step;
      this.#pause();
      this.#schedule();
      return;
    }
    const asked = this.#asking;
    this.#asking = 0;
    if (step === this.#step) {
      if (asked) this.#schedule();
      return;
    }
    // One step forward (a click, a key, playback) plays the step's collections as sub-steps; jumps show the result.
    this.#animateNext = step === this.#step + 1;
    this.#step = step;
    this.#schedule();
    this.dispatchEvent(new CustomEvent('beam-step', { bubbles: true, composed: true, detail: { step } }));
  }

  /** The process-memory view at this step as a standalone SVG document: {text, width, height}. */
  exportSvg() {
    const root = this.shadowRoot;
    const svgs = [...root.querySelectorAll('[data-view="process-memory"] svg.process, [data-view="binaries"] svg.binaries')];
    return composeSvg(svgs, CSS, this, root.querySelector('svg:has(> defs)'), `${this.#ui.title.textContent}, step ${this.#step}`);
  }

  /** The same as a PNG image at twice the size. @returns {Promise<Blob>} */
  exportPng() { return svgToPng(this.exportSvg(), 2); }

  #exportName(ext) { return `beamviz-${(this.#sim?.id ?? 'scenario').replace(/[^a-z0-9-]/gi, '')}-step-${this.#step}.${ext}`; }

  /** The steps with an event of the selected kind, read once per kind from the core. */
  #eventSteps() {
    const kind = this.#ui.jumpKind.value;
    if (this.#jumpCache?.sim !== this.#sim || this.#jumpCache.kind !== kind) this.#jumpCache = { sim: this.#sim, kind, steps: this.#sim.stepsWith(kind) };
    return this.#jumpCache.steps;
  }

  /** Jumps to the next (`dir` 1) or previous (-1) step with an event of the selected kind. @param {number} dir */
  #jump(dir) {
    if (!this.#sim) return;
    const steps = this.#eventSteps();
    const target = dir > 0 ? steps.find((s) => s > this.#step) : steps.findLast((s) => s < this.#step);
    if (target !== undefined) this.#userSeek(target);
  }

  #play() {
    if (!this.#sim || this.#timer) return;
    if (this.#step >= this.#sim.length) this.#userSeek(0);
    this.#timer = setInterval(() => {
      if (!this.#sim || this.#step >= this.#sim.length || this.#asking) this.#pause();
      else this.#userSeek(this.#step + 1);
    }, 1000 / this.speed);
    this.#ui.play.textContent = '❚❚ Pause';
    this.#ui.play.setAttribute('aria-pressed', 'true');
  }

  #pause() {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = 0;
    this.#ui.play.textContent = '▶ Play';
    this.#ui.play.setAttribute('aria-pressed', 'false');
  }

  /** Answers the question on screen with choice `choice` (-1: skipped), revealing its step if it was being asked. */
  #answer(choice) {
    // The choice buttons are about to be replaced; keep focus in the widget so ← / → still step.
    this.focus({ preventScroll: true });
    if (this.#asking) {
      const step = this.#asking;
      this.#answers.set(step, choice);
      this.#asking = 0;
      this.#animateNext = true;
      this.#step = step;
      this.#schedule();
      this.dispatchEvent(new CustomEvent('beam-step', { bubbles: true, composed: true, detail: { step } }));
    } else {
      this.#answers.set(this.#step, choice);
      this.#schedule();
    }
  }

  #renderPredict(view) {
    const box = this.#ui.predict;
    const asking = this.#asking;
    const p = asking ? this.#sim.predict(asking) : view.predict;
    if (!p) {
      box.hidden = true;
      box.replaceChildren();
      delete box.dataset.state;
      return;
    }
    const step = asking || this.#step;
    const given = this.#answers.get(step);
    const answered = !asking && given !== undefined;
    box.hidden = false;
    box.dataset.step = String(step);
    box.dataset.state = asking ? 'asking' : answered ? 'answered' : 'open';
    const parts = [];
    if (asking) parts.push(h('p', { class: 'ask-note', id: 'bv-ask-note', text: `Predict before step ${step} is shown: answer or skip the question to step forward.` }));
    parts.push(h('p', { class: 'q' }, ...markup(p.question)));
    const choices = h('ol', { class: 'choices' });
    p.choices.forEach((text, i) => {
      const cls = ['choice'];
      if (answered && i === p.answer) cls.push('right');
      if (answered && i === given && i !== p.answer) cls.push('wrong');
      const b = h('button', { type: 'button', class: cls.join(' '), 'data-choice': String(i) }, `${String.fromCharCode(65 + i)}. `, ...markup(text));
      if (answered) {
        b.setAttribute('aria-disabled', 'true');
        if (i === p.answer) b.append(' ✓');
        else if (i === given) b.append(' ✗');
      } else {
        b.addEventListener('click', () => this.#answer(i));
      }
      choices.append(h('li', {}, b));
    });
    parts.push(choices);
    if (!answered) {
      const skip = h('button', { type: 'button', class: 'skip', text: asking ? 'Skip the question and show the step' : 'Show the answer' });
      skip.addEventListener('click', () => this.#answer(-1));
      parts.push(skip);
    } else {
      const verdict = given === p.answer ? ['right', 'Right.'] : given === -1 ? ['', `The answer: ${String.fromCharCode(65 + p.answer)}.`] : ['wrong', `Not quite: the answer is ${String.fromCharCode(65 + p.answer)}.`];
      parts.push(h('p', { class: `verdict ${verdict[0]}`, text: verdict[1] }));
      parts.push(h('p', { class: 'explanation' }, ...markup(p.explanation)));
    }
    box.replaceChildren(...parts);
    if (asking) box.querySelector('button.choice')?.focus({ preventScroll: true });
  }

  #schedule() {
    if (this.#frame || !this.#sim) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      try {
        this.#render();
      } catch (err) {
        this.#pause();
        this.#showError(err);
      }
    });
  }

  /** Each live process's mailbox: its messages in order, as the core prints them. */
  #renderMailboxes(view) {
    // With many processes, only the mailboxes that hold messages are listed, and the others counted.
    const live = view.processes.filter((p) => p.alive);
    const shown = live.length > FULL_PICTURES ? live.filter((p) => p.message_queue_len > 0) : live;
    const rows = shown.map((p) => {
      const head = h('p', { class: 'who', 'data-pid': String(p.pid) }, `${p.name}: ${p.message_queue_len} message${p.message_queue_len === 1 ? '' : 's'}`);
      const list = h('ol', { 'aria-label': `Mailbox of ${p.name}` }, ...p.mailbox.map((m) => h('li', { 'data-message': '', text: m })));
      return p.mailbox.length ? h('div', {}, head, list) : head;
    });
    if (shown.length < live.length) rows.push(h('p', { class: 'empty', text: `${live.length - shown.length} other processes have empty mailboxes.` }));
    patchChildren(this.#ui.mailboxes, rows.length ? rows : [h('p', { class: 'empty', text: 'No live processes.' })]);
  }

  /** The live ETS tables, as `ets:info/1` would describe them, and the open DETS tables, whose objects are in files. */
  #renderEts(view) {
    const names = new Map(view.processes.map((p) => [p.pid, p.name]));
    const table = (cols, rows) => h('table', { class: 'pinfo' }, h('thead', {}, h('tr', {}, ...cols.map((k) => h('th', { scope: 'col', text: k })))), h('tbody', {}, ...rows));
    const ets = view.ets.length
      ? table(['table', 'owner', 'size', 'memory (words)'], view.ets.map((t) => h('tr', { 'data-table': String(t.id) }, h('th', { scope: 'row', text: t.name || `#${t.id}` }),
        h('td', { text: names.get(t.owner) ?? `<0.${t.owner}.0>` }), h('td', { text: String(t.size) }), h('td', { text: String(t.memory_words) }))))
      : h('p', { class: 'empty', text: 'No ETS tables. They live outside every process heap.' });
    const dets = view.dets ?? [];
    const disk = dets.length
      ? [h('h4', { text: 'DETS tables: on disk' }),
        table(['table', 'size', 'in the write cache', 'memory'], dets.map((t) => h('tr', { 'data-dets': String(t.id) }, h('th', { scope: 'row', text: t.name }),
          h('td', { text: String(t.size) }), h('td', { text: `${t.cached_keys} key${t.cached_keys === 1 ? '' : 's'}` }), h('td', { text: '0: in a file' }))))]
      : [];
    this.#ui.ets.replaceChildren(ets, ...disk);
  }

  /** One process's memory picture, and on a GC step its sub-step buttons (roots → copy → promote → resize → free → after). */
  #renderProcess(box, p, frame) {
    const events = eventsOf(frame.view.events, p.pid);
    const before = frame.before.get(p.pid) ?? null;
    const phases = before ? gcPhases(events) : [];
    const phase = this.#gcPhase.get(p.pid) ?? null;
    // A process that did not change since the last picture keeps it: with many processes, most are idle each step.
    const cells = frame.cells.get(p.pid);
    const was = frame.wasYoung.get(p.pid) ?? null;
    const key = { p: JSON.stringify(p), events: JSON.stringify(events), before, phase, young: cells.young, old: cells.old, changed: Boolean(was && !sameBytes(was, cells.young)) };
    const prevKey = box.key;
    box.key = key;
    if (prevKey && !before && !prevKey.before && !key.changed && !prevKey.changed && prevKey.p === key.p && prevKey.events === key.events && prevKey.phase === phase
      && sameBytes(prevKey.young, key.young) && sameBytes(prevKey.old, key.old)) return;
    const layout = layoutProcess(p, cells, events, this.#sim.legend, before, phase, frame.wasYoung.get(p.pid) ?? null);
    renderSvg(box.svg, layout);
    for (const k of ['gc', 'gcPhase']) delete box.svg.dataset[k];
    for (const [k, v] of Object.entries(layout.data)) box.svg.dataset[k] = v;
    box.bar.hidden = phases.length === 0;
    if (!phases.length) return box.bar.replaceChildren();
    const shown = phase ?? 'after';
    const buttons = phases.map((name) => {
      const b = h('button', { type: 'button', class: 'gc-phase', 'data-phase': name, 'aria-pressed': String(name === shown), text: name });
      b.addEventListener('click', () => { this.#stopGcAnimation(); this.#showGcPhase(name); });
      return b;
    });
    const play = h('button', { type: 'button', class: 'gc-play', 'aria-label': `Play the GC of ${p.name} as sub-steps`, text: '▶ GC' });
    play.addEventListener('click', () => this.#animateGc(true));
    box.bar.replaceChildren('GC sub-steps:', ...buttons, play);
  }

  /** The processes whose full picture is drawn at this view: all of them up to FULL_PICTURES, else those the user
   * opened and the first AUTO_OPEN that act at this step (named by its events). @returns {Set<number>|null} */
  #pictured(view) {
    if (view.processes.length <= FULL_PICTURES) return null;
    const alive = new Set(view.processes.filter((p) => p.alive).map((p) => p.pid));
    const out = new Set([...this.#opened].filter((pid) => alive.has(pid)));
    let auto = 0;
    for (const e of view.events) {
      for (const pid of e.pids) {
        if (auto < AUTO_OPEN && alive.has(pid) && !out.has(pid)) { out.add(pid); auto += 1; }
      }
    }
    return out;
  }

  /** The compact rows past FULL_PICTURES processes: name, a bar of the young block (heap from the left, stack from
   * the right), the numbers; only the rows in the list's view are built. */
  #renderRows(frame, at = scrollOf(this.#ui.rows)) {
    const ui = this.#ui;
    const procs = frame.view.processes;
    const many = procs.length > FULL_PICTURES;
    ui.rows.hidden = !many;
    ui.rowsNote.hidden = !many;
    if (!many) {
      this.#rowsKey = '';
      return ui.rowsInner.replaceChildren();
    }
    const note = `${procs.length} processes: full pictures for the ${frame.cells.size} that act at this step or that you opened; select a row to open or close one.`;
    // Same text, same node: assigning it again would replace the text node and lay the list out again.
    if (ui.rowsNote.textContent !== note) ui.rowsNote.textContent = note;
    ui.rowsInner.style.height = `${procs.length * ROW_H}px`;
    const [from, to] = visibleRange(at, procs.length, ROW_H);
    // What the rows in view would show: when it is what they show, nothing is built.
    const shown = [from, to];
    for (let i = from; i < to; i++) {
      const p = procs[i];
      shown.push(p.pid, p.name, p.alive, frame.cells.has(p.pid), p.heap_used, p.heap_size, p.stack_size, p.old_heap_used, p.old_heap_size);
    }
    const key = shown.join('|');
    if (this.#rowsKey === key) return;
    this.#rowsKey = key;
    const rows = [];
    for (let i = from; i < to; i++) {
      const p = procs[i];
      const open = frame.cells.has(p.pid);
      const words = p.alive ? `${p.heap_used}/${p.heap_size} words, stack ${p.stack_size}${p.old_heap_size ? `, old ${p.old_heap_used}/${p.old_heap_size}` : ''}` : 'exited';
      const row = h('button', { type: 'button', class: p.alive ? 'proc-row' : 'proc-row dead', 'data-pid': String(p.pid), 'aria-expanded': String(open),
        'aria-label': `${p.name}: ${words}` });
      row.style.top = `${i * ROW_H}px`;
      const bar = h('span', { class: 'bar', 'aria-hidden': 'true' });
      if (p.alive && p.heap_size > 0) {
        const used = h('span', { class: 'used' });
        used.style.width = `${(100 * p.heap_used) / p.heap_size}%`;
        const stack = h('span', { class: 'stack' });
        stack.style.width = `${(100 * p.stack_size) / p.heap_size}%`;
        bar.append(used, stack);
      }
      row.append(h('span', { class: 'name', text: p.name }), bar, h('span', { text: words }));
      rows.push(row);
    }
    patchChildren(ui.rowsInner, rows);
  }

  /** Shows sub-step `name` of every collection at this step ('after': the result). */
  #showGcPhase(name) {
    const frame = this.#cached?.frame;
    if (!frame) return;
    for (const [pid] of frame.before) {
      const phases = gcPhases(eventsOf(frame.view.events, pid));
      if (phases.includes(name) && name !== 'after') this.#gcPhase.set(pid, name);
      else this.#gcPhase.delete(pid);
      const box = this.#procSvgs.get(pid);
      const p = frame.view.processes.find((q) => q.pid === pid);
      if (box && p) this.#renderProcess(box, p, frame);
    }
  }

  #stopGcAnimation() {
    clearTimeout(this.#gcTimer);
    this.#gcTimer = 0;
  }

  /** Plays the collections of this step as their sub-steps, then leaves the result on screen. Without `always`, only
   * when motion is welcome and there is time before the next step of a playback. @param {boolean} always */
  #animateGc(always = false) {
    this.#stopGcAnimation();
    const frame = this.#cached?.frame;
    if (!frame || !frame.before.size) return;
    const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
    const order = ['roots', 'copy', 'promote', 'resize', 'free', 'after'];
    const phases = order.filter((name) => [...frame.before.keys()].some((pid) => gcPhases(eventsOf(frame.view.events, pid)).includes(name)));
    const budget = this.#timer ? 1000 / this.speed : 3000;
    const each = Math.min(500, budget / (phases.length + 1));
    if (!always && (reduced || each < 120)) return;
    let i = 0;
    const tick = () => {
      this.#showGcPhase(phases[i]);
      i += 1;
      this.#gcTimer = i < phases.length ? setTimeout(tick, reduced ? 0 : each) : 0;
    };
    tick();
  }

  #render() {
    const start = performance.now();
    const sim = this.#sim;
    const ui = this.#ui;
    // Scroll positions first, while the layout from the last frame is still valid.
    const rowsAt = scrollOf(ui.rows);
    const tableAt = scrollOf(ui.pinfoBox);
    const step = this.#step;
    sim.syntax = this.syntax;
    for (const r of ui.syntaxes) r.checked = r.value === this.syntax;
    if (this.#cached?.step !== step || this.#cached.sim !== sim) {
      this.#stopGcAnimation();
      // Past FULL_PICTURES processes (as of the last frame), only the pictured processes' terms are read.
      const many = this.#lastCount > FULL_PICTURES;
      this.#cached = { step, sim, frame: sim.frame(step, (v) => this.#pictured(v), many ? [...this.#opened] : null) };
      this.#lastCount = this.#cached.frame.view.processes.length;
      this.#gcPhase.clear();
    }
    const frame = this.#cached.frame;
    const { view, cells, prev } = frame;
    const legend = sim.legend;

    ui.stepNo.textContent = step === 0 ? 'start' : `${step}.`;
    ui.code.textContent = view.code || '# nothing has run yet';
    patchChildren(ui.narration, markup(view.narration));
    ui.checks.replaceChildren(...view.checks.map((c) => h('li', {
      class: c.ok ? 'ok' : 'fail',
      'data-ok': String(c.ok),
    }, c.ok ? '✓ ' : '✗ ', ...markup(c.text), c.ok ? '' : ` (got ${c.got ?? 'nothing'})`)));
    ui.checks.hidden = view.checks.length === 0;
    this.#renderPredict(view);
    const GC_KINDS = ['HeapMetStack', 'MinorGcAborted', 'GcFinished', 'Promoted', 'OldHeapCreated', 'OldHeapFreed'];
    const line = (e) => h('li', { class: GC_KINDS.includes(e.kind) ? 'gc' : '', 'data-kind': e.kind, text: e.text });
    const shown = view.events.slice(0, LOG_LINES).map(line);
    if (view.events.length > LOG_LINES) {
      const rest = view.events.slice(LOG_LINES);
      shown.push(h('li', { class: 'more' }, h('details', {},
        h('summary', { text: `${rest.length} more events` }), h('ul', { class: 'log' }, ...rest.map(line)))));
    }
    patchChildren(ui.log, shown);
    ui.logTitle.textContent = step === 0 ? 'Event log' : `Event log · step ${step} · ${view.events.length} event${view.events.length === 1 ? '' : 's'}`;
    if (!view.events.length) patchChildren(ui.log, [h('li', { class: 'more', text: step === 0 ? 'Nothing has happened yet.' : 'No events at this step.' })]);
    const marks = this.#eventSteps();
    const kindName = ui.jumpKind.selectedOptions[0]?.text ?? '';
    const prevAt = marks.findLast((s) => s < step);
    const nextAt = marks.find((s) => s > step);
    ui.prevEvent.setAttribute('aria-disabled', String(prevAt === undefined));
    ui.nextEvent.setAttribute('aria-disabled', String(nextAt === undefined));
    ui.prevEvent.setAttribute('aria-label', prevAt === undefined ? `No earlier ${kindName}` : `Previous ${kindName}, at step ${prevAt}`);
    ui.nextEvent.setAttribute('aria-label', nextAt === undefined ? `No later ${kindName}` : `Next ${kindName}, at step ${nextAt}`);
    ui.speedSel.value = String(SPEEDS.includes(this.speed) ? this.speed : DEFAULT_SPEED);

    renderSvg(ui.lifecycle, layoutLifecycle(view, legend.stages));

    const seen = new Set();
    const pictured = view.processes.filter((p) => cells.has(p.pid));
    for (const p of pictured) {
      seen.add(p.pid);
      let box = this.#procSvgs.get(p.pid);
      if (!box) {
        box = { el: h('div', { class: 'proc', 'data-pid': String(p.pid) }), bar: h('div', { class: 'gc-steps', role: 'group', 'aria-label': `GC sub-steps of ${p.name}` }), svg: createSvg('process', `Memory of process ${p.name}`) };
        box.el.append(box.bar, box.svg);
        this.#procSvgs.set(p.pid, box);
      }
      this.#renderProcess(box, p, frame);
    }
    for (const [pid, box] of this.#procSvgs) if (!seen.has(pid)) { box.el.remove(); this.#procSvgs.delete(pid); }
    const order = pictured.map((p) => this.#procSvgs.get(p.pid).el);
    if (order.some((el, i) => ui.procs.children[i] !== el) || ui.procs.children.length !== order.length) ui.procs.replaceChildren(...order);
    if (!view.processes.length) ui.procs.replaceChildren(h('p', { class: 'memory', text: 'No processes yet. Step forward to spawn one.' }));
    this.#renderRows(frame, rowsAt);

    const used = new Set();
    for (const c of cells.values()) for (const arr of [c.young, c.old]) for (const b of arr) used.add(b & 0x1f);
    const items = [h('li', { class: 'scale' }, 'one square = one word, unless marked:')];
    items.push(...legend.cell_kinds.filter((k) => used.has(k.code)).map((k) =>
      h('li', {}, h('span', { class: `sw ${kindClass(k.name)}` }), k.name)));
    items.push(h('li', {}, h('span', { class: 'sw hatched' }), 'garbage (no root reaches it)'));
    items.push(h('li', {}, h('span', { class: 'sw hw' }), 'high-water mark'));
    items.push(h('li', {}, h('span', { class: 'sw changed' }), 'changed since the previous step'));
    patchChildren(ui.legend, items);
    ui.legend.hidden = view.processes.length === 0;

    renderTable(ui.pinfo, view.processes, prev, ui.pinfoBox, tableAt);
    this.#renderMailboxes(view);
    this.#renderEts(view);
    if (this.#series?.sim !== sim) this.#series = { sim, data: sim.memorySeries() };
    renderSvg(ui.memChart, layoutMemoryChart(this.#series.data, step));
    // Rebuilt whole: `Diagnostics.mark` marks its cards after drawing.
    renderSvg(ui.binaries, layoutBinaries(view), false);
    const m = view.memory;
    ui.memory.textContent = `erlang:memory(): processes ${m.processes} B, binary ${m.binary} B, total ${m.total} B`;
    this.#diag.render(sim, step, view, this.selected, this.syntax, this.vm);
    this.#diag.mark(this.shadowRoot, view, this.selected);

    ui.range.value = String(step);
    ui.range.setAttribute('aria-valuetext', `step ${step} of ${view.len}`);
    ui.counter.textContent = `${step} / ${view.len}`;
    // aria-disabled rather than disabled: a disabled button drops keyboard focus out of the widget.
    ui.back.setAttribute('aria-disabled', String(step === 0));
    // While a question waits, Forward says why it does not step.
    ui.forward.setAttribute('aria-disabled', String(step >= view.len || this.#asking > 0));
    if (this.#asking) {
      ui.forward.title = 'Answer or skip the question first';
      ui.forward.setAttribute('aria-describedby', 'bv-ask-note');
    } else {
      ui.forward.removeAttribute('title');
      ui.forward.removeAttribute('aria-describedby');
    }
    this.dataset.step = String(step);
    const spoken = `Step ${step} of ${view.len}. ${view.code ? `${view.code}. ` : ''}${ui.narration.textContent}`;
    if (ui.live.textContent !== spoken) ui.live.textContent = spoken;
    if (this.#animateNext) {
      this.#animateNext = false;
      this.#animateGc();
    }
    performance.measure('beam-viz:render', { start });
  }
}
