//! wasm-bindgen bindings for the beamviz model: a translation layer and nothing else.
//!
//! One opaque [`Simulator`] owns a [`History`] and the [`Scenario`] it replays, read from text the page gives it
//! (`www/js/sim.js` fetches the built-in scenarios' texts: they are not embedded here).
//! Each method converts types: structured, small data crosses as one JSON text per call, written by hand
//! below ([`Json`]) and read by `JSON.parse` in `www/js/sim.js`; the per-word cell kinds, which are large and
//! uniform, cross as `Uint8Array`s copied out of wasm memory on every call.
//! JSON text instead of serde + serde-wasm-bindgen is a size decision: it took 40 % of the shipped bytes
//! off the module together with the other cuts listed in ARCHITECTURE.md, and `JSON.parse` is fast.
//! There is no GC logic here; if a method needs an `if` about memory semantics, the core is missing a getter.

use beamviz::event::{Event, GcKind};
use beamviz::expr::{self, Lang};
use beamviz::scenario::{self, ParseError, Reader, Scenario};
use beamviz::view::{self, CellKind, View};
use beamviz::{History, Pid, Stage};
use wasm_bindgen::prelude::*;

mod diagnostics;

/// Installs the panic hook once, so a model panic shows its message in the console instead of `unreachable`.
fn init_panic_hook() {
    #[cfg(feature = "console_error_panic_hook")]
    console_error_panic_hook::set_once();
}

/// A scenario being stepped through, forwards and backwards.
#[wasm_bindgen]
pub struct Simulator {
    /// The scenario, read a slice at a time as the run needs its steps (`advance`).
    reader: Reader,
    /// Its steps, counted when it was opened (its loops' heads say how many without reading them).
    total: usize,
    /// The scenario's text, for quoting checkpoints as written.
    source: String,
    history: History,
    /// `erlang:memory()` and each process's `memory` at the last few steps shown, newest last: "growing now" compares
    /// a step with the one `window` steps back, which playback showed a moment ago, so it is read from here instead
    /// of seeking back (a checkpoint restored and up to its spacing of ops replayed, at every step).
    recent: Vec<MemoryAt>,
    /// `memory_series`, taken as the run is recorded (`advance`): reading it afterwards would replay every step again,
    /// seconds of one task for a million steps.
    series: Vec<f64>,
}

/// A step, its `erlang:memory()` and each process's `memory` (`view::process_memory`) there.
type MemoryAt = (usize, view::MemoryView, Vec<(u32, u64)>);

impl Simulator {
    // Not bindings: the view (`view_json`) carries the next two to the page, `len() === 0` says the third; tests and
    // clippy read them here.
    /// Whether the scenario has no steps.
    pub fn is_empty(&self) -> bool {
        self.history.is_empty()
    }

    /// The narration of step `step`; step 0 gets the scenario description.
    pub fn narration(&self, step: usize) -> String {
        match step.checked_sub(1) {
            None => self.scenario().description.clone(),
            Some(idx) => self
                .scenario()
                .steps
                .get(idx)
                .map_or_else(String::new, |s| s.narration().to_string()),
        }
    }

    /// The code line of step `step` (empty for step 0 or past the end).
    pub fn code(&self, step: usize) -> String {
        step.checked_sub(1)
            .and_then(|idx| self.scenario().steps.get(idx))
            .map_or_else(String::new, |s| s.code.clone())
    }

    /// Opens scenario text with `overrides` over its `vm` line, without running it yet (`advance` runs it): reads
    /// its first `OPEN_STEPS` steps (all of most scenarios, so their errors come from here) and counts the rest.
    fn parse(id: &str, src: &str, overrides: &scenario::VmOverrides) -> Result<Simulator, JsError> {
        let mut reader = Reader::new(id, src, overrides).map_err(located)?;
        reader.read(src, OPEN_STEPS).map_err(located)?;
        // A count that fails means a text that will not read: its error comes from `advance`.
        let total = reader.count(src).unwrap_or(0);
        reader.reserve(total);
        // A scenario's `vm` line comes before its first step, so the switches are known now.
        let history = History::recording(reader.scenario().vm.switches);
        // Its final size at once: grown by doubling, a million steps' series would hold 64 MB at its peak for 40.
        let series = Vec::with_capacity((total + 1) * MEMORY_SERIES.len());
        Ok(Simulator {
            reader,
            total,
            source: src.into(),
            history,
            recent: Vec::new(),
            series,
        })
    }

    /// The scenario (the steps read so far, while `advance` still reads).
    fn scenario(&self) -> &Scenario {
        self.reader.scenario()
    }

    /// Appends `erlang:memory()` at the history's current step to `series`, in `MEMORY_SERIES` order.
    fn push_memory(&mut self) {
        let m = view::memory(self.history.vm());
        // Every byte count stays far below 2^53, so f64 holds it exactly.
        self.series
            .extend([m.processes, m.binary, m.ets, m.atom, m.total].map(|v| v as f64));
    }
}

