//! wasm-bindgen bindings for the beamviz model: a translation layer and nothing else.
//!
//! One opaque [`Simulator`] owns a [`History`] and the [`Scenario`] it replays.
//! Each method converts types: structured, small data crosses as one plain object per frame
//! (the mirror structs below, the only serde types in the project), and the per-word cell kinds,
//! which are large and uniform, cross as `Uint8Array`s copied out of wasm memory on every call.
//! There is no GC logic here; if a method needs an `if` about memory semantics, the core is missing a getter.

use beamviz::event::Event;
use beamviz::expr::{self, Lang};
use beamviz::scenario::{self, Scenario};
use beamviz::view::{self, CellKind, View};
use beamviz::{History, Pid, Stage};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Installs the panic hook once, so a model panic shows its message in the console instead of `unreachable`.
fn init_panic_hook() {
    #[cfg(feature = "console_error_panic_hook")]
    console_error_panic_hook::set_once();
}

/// A scenario being stepped through, forwards and backwards.
#[wasm_bindgen]
pub struct Simulator {
    scenario: Scenario,
    history: History,
}

#[wasm_bindgen]
impl Simulator {
    /// Runs the built-in scenario `scenario_id` once, recording every step.
    ///
    /// # Errors
    /// If there is no built-in scenario with that id.
    #[wasm_bindgen(constructor)]
    pub fn new(scenario_id: &str) -> Result<Simulator, JsError> {
        init_panic_hook();
        let scenario = scenario::builtin(scenario_id)
            .ok_or_else(|| JsError::new(&format!("unknown scenario `{scenario_id}`")))?;
        let history = scenario.history();
        Ok(Simulator { scenario, history })
    }

    /// The built-in scenarios, as `[{id, title}]`.
    ///
    /// # Errors
    /// If serialization fails (it does not for these types).
    pub fn scenarios() -> Result<JsValue, JsError> {
        let list: Vec<ScenarioInfo> = scenario::BUILTIN
            .iter()
            .filter_map(|id| scenario::builtin(id))
            .map(|s| ScenarioInfo {
                id: s.id,
                title: s.title,
            })
            .collect();
        to_js(&list)
    }

    /// Names for drawing: lifecycle stages in order, cell kinds by code, and the cell flag bits.
    ///
    /// # Errors
    /// If serialization fails (it does not for these types).
    pub fn legend() -> Result<JsValue, JsError> {
        to_js(&Legend {
            stages: Stage::ALL.iter().map(ToString::to_string).collect(),
            cell_kinds: CELL_KINDS
                .iter()
                .map(|&(kind, name)| CellKindInfo {
                    code: kind as u8,
                    name,
                })
                .collect(),
            cell_header: view::CELL_HEADER,
            cell_garbage: view::CELL_GARBAGE,
        })
    }

    /// The scenario id.
    pub fn id(&self) -> String {
        self.scenario.id.clone()
    }

    /// The scenario title.
    pub fn title(&self) -> String {
        self.scenario.title.clone()
    }

    /// What the scenario shows.
    pub fn description(&self) -> String {
        self.scenario.description.clone()
    }

    /// The number of steps after step 0.
    pub fn len(&self) -> usize {
        self.history.len()
    }

    /// Whether the scenario has no steps.
    pub fn is_empty(&self) -> bool {
        self.history.is_empty()
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
        self.history
            .error()
            .map(|(idx, e)| format!("step {}: {e}", idx + 1))
    }

    /// The machine at the current step, plus that step's events, code and narration.
    ///
    /// # Errors
    /// If serialization fails (it does not for these types).
    pub fn view(&self) -> Result<JsValue, JsError> {
        let step = self.history.step();
        let vm = self.history.vm();
        let v = View::of(vm);
        let names: Vec<(u32, &str)> = v
            .processes
            .iter()
            .map(|p| (p.pid, p.name.as_str()))
            .collect();
        let scenario_step = step.checked_sub(1).and_then(|i| self.scenario.steps.get(i));
        let source = scenario::BUILTIN_SOURCES
            .iter()
            .find(|(id, _)| *id == self.scenario.id)
            .map(|(_, src)| *src);
        let checks = scenario_step.map_or_else(Vec::new, |s| {
            s.expects
                .iter()
                .map(|e| {
                    let got = scenario::evaluate(vm, &v, e);
                    CheckMirror {
                        text: source.map_or_else(
                            || format!("{} {}", e.cmp, e.want),
                            |src| span_text(src, e.span),
                        ),
                        got,
                        want: e.want,
                        ok: got.is_some_and(|g| e.cmp.holds(g, e.want)),
                    }
                })
                .collect()
        });
        let predict = self.predict_at(step);
        to_js(&FrameMirror {
            step,
            len: self.history.len(),
            code: self.code(step),
            narration: self.narration(step),
            checks,
            predict,
            events: self
                .history
                .events_at(step)
                .iter()
                .map(|e| EventMirror::of(e, &names))
                .collect(),
            processes: v.processes.into_iter().map(ProcessMirror::from).collect(),
            binaries: v.binaries.into_iter().map(BinaryMirror::from).collect(),
            memory: MemoryMirror {
                processes: v.memory.processes,
                processes_used: v.memory.processes_used,
                binary: v.memory.binary,
                atom: v.memory.atom,
                total: v.memory.total,
            },
        })
    }