#[wasm_bindgen]
impl Simulator {
    /// Opens scenario text and returns it not yet run: it reads the first `OPEN_STEPS` steps and counts the rest
    /// (`steps_total`); `advance` reads and runs it a slice at a time, so a page can read a million steps between
    /// frames instead of in one call; `open` and then `advance(usize::MAX)` read and run it all. `vm` forces VM
    /// switches (`SETTING:VALUE,...`, as the command line's `--vm`) over the scenario's own `vm` line (empty: its
    /// own). This and `advance` are the only ways in: the module keeps no other constructor, as every binding costs
    /// the shipped module its code and glue.
    ///
    /// # Errors
    /// `vm: message` for a switch or value it does not know; the located message `line:col: message` for scenario
    /// text that does not read, for the steps read (a later step's error comes from `advance`).
    pub fn open(id: &str, src: &str, vm: &str) -> Result<Simulator, JsError> {
        init_panic_hook();
        let overrides =
            scenario::VmOverrides::parse(vm).map_err(|e| JsError::new(&format!("vm: {e}")))?;
        Simulator::parse(id, src, &overrides)
    }

    /// Runs up to `max_steps` more steps of a scenario opened by `open`, reading them from the text as it goes;
    /// true once the run is over (every step ran, or one failed: `error`) and the text is read, and then the
    /// simulator is at step 0 and can seek. Until then it is at its last step run, `len()` counts the steps run so
    /// far, and `seek` does nothing.
    ///
    /// # Errors
    /// The located message of `open`, for a step further down the text that does not read.
    pub fn advance(&mut self, max_steps: usize) -> Result<bool, JsError> {
        if self.series.is_empty() && self.history.is_recording() {
            self.push_memory();
        }
        let mut left = max_steps;
        while left > 0 && self.history.is_recording() {
            let Some(step) = self.reader.scenario().steps.get(self.history.len()) else {
                if self.reader.is_done() {
                    break;
                }
                // The steps are read as they are run, as many as are left to run in this call.
                self.reader.read(&self.source, left).map_err(located)?;
                continue;
            };
            if self.history.record(&step.op) {
                self.push_memory();
            }
            left -= 1;
        }
        // A run stopped by a failing step still reads the rest of the text, a slice at a time: an error in the text
        // is reported rather than the run's, as when the whole text was read before running it.
        if !self.history.is_recording() && !self.reader.is_done() {
            self.reader.read(&self.source, max_steps).map_err(located)?;
        }
        let done = self.reader.is_done()
            && (!self.history.is_recording() || self.history.len() == self.scenario().steps.len());
        if done {
            self.history.finish();
        }
        Ok(done)
    }

    /// Reads up to `max_steps` more steps of the text without running them (a page reads ahead while a worker
    /// checks the text on the other core; `advance` runs them later); true once the whole text is read.
    ///
    /// # Errors
    /// As `open`, for the text read.
    pub fn read_ahead(&mut self, max_steps: usize) -> Result<bool, JsError> {
        self.reader.read(&self.source, max_steps).map_err(located)
    }

    /// The number of steps the scenario has (what `len()` reaches when every step runs), counted when it was
    /// opened, before they are all read.
    pub fn steps_total(&self) -> usize {
        if self.reader.is_done() {
            self.scenario().steps.len()
        } else {
            self.total
        }
    }

    /// Reads scenario text without running it: `{"ok":{"title","steps"}}`, or
    /// `{"error":{"line","col","len","message"}}` with where the first problem is.
    pub fn check(src: &str) -> String {
        let mut j = Json::default();
        j.open('{');
        match scenario::parse("check", src) {
            Ok(s) => {
                j.key("ok");
                j.open('{');
                j.key("title");
                j.str(&s.title);
                j.key("steps");
                j.num(s.steps.len() as u64);
                j.close('}');
            }
            Err(e) => {
                j.key("error");
                j.open('{');
                j.key("line");
                j.num(e.span.line.into());
                j.key("col");
                j.num(e.span.col.into());
                j.key("len");
                j.num(e.span.len.into());
                j.key("message");
                j.str(&e.kind.to_string());
                j.close('}');
            }
        }
        j.close('}');
        j.0
    }

    /// The built-in scenarios, as JSON `[{id, title}]`. Their texts are not in this module (about 26 KB gzipped,
    /// twice, as the linker kept two copies): the page fetches `scenarios/ID.scn` and runs it with `open` and `advance`.
    pub fn scenarios() -> String {
        let mut j = Json::default();
        j.open('[');
        for (id, title) in scenario::BUILTIN.iter().zip(scenario::BUILTIN_TITLES) {
            j.open('{');
            j.key("id");
            j.str(id);
            j.key("title");
            j.str(title);
            j.close('}');
        }
        j.close(']');
        j.0
    }

    /// Names for drawing, as JSON: lifecycle stages in order, cell kinds by code, and the cell flag bits.
    pub fn legend() -> String {
        let mut j = Json::default();
        j.open('{');
        j.key("stages");
        j.open('[');
        for s in Stage::ALL {
            j.str(&s.to_string());
        }
        j.close(']');
        j.key("cell_kinds");
        j.open('[');
        for (kind, name) in CELL_KINDS {
            j.open('{');
            j.key("code");
            j.num(kind as u64);
            j.key("name");
            j.str(name);
            j.close('}');
        }
        j.close(']');
        j.key("cell_header");
        j.num(view::CELL_HEADER.into());
        j.key("cell_garbage");
        j.num(view::CELL_GARBAGE.into());
        j.close('}');
        j.0
    }

    /// The scenario id.
    pub fn id(&self) -> String {
        self.scenario().id.clone()
    }

    /// The scenario title.
    pub fn title(&self) -> String {
        self.scenario().title.clone()
    }

    /// What the scenario shows.
    pub fn description(&self) -> String {
        self.scenario().description.clone()
    }

    /// The scenario's text (the editor shows it).
    pub fn source(&self) -> String {
        self.source.clone()
    }

    /// The number of steps after step 0.
    pub fn len(&self) -> usize {
        self.history.len()
    }

    /// The current step.
    pub fn step(&self) -> usize {
        self.history.step()
    }

    /// Moves to step `step`, clamped to `len()`.
    pub fn seek(&mut self, step: usize) {
        self.history.seek(step);
    }

    /// Why the scenario stopped early, if an op failed: `step N: message`.
    pub fn error(&self) -> Option<String> {
        // Located like `beamviz check` says it: `line:col: step N failed: what`.
        self.history.error().map(|(idx, e)| {
            let (span, message) = scenario::locate_failure(self.scenario(), idx, &e);
            let what = message.unwrap_or_else(|| e.to_string());
            format!(
                "{}:{}: step {} failed: {what}",
                span.line,
                span.col,
                idx + 1
            )
        })
    }

    /// The machine at the current step, plus that step's events, code and narration, as JSON.
    pub fn view(&self) -> String {
        self.view_json(View::of(self.history.vm()), false)
    }

    /// [`Simulator::view`] with the variables and messages of only the processes in `pids` and those named by the
    /// step's events (`View::of_some`): with a thousand processes, the page shows a few. A step with checkpoints
    /// gets them all, since checkpoints read them.
    pub fn view_some(&self, pids: &[u32]) -> String {
        let step = self.history.step();
        let checks = step
            .checked_sub(1)
            .and_then(|i| self.scenario().steps.get(i))
            .is_some_and(|s| !s.expects().is_empty());
        let events = self.history.events_at(step);
        let named = |pid: u32| {
            events
                .iter()
                .any(|e| event_kind(e).1.contains(&Some(Pid(pid))))
        };
        self.view_json(
            View::of_some(self.history.vm(), &|pid| {
                checks || pids.contains(&pid) || named(pid)
            }),
            true,
        )
    }

    /// The JSON of `view` and, with `columns` (processes in columns: `write_process_columns`), `view_some`
    /// (not exported: not `pub`).
    fn view_json(&self, v: View, columns: bool) -> String {
        let step = self.history.step();
        let vm = self.history.vm();
        let names: Vec<(u32, &str)> = v
            .processes
            .iter()
            .map(|p| (p.pid, p.name.as_str()))
            .collect();
        let mut j = Json::default();
        j.open('{');
        j.key("step");
        j.num(step as u64);
        j.key("len");
        j.num(self.history.len() as u64);
        j.key("code");
        j.str(&self.code(step));
        j.key("narration");
        j.str(&self.narration(step));
        j.key("checks");
        j.open('[');
        if let Some(s) = step
            .checked_sub(1)
            .and_then(|i| self.scenario().steps.get(i))
        {
            for e in s.expects() {
                let got = scenario::evaluate(vm, &v, e);
                j.open('{');
                // The checkpoint as written (`binary(body).refc == 1`).
                j.key("text");
                j.str(&span_text(&self.source, e.span));
                j.key("got");
                match got {
                    Some(g) => j.num(g),
                    None => j.raw("null"),
                }
                j.key("want");
                j.num(e.want);
                j.key("ok");
                j.bool(got.is_some_and(|g| e.cmp.holds(g, e.want)));
                j.close('}');
            }
        }
        j.close(']');
        if let Some(p) = self.predict_at(step) {
            j.key("predict");
            p.write(&mut j);
        }
        j.key("events");
        j.open('[');
        for e in self.history.events_at(step) {
            write_event(&mut j, e, &names);
        }
        j.close(']');
        if columns {
            write_process_columns(&mut j, &v.processes);
        } else {
            write_processes(&mut j, &v.processes);
        }
        j.key("binaries");
        j.open('[');
        for b in &v.binaries {
            j.open('{');
            j.key("id");
            j.num(b.id.into());
            j.key("bytes");
            j.num(b.bytes);
            j.key("refc");
            j.num(b.refc.into());
            j.key("holders");
            j.open('[');
            for h in &b.holders {
                j.open('{');
                j.key("pid");
                j.num(h.pid.into());
                j.key("reachable");
                j.bool(h.reachable);
                j.close('}');
            }
            j.close(']');
            j.close('}');
        }
        j.close(']');
        j.key("ets");
        j.open('[');
        for t in &v.ets {
            j.open('{');
            j.key("id");
            j.num(t.id.into());
            j.key("name");
            j.str(&t.name);
            j.key("owner");
            j.num(t.owner.into());
            j.key("size");
            j.num(t.size);
            j.key("memory_words");
            j.num(t.memory_words);
            j.close('}');
        }
        j.close(']');
        j.key("dets");
        j.open('[');
        for t in &v.dets {
            j.open('{');
            j.key("id");
            j.num(t.id.into());
            j.key("name");
            j.str(&t.name);
            j.key("size");
            j.num(t.size);
            j.key("cached_keys");
            j.num(t.cached_keys);
            j.close('}');
        }
        j.close(']');
        j.key("memory");
        write_memory(&mut j, &v.memory);
        j.key("atom_count");
        j.num(v.atom_count);
        j.key("halted");
        j.bool(v.halted);
        j.close('}');
        j.0
    }