    /// Cell kinds of process `pid`'s young block (heap, free gap, stack), one byte per word.
    ///
    /// # Errors
    /// If there is no process `pid` at the current step.
    pub fn cells_young(&self, pid: u32) -> Result<Vec<u8>, JsError> {
        Ok(self.cells(pid)?.young)
    }

    /// Cell kinds of process `pid`'s old heap block, one byte per word (empty without an old heap).
    ///
    /// # Errors
    /// If there is no process `pid` at the current step.
    pub fn cells_old(&self, pid: u32) -> Result<Vec<u8>, JsError> {
        Ok(self.cells(pid)?.old)
    }

    /// The event log lines of step `step` (none for step 0 or past the end).
    pub fn events(&self, step: usize) -> Vec<String> {
        self.history
            .events_at(step)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The narration of step `step`; step 0 gets the scenario description.
    pub fn narration(&self, step: usize) -> String {
        match step.checked_sub(1) {
            None => self.scenario.description.clone(),
            Some(idx) => self
                .scenario
                .steps
                .get(idx)
                .map_or_else(String::new, |s| s.narration.clone()),
        }
    }

    /// The question to ask before revealing step `step`, as `{question, choices, answer, explanation}`,
    /// or `undefined` when the step has none.
    ///
    /// # Errors
    /// If serialization fails (it does not for these types).
    pub fn predict(&self, step: usize) -> Result<JsValue, JsError> {
        match self.predict_at(step) {
            Some(p) => to_js(&p),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// The code line of step `step` (empty for step 0 or past the end).
    pub fn code(&self, step: usize) -> String {
        step.checked_sub(1)
            .and_then(|idx| self.scenario.steps.get(idx))
            .map_or_else(String::new, |s| s.code.clone())
    }
}

#[wasm_bindgen]
impl Simulator {
    /// Evaluates `src` (`lang` is `"erlang"` or `"elixir"`) standalone and lays out its value for the term
    /// inspector: `{ok: {...}}`, or `{error: {line, col, message}}` for input that does not parse or evaluate.
    /// The evaluator bounds its own work, so every input returns.
    ///
    /// # Errors
    /// If serialization fails (it does not for these types).
    pub fn inspect(src: &str, lang: &str) -> Result<JsValue, JsError> {
        init_panic_hook();
        let lang = if lang == "elixir" {
            Lang::Elixir
        } else {
            Lang::Erlang
        };
        match expr::inspect(src, lang, MAX_INSPECT_OBJECTS) {
            Ok(i) => to_js(&InspectResult {
                ok: Some(InspectionMirror::from(i)),
                error: None,
            }),
            Err(e) => to_js(&InspectResult {
                ok: None,
                error: Some(ExprErrorMirror {
                    line: e.span().line,
                    col: e.span().col,
                    message: e.message(src),
                }),
            }),
        }
    }
}

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

impl Simulator {
    fn predict_at(&self, step: usize) -> Option<PredictMirror> {
        let s = self.scenario.steps.get(step.checked_sub(1)?)?;
        s.predict.as_ref().map(|p| PredictMirror {
            question: p.question.clone(),
            choices: p.choices.clone(),
            answer: p.answer,
            explanation: p.explanation.clone(),
        })
    }

    fn cells(&self, pid: u32) -> Result<view::Cells, JsError> {
        let vm = self.history.vm();
        let p = vm
            .process(Pid(pid))
            .ok_or_else(|| JsError::new(&format!("no process with pid {pid}")))?;
        Ok(view::cells(vm, p))
    }
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    serde_wasm_bindgen::to_value(value).map_err(|e| JsError::new(&e.to_string()))
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

#[derive(Serialize)]
struct ScenarioInfo {
    id: String,
    title: String,
}

#[derive(Serialize)]
struct CellKindInfo {
    code: u8,
    name: &'static str,
}

#[derive(Serialize)]
struct Legend {
    stages: Vec<String>,
    cell_kinds: Vec<CellKindInfo>,
    cell_header: u8,
    cell_garbage: u8,
}

#[derive(Serialize)]
struct InspectResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<InspectionMirror>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ExprErrorMirror>,
}

#[derive(Serialize)]
struct ExprErrorMirror {
    line: u32,
    col: u32,
    message: String,
}

#[derive(Serialize)]
struct InspectionMirror {
    size: u64,
    flat_size: u64,
    heap_words: u64,
    copy_words: u64,
    kind: &'static str,
    preview: String,
    root: WordMirror,
    objects: Vec<ObjectMirror>,
    truncated: bool,
}

impl From<expr::Inspection> for InspectionMirror {
    fn from(i: expr::Inspection) -> InspectionMirror {
        let objects = i
            .objects
            .iter()
            .zip(i.words)
            .enumerate()
            .map(|(idx, (o, words))| ObjectMirror {
                kind: CELL_KINDS
                    .iter()
                    .find(|(k, _)| *k == o.kind)
                    .map_or("other", |(_, name)| name),
                refs: o.refs,
                literal: o.literal,
                off_heap_bytes: i.off_heap.iter().find(|(j, _)| *j == idx).map(|(_, b)| *b),
                words: words.into_iter().map(WordMirror::from).collect(),
            })
            .collect();
        InspectionMirror {
            size: i.sizes.size,
            flat_size: i.sizes.flat_size,
            heap_words: i.sizes.heap_words,
            copy_words: i.copy_words,
            kind: i.kind,
            preview: i.preview,
            root: WordMirror::from(i.root),
            objects,
            truncated: i.truncated,
        }
    }
}

#[derive(Serialize)]
struct ObjectMirror {
    kind: &'static str,
    refs: u32,
    literal: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    off_heap_bytes: Option<u64>,
    words: Vec<WordMirror>,
}

#[derive(Serialize)]
struct WordMirror {
    /// `header`, `pointer`, `immediate` or `data`.
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<usize>,
    text: String,
}

impl From<view::WordView> for WordMirror {
    fn from(w: view::WordView) -> WordMirror {
        WordMirror {
            role: match w.role {
                view::WordRole::Header => "header",
                view::WordRole::Pointer => "pointer",
                view::WordRole::Immediate => "immediate",
                view::WordRole::Data => "data",
            },
            target: w.target,
            text: w.text,
        }
    }
}

#[derive(Serialize)]
struct CheckMirror {
    /// The checkpoint as written (`binary(body).refc == 1`).
    text: String,
    got: Option<u64>,
    want: u64,
    ok: bool,
}

#[derive(Serialize)]
struct PredictMirror {
    question: String,
    choices: Vec<String>,
    answer: usize,
    explanation: String,
}

#[derive(Serialize)]
struct FrameMirror {
    step: usize,
    len: usize,
    code: String,
    narration: String,
    checks: Vec<CheckMirror>,
    #[serde(skip_serializing_if = "Option::is_none")]
    predict: Option<PredictMirror>,
    events: Vec<EventMirror>,
    processes: Vec<ProcessMirror>,
    binaries: Vec<BinaryMirror>,
    memory: MemoryMirror,
}

/// One event: its variant name, the processes it concerns, its log line, and the numbers a drawing uses.
#[derive(Serialize)]
struct EventMirror {
    kind: String,
    pids: Vec<u32>,
    text: String,
    /// `HeapMetStack`: the words the allocation needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    need: Option<u64>,
    /// `HeapMetStack`: the free words there were.
    #[serde(skip_serializing_if = "Option::is_none")]
    free: Option<u64>,
    /// `Promoted`, `OldHeapCreated`, `Allocated`: the words.
    #[serde(skip_serializing_if = "Option::is_none")]
    words: Option<u64>,
    /// `GcFinished`: `minor` or `major`.
    #[serde(skip_serializing_if = "Option::is_none")]
    gc: Option<String>,
}

impl EventMirror {
    /// `names` maps pids to process names, which replace `<0.N.0>` in the log line.
    fn of(e: &Event, names: &[(u32, &str)]) -> EventMirror {
        // The variant name and the pids it mentions come from the derived `Debug` form
        // (`HeapMetStack { pid: Pid(0), need: 100, free: 100 }`), so events the core adds later cross unchanged.
        let debug = format!("{e:?}");
        let kind = debug
            .split([' ', '{', '('])
            .next()
            .unwrap_or_default()
            .to_string();
        let mut pids = Vec::new();
        for rest in debug.split("Pid(").skip(1) {
            let n = rest.split(')').next().and_then(|n| n.parse::<u32>().ok());
            if let Some(n) = n.filter(|n| !pids.contains(n)) {
                pids.push(n);
            }
        }
        let (need, free) = match e {
            Event::HeapMetStack { need, free, .. } => (Some(*need), Some(*free)),
            _ => (None, None),
        };
        let words = match e {
            Event::Promoted { words, .. }
            | Event::OldHeapCreated { words, .. }
            | Event::Allocated { words, .. } => Some(*words),
            _ => None,
        };
        let gc = match e {
            Event::GcFinished { kind, .. } => Some(kind.to_string()),
            _ => None,
        };
        let mut text = e.to_string();
        for &(pid, name) in names {
            text = text.replace(&format!("<0.{pid}.0>"), name);
        }
        EventMirror {
            kind,
            pids,
            text,
            need,
            free,
            words,
            gc,
        }
    }
}

#[derive(Serialize)]
struct ProcessMirror {
    pid: u32,
    name: String,
    alive: bool,
    stage: String,
    stage_index: usize,
    heap_size: u64,
    heap_used: u64,
    stack_size: u64,
    high_water: u64,
    old_heap_size: u64,
    old_heap_used: u64,
    mbuf_size: u64,
    bin_vheap_size: u64,
    total_heap_size: u64,
    memory: u64,
    message_queue_len: u64,
    minor_gcs: u32,
    minor_gcs_total: u64,
    major_gcs_total: u64,
    fullsweep_after: u32,
    vars: Vec<VarMirror>,
    mailbox: Vec<String>,
    binaries: Vec<u32>,
}

impl From<view::ProcessView> for ProcessMirror {
    fn from(p: view::ProcessView) -> ProcessMirror {
        ProcessMirror {
            pid: p.pid,
            stage: p.stage.to_string(),
            stage_index: Stage::ALL
                .iter()
                .position(|&s| s == p.stage)
                .unwrap_or_default(),
            name: p.name,
            alive: p.alive,
            heap_size: p.heap_size,
            heap_used: p.heap_used,
            stack_size: p.stack_size,
            high_water: p.high_water,
            old_heap_size: p.old_heap_size,
            old_heap_used: p.old_heap_used,
            mbuf_size: p.mbuf_size,
            bin_vheap_size: p.bin_vheap_size,
            total_heap_size: p.total_heap_size,
            memory: p.memory,
            message_queue_len: p.message_queue_len,
            minor_gcs: p.minor_gcs,
            minor_gcs_total: p.minor_gcs_total,
            major_gcs_total: p.major_gcs_total,
            fullsweep_after: p.fullsweep_after,
            vars: p
                .vars
                .into_iter()
                .map(|v| VarMirror {
                    name: v.name,
                    size: v.size,
                    flat_size: v.flat_size,
                    preview: v.preview,
                })
                .collect(),
            mailbox: p.mailbox,
            binaries: p.binaries,
        }
    }
}

#[derive(Serialize)]
struct VarMirror {
    name: String,
    size: u64,
    flat_size: u64,
    preview: String,
}

#[derive(Serialize)]
struct BinaryMirror {
    id: u32,
    bytes: u64,
    refc: u32,
    holders: Vec<HolderMirror>,
}

impl From<view::BinaryView> for BinaryMirror {
    fn from(b: view::BinaryView) -> BinaryMirror {
        BinaryMirror {
            id: b.id,
            bytes: b.bytes,
            refc: b.refc,
            holders: b
                .holders
                .into_iter()
                .map(|h| HolderMirror {
                    pid: h.pid,
                    reachable: h.reachable,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct HolderMirror {
    pid: u32,
    reachable: bool,
}

#[derive(Serialize)]
struct MemoryMirror {
    processes: u64,
    processes_used: u64,
    binary: u64,
    atom: u64,
    total: u64,
}