    /// The terms `view()` prints (each process's variables and queued messages), printed the way Elixir prints
    /// them (`view::preview_in`), as JSON `[{pid, vars: [...], mailbox: [...]}]` in the order of `view()`.
    pub fn elixir_terms(&self) -> String {
        let vm = self.history.vm();
        let mut j = Json::default();
        j.open('[');
        for p in vm.processes() {
            let areas = vm.areas_of(p);
            j.open('{');
            j.key("pid");
            j.num(p.pid.0.into());
            j.key("vars");
            j.open('[');
            for (_, t) in p.vars() {
                j.str(&view::preview_in(
                    vm,
                    &areas,
                    t,
                    PREVIEW_CHARS,
                    Lang::Elixir,
                ));
            }
            j.close(']');
            j.key("mailbox");
            j.open('[');
            for m in &p.mailbox {
                j.str(&view::preview_in(
                    vm,
                    &areas,
                    m.term,
                    PREVIEW_CHARS,
                    Lang::Elixir,
                ));
            }
            j.close(']');
            j.close('}');
        }
        j.close(']');
        j.0
    }

    /// Cell kinds of process `pid`'s young block (heap, free gap, stack), one byte per word; with `old`, of its old
    /// heap block (empty without an old heap). One binding for both blocks: each binding costs the module its glue.
    ///
    /// # Errors
    /// If there is no process `pid` at the current step.
    pub fn cells(&self, pid: u32, old: bool) -> Result<Vec<u8>, JsError> {
        let c = self.cells_of(pid)?;
        Ok(if old { c.old } else { c.young })
    }

    /// `erlang:memory/0` at every step, for the memory chart: five numbers per step, in bytes, in the order of
    /// [`MEMORY_SERIES`] (`processes`, `binary`, `ets`, `atom`, `total`), step 0 first. Taken while the run was
    /// recorded (`advance`), so it costs a copy, not a replay; the copy is made straight into a new JS array (a
    /// `Vec` returned would be cloned inside wasm memory first: 40 MB more for good at a million steps).
    pub fn memory_series(&self) -> web_sys::js_sys::Float64Array {
        web_sys::js_sys::Float64Array::from(&self.series[..])
    }

    /// The names of the numbers per step of `memory_series`, in order, as a JSON array of strings (JSON text like
    /// the other bindings: an array of strings returned would bring its own glue, 1 KB of the module).
    pub fn memory_series_names() -> String {
        let mut j = Json::default();
        j.open('[');
        for name in MEMORY_SERIES {
            j.str(name);
        }
        j.close(']');
        j.0
    }

    /// Where each word of process `pid`'s young block (with `old`, its old heap block: only a major collection
    /// moves, copies or frees, its words) would go in a `kind` (`"minor"` or `"major"`) collection run on the
    /// current step's state, one byte per word: 0 not heap data, 1 copied, 2 promoted, 3 freed
    /// (`view::gc_fates`). The page asks it of the step before a GC to draw the GC's sub-steps.
    ///
    /// # Errors
    /// If there is no process `pid` at the current step.
    pub fn gc_fates(&self, pid: u32, kind: &str, old: bool) -> Result<Vec<u8>, JsError> {
        let f = self.fates(pid, kind)?;
        Ok(if old { f.old } else { f.young })
    }

    /// The steps (ascending) with at least one event of kind `kind` (an event's `kind` in `view()`, such as
    /// `GcFinished`), for the timeline's jumps and marks. Reads the history's event cache; no replay.
    pub fn steps_with(&self, kind: &str) -> Vec<u32> {
        (1..=self.history.len())
            .filter(|&step| {
                self.history
                    .events_at(step)
                    .iter()
                    .any(|e| event_kind(e).0 == kind)
            })
            .map(|step| step as u32)
            .collect()
    }

    /// The events of step `step`, read from the history's event cache without moving to it, three numbers each:
    /// 1 for a minor `GcFinished`, 2 for a major one, 0 for any other event, then the processes it concerns as in
    /// `view()` (`u32::MAX` for none). Lets the page read what a step will show one step before it, while the
    /// machine is still there, instead of seeking back for the "before GC" picture.
    pub fn step_events(&self, step: usize) -> Vec<u32> {
        let mut out = Vec::new();
        for e in self.history.events_at(step) {
            let (_, pids) = event_kind(e);
            out.push(match *e {
                Event::GcFinished {
                    kind: GcKind::Major,
                    ..
                } => 2,
                Event::GcFinished { .. } => 1,
                _ => 0,
            });
            let [a, b] = pids.map(|p| p.map_or(u32::MAX, |p| p.0));
            out.extend([a, if b == a { u32::MAX } else { b }]);
        }
        out
    }

    /// The question to ask before revealing step `step`, as JSON `{question, choices, answer, explanation}`,
    /// or `undefined` when the step has none.
    pub fn predict(&self, step: usize) -> Option<String> {
        self.predict_at(step).map(|p| {
            let mut j = Json::default();
            p.write(&mut j);
            j.0
        })
    }
}

#[wasm_bindgen]
impl Simulator {
    /// Evaluates `src` (`lang` is `"erlang"` or `"elixir"`) standalone and lays out its value for the term
    /// inspector, as JSON: `{ok: {...}}`, or `{error: {line, col, message}}` for input that does not parse or
    /// evaluate. The evaluator bounds its own work, so every input returns.
    pub fn inspect(src: &str, lang: &str) -> String {
        init_panic_hook();
        let lang = if lang == "elixir" {
            Lang::Elixir
        } else {
            Lang::Erlang
        };
        let mut j = Json::default();
        j.open('{');
        match expr::inspect(src, lang, MAX_INSPECT_OBJECTS) {
            Ok(i) => {
                j.key("ok");
                write_inspection(&mut j, i);
            }
            Err(e) => {
                j.key("error");
                j.open('{');
                j.key("line");
                j.num(e.span().line.into());
                j.key("col");
                j.num(e.span().col.into());
                j.key("message");
                j.str(&e.message(src));
                j.close('}');
            }
        }
        j.close('}');
        j.0
    }
}

/// The steps `open` reads: every step of most scenarios (so their errors come from `open`), and of a long one a
/// few milliseconds' worth, the rest read by `advance` as it runs them.
const OPEN_STEPS: usize = 4096;

/// A scenario text's error as the page shows it: `line:col: message`.
fn located(e: ParseError) -> JsError {
    JsError::new(&format!("{}:{}: {}", e.span.line, e.span.col, e.kind))
}

/// The `erlang:memory/0` categories `memory_series` returns per step, in order.
const MEMORY_SERIES: [&str; 5] = ["processes", "binary", "ets", "atom", "total"];

/// How long a printed term may get, as in `View::of`.
const PREVIEW_CHARS: usize = 60;

/// The most objects the inspector lays out; the sizes still count them all.
const MAX_INSPECT_OBJECTS: usize = 200;

/// The text a span of `src` covers (one line).
fn span_text(src: &str, span: scenario::Span) -> String {
    let line = src
        .lines()
        .nth(span.line.saturating_sub(1) as usize)
        .unwrap_or("");
    line.chars()
        .skip(span.col.saturating_sub(1) as usize)
        .take(span.len.max(1) as usize)
        .collect()
}

/// A predict question, as the scenario states it.
struct PredictMirror<'a> {
    p: &'a scenario::Predict,
}

impl PredictMirror<'_> {
    fn write(&self, j: &mut Json) {
        j.open('{');
        j.key("question");
        j.str(&self.p.question);
        j.key("choices");
        j.open('[');
        for c in &self.p.choices {
            j.str(c);
        }
        j.close(']');
        j.key("answer");
        j.num(self.p.answer as u64);
        j.key("explanation");
        j.str(&self.p.explanation);
        j.close('}');
    }
}

impl Simulator {
    fn predict_at(&self, step: usize) -> Option<PredictMirror<'_>> {
        let s = self.scenario().steps.get(step.checked_sub(1)?)?;
        s.predict().map(|p| PredictMirror { p })
    }

    fn fates(&self, pid: u32, kind: &str) -> Result<view::Cells, JsError> {
        let vm = self.history.vm();
        let p = vm
            .process(Pid(pid))
            .ok_or_else(|| JsError::new(&format!("no process with pid {pid}")))?;
        let kind = if kind == "major" {
            GcKind::Major
        } else {
            GcKind::Minor
        };
        Ok(view::gc_fates(vm, p, kind))
    }

    fn cells_of(&self, pid: u32) -> Result<view::Cells, JsError> {
        let vm = self.history.vm();
        let p = vm
            .process(Pid(pid))
            .ok_or_else(|| JsError::new(&format!("no process with pid {pid}")))?;
        Ok(view::cells(vm, p))
    }
}

/// A JSON text being written. Keys and values go in document order; commas are placed automatically.
#[derive(Default)]
struct Json(String);

impl Json {
    /// A comma, unless this is the first member or element, or a value right after its key.
    fn sep(&mut self) {
        if !matches!(self.0.as_bytes().last(), None | Some(b'{' | b'[' | b':')) {
            self.0.push(',');
        }
    }
    fn open(&mut self, bracket: char) {
        self.sep();
        self.0.push(bracket);
    }
    fn close(&mut self, bracket: char) {
        self.0.push(bracket);
    }
    fn key(&mut self, key: &str) {
        self.str(key);
        self.0.push(':');
    }
    fn raw(&mut self, text: &str) {
        self.sep();
        self.0.push_str(text);
    }
    fn bool(&mut self, v: bool) {
        self.raw(if v { "true" } else { "false" });
    }
    /// An integer. Every count the model shows stays below 2^53, so JS reads it exactly.
    fn num(&mut self, mut v: u64) {
        self.sep();
        // Digits are written from the end of the buffer and copied in one piece.
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        for &d in &digits[at..] {
            self.0.push(char::from(d));
        }
    }
    fn str(&mut self, v: &str) {
        self.sep();
        self.0.push('"');
        // Runs of bytes that need no escape are copied whole: pushing character by character made writing the view
        // of a thousand processes the largest part of a step.
        let mut from = 0;
        for (i, b) in v.bytes().enumerate() {
            if b >= 0x20 && b != b'"' && b != b'\\' {
                continue;
            }
            self.0.push_str(&v[from..i]);
            from = i + 1;
            match b {
                b'"' => self.0.push_str("\\\""),
                b'\\' => self.0.push_str("\\\\"),
                b'\n' => self.0.push_str("\\n"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.0.push_str("\\u00");
                    self.0.push(char::from(HEX[usize::from(b >> 4)]));
                    self.0.push(char::from(HEX[usize::from(b & 15)]));
                }
            }
        }
        self.0.push_str(&v[from..]);
        self.0.push('"');
    }
}

/// Every cell kind with its display name, in code order.
const CELL_KINDS: [(CellKind, &str); 13] = [
    (CellKind::Free, "free"),
    (CellKind::Cons, "cons"),
    (CellKind::Tuple, "tuple"),
    (CellKind::HeapBinary, "heap binary"),
    (CellKind::ProcBin, "ProcBin"),
    (CellKind::SubBinary, "sub-binary"),
    (CellKind::Number, "number"),
    (CellKind::Fun, "fun"),
    (CellKind::Map, "map"),
    (CellKind::Other, "other"),
    (CellKind::StackVar, "stack slot"),
    (CellKind::StackFrame, "return address"),
    (CellKind::StackDead, "dead slot"),
];

fn write_memory(j: &mut Json, m: &view::MemoryView) {
    j.open('{');
    for (key, v) in [
        ("processes", m.processes),
        ("processes_used", m.processes_used),
        ("binary", m.binary),
        ("ets", m.ets),
        ("atom", m.atom),
        ("total", m.total),
    ] {
        j.key(key);
        j.num(v);
    }
    j.close('}');
}

fn write_inspection(j: &mut Json, i: expr::Inspection) {
    j.open('{');
    for (key, v) in [
        ("size", i.sizes.size),
        ("flat_size", i.sizes.flat_size),
        ("heap_words", i.sizes.heap_words),
        ("copy_words", i.copy_words),
    ] {
        j.key(key);
        j.num(v);
    }
    j.key("kind");
    j.str(i.kind);
    j.key("preview");
    j.str(&i.preview);
    j.key("root");
    write_word(j, &i.root);
    j.key("objects");
    j.open('[');
    for (idx, (o, words)) in i.objects.iter().zip(&i.words).enumerate() {
        j.open('{');
        j.key("kind");
        j.str(cell_kind_name(o.kind));
        j.key("refs");
        j.num(o.refs.into());
        j.key("literal");
        j.bool(o.literal);
        if let Some((_, bytes)) = i.off_heap.iter().find(|(k, _)| *k == idx) {
            j.key("off_heap_bytes");
            j.num(*bytes);
        }
        j.key("words");
        j.open('[');
        for w in words {
            write_word(j, w);
        }
        j.close(']');
        j.close('}');
    }
    j.close(']');
    j.key("truncated");
    j.bool(i.truncated);
    j.close('}');
}

fn cell_kind_name(kind: CellKind) -> &'static str {
    CELL_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("other", |(_, name)| name)
}

/// One word of the inspector: `role` is `header`, `pointer`, `immediate` or `data`.
fn write_word(j: &mut Json, w: &view::WordView) {
    j.open('{');
    j.key("role");
    j.str(match w.role {
        view::WordRole::Header => "header",
        view::WordRole::Pointer => "pointer",
        view::WordRole::Immediate => "immediate",
        view::WordRole::Data => "data",
    });
    if let Some(t) = w.target {
        j.key("target");
        j.num(t as u64);
    }
    j.key("text");
    j.str(&w.text);
    j.close('}');
}

/// The variant name of an event and the processes it concerns, in field order.
/// The match is exhaustive, so an event the core adds fails to compile here until it is named.
fn event_kind(e: &Event) -> (&'static str, [Option<Pid>; 2]) {
    match *e {
        Event::Spawned { pid, .. } => ("Spawned", [Some(pid), None]),
        Event::Allocated { pid, .. } => ("Allocated", [Some(pid), None]),
        Event::HeapMetStack { pid, .. } => ("HeapMetStack", [Some(pid), None]),
        Event::GcStarted { pid, .. } => ("GcStarted", [Some(pid), None]),
        Event::GcPhaseDone { pid, .. } => ("GcPhaseDone", [Some(pid), None]),
        Event::HeapResized { pid, .. } => ("HeapResized", [Some(pid), None]),
        Event::MaxHeapSizeReached { pid, .. } => ("MaxHeapSizeReached", [Some(pid), None]),
        Event::FragmentAllocated { pid, .. } => ("FragmentAllocated", [Some(pid), None]),
        Event::Hibernated { pid, .. } => ("Hibernated", [Some(pid), None]),
        Event::Woke { pid } => ("Woke", [Some(pid), None]),
        Event::EtsTableCreated { owner, .. } => ("EtsTableCreated", [Some(owner), None]),
        Event::EtsInserted { .. } => ("EtsInserted", [None, None]),
        Event::EtsCopiedOut { pid, .. } => ("EtsCopiedOut", [Some(pid), None]),
        Event::EtsTableDeleted { .. } => ("EtsTableDeleted", [None, None]),
        Event::DetsOpened { .. } => ("DetsOpened", [None, None]),
        Event::DetsWritten { pid, .. } => ("DetsWritten", [Some(pid), None]),
        Event::DetsRead { pid, .. } => ("DetsRead", [Some(pid), None]),
        Event::DetsClosed { .. } => ("DetsClosed", [None, None]),
        Event::BinariesReleased { pid, .. } => ("BinariesReleased", [Some(pid), None]),
        Event::AtomTableFull { pid } => ("AtomTableFull", [Some(pid), None]),
        Event::MinorGcAborted { pid } => ("MinorGcAborted", [Some(pid), None]),
        Event::OldHeapCreated { pid, .. } => ("OldHeapCreated", [Some(pid), None]),
        Event::OldHeapFreed { pid, .. } => ("OldHeapFreed", [Some(pid), None]),
        Event::Promoted { pid, .. } => ("Promoted", [Some(pid), None]),
        Event::GcFinished { pid, .. } => ("GcFinished", [Some(pid), None]),
        Event::BinaryCreated { by, .. } => ("BinaryCreated", [Some(by), None]),
        Event::RefcChanged { by, .. } => ("RefcChanged", [Some(by), None]),
        Event::BinaryFreed { .. } => ("BinaryFreed", [None, None]),
        Event::MessageSent { from, to, .. } => ("MessageSent", [Some(from), Some(to)]),
        Event::MessageReceived { pid } => ("MessageReceived", [Some(pid), None]),
        Event::Exited { pid } => ("Exited", [Some(pid), None]),
        Event::MemoryReclaimed { pid, .. } => ("MemoryReclaimed", [Some(pid), None]),
    }
}

/// `text` with each `<0.N.0>` replaced by the name of process N from `names` (sorted by pid), in one pass: a
/// replace per process made an event line cost a thousand string formats at a thousand processes.
fn named_pids(text: &str, names: &[(u32, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = beamviz::text::find(rest, "<0.") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 3..];
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        let name = tail[..digits]
            .parse::<u32>()
            .ok()
            .filter(|_| digits > 0 && tail[digits..].starts_with(".0>"))
            .and_then(|pid| names.binary_search_by_key(&pid, |n| n.0).ok())
            .map(|i| names[i].1);
        match name {
            Some(name) => {
                out.push_str(name);
                rest = &tail[digits + 3..];
            }
            None => {
                out.push_str("<0.");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One event: its variant name, the processes it concerns, its log line (with `<0.N.0>` replaced by the
/// process's name from `names`), and the numbers a drawing uses.
fn write_event(j: &mut Json, e: &Event, names: &[(u32, &str)]) {
    let (kind, pids) = event_kind(e);
    j.open('{');
    j.key("kind");
    j.str(kind);
    j.key("pids");
    j.open('[');
    let mut seen = None;
    for pid in pids.into_iter().flatten() {
        if seen != Some(pid) {
            j.num(pid.0.into());
        }
        seen = Some(pid);
    }
    j.close(']');
    j.key("text");
    j.str(&named_pids(&e.to_string(), names));
    // The numbers a drawing needs, named as the core names them.
    let nums = |j: &mut Json, fields: &[(&str, u64)]| {
        for &(key, v) in fields {
            j.key(key);
            j.num(v);
        }
    };
    match *e {
        Event::HeapMetStack { need, free, .. } => nums(j, &[("need", need), ("free", free)]),
        Event::Promoted { words, .. }
        | Event::OldHeapCreated { words, .. }
        | Event::OldHeapFreed { words, .. }
        | Event::Allocated { words, .. }
        | Event::MessageSent { words, .. }
        | Event::MemoryReclaimed { words, .. } => nums(j, &[("words", words)]),
        Event::GcPhaseDone { phase, words, .. } => {
            j.key("phase");
            j.str(&phase.to_string());
            nums(j, &[("words", words)]);
        }
        Event::HeapResized { from, to, .. } => nums(j, &[("from", from), ("to", to)]),
        Event::GcFinished {
            kind,
            heap_before,
            heap_after,
            old_before,
            old_after,
            live,
            promoted,
            reclaimed,
            ..
        } => {
            j.key("gc");
            j.str(match kind {
                GcKind::Minor => "minor",
                GcKind::Major => "major",
            });
            nums(
                j,
                &[
                    ("heap_before", heap_before),
                    ("heap_after", heap_after),
                    ("old_before", old_before),
                    ("old_after", old_after),
                    ("live", live),
                    ("promoted", promoted),
                    ("reclaimed", reclaimed),
                ],
            );
        }
        _ => {}
    }
    j.close('}');
}

/// The numbers of a process in the view, by key, in the order `view_some` lists them in `fields`.
fn process_numbers(p: &view::ProcessView) -> [(&'static str, u64); 20] {
    [
        ("pid", p.pid.into()),
        ("alive", p.alive.into()),
        (
            "stage_index",
            Stage::ALL
                .iter()
                .position(|&s| s == p.stage)
                .unwrap_or_default() as u64,
        ),
        ("heap_size", p.heap_size),
        ("heap_used", p.heap_used),
        ("stack_size", p.stack_size),
        ("high_water", p.high_water),
        ("old_heap_size", p.old_heap_size),
        ("old_heap_used", p.old_heap_used),
        ("mbuf_size", p.mbuf_size),
        ("bin_vheap_size", p.bin_vheap_size),
        ("total_heap_size", p.total_heap_size),
        ("memory", p.memory),
        ("message_queue_len", p.message_queue_len),
        ("minor_gcs", p.minor_gcs.into()),
        ("minor_gcs_total", p.minor_gcs_total),
        ("major_gcs_total", p.major_gcs_total),
        ("fullsweep_after", p.fullsweep_after.into()),
        ("min_heap_size", p.min_heap_size),
        ("hibernated", p.hibernated.into()),
    ]
}

/// The lists of a process in the view (its heap fragments, variables, queued messages and binaries held).
fn write_process_lists(j: &mut Json, p: &view::ProcessView) {
    j.key("fragments");
    j.open('[');
    for &f in &p.fragments {
        j.num(f);
    }
    j.close(']');
    j.key("vars");
    j.open('[');
    for v in &p.vars {
        j.open('{');
        j.key("name");
        j.str(&v.name);
        j.key("size");
        j.num(v.size);
        j.key("flat_size");
        j.num(v.flat_size);
        j.key("preview");
        j.str(&v.preview);
        j.close('}');
    }
    j.close(']');
    j.key("mailbox");
    j.open('[');
    for m in &p.mailbox {
        j.str(m);
    }
    j.close(']');
    j.key("binaries");
    j.open('[');
    for &b in &p.binaries {
        j.num(b.into());
    }
    j.close(']');
}

/// The processes of a view, one object each (`view()`).
fn write_processes(j: &mut Json, processes: &[view::ProcessView]) {
    j.key("processes");
    j.open('[');
    for p in processes {
        j.open('{');
        j.key("name");
        j.str(&p.name);
        j.key("stage");
        j.str(&p.stage.to_string());
        for (key, v) in process_numbers(p) {
            j.key(key);
            if key == "alive" || key == "hibernated" {
                j.bool(v == 1);
            } else {
                j.num(v);
            }
        }
        write_process_lists(j, p);
        j.close('}');
    }
    j.close(']');
}

/// The processes of a view in columns (`view_some`): `fields` names the numbers each process has in `numbers`
/// (booleans as 0 or 1), `names` their names, and `lists` the lists of only the processes that have any, with
/// their pid. With a thousand processes, an object per process with its keys was 440 KB of JSON to write, decode and
/// parse at every step; `sim.js` builds the same objects from these.
fn write_process_columns(j: &mut Json, processes: &[view::ProcessView]) {
    j.key("fields");
    j.open('[');
    if let Some(p) = processes.first() {
        for (key, _) in process_numbers(p) {
            j.str(key);
        }
    }
    j.close(']');
    j.key("numbers");
    j.open('[');
    for p in processes {
        for (_, v) in process_numbers(p) {
            j.num(v);
        }
    }
    j.close(']');
    j.key("names");
    j.open('[');
    for p in processes {
        j.str(&p.name);
    }
    j.close(']');
    j.key("lists");
    j.open('[');
    for p in processes {
        if p.fragments.is_empty()
            && p.vars.is_empty()
            && p.mailbox.is_empty()
            && p.binaries.is_empty()
        {
            continue;
        }
        j.open('{');
        j.key("pid");
        j.num(p.pid.into());
        write_process_lists(j, p);
        j.close('}');
    }
    j.close(']');
}
