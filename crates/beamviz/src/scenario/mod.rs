//! Scenarios: a titled list of steps, each an op with the statement a learner would write and narration.
//!
//! Scenarios are written in `.scn` files (the format is specified in `docs/scenarios.md`):
//! a title, a description, actor declarations, and steps in which an actor runs one Elixir (or Erlang) statement,
//! with narration, `expect` checkpoints and `predict` questions attached.
//! [`parse`] turns a file into a [`Scenario`]; [`check`] runs it and evaluates its checkpoints. [`Reader`] reads a file
//! a slice of steps at a time (the page runs a long scenario as it reads it), with the steps and errors of [`parse`].
//! The built-in scenarios are the files of `www/scenarios/`, embedded at compile time, so the page, the CLI and
//! the golden tests read the same text.
//!
//! Model: a statement maps to one [`Op`]; only the statements the VM models are accepted, others are a located
//! "not modelled yet" error. Expressions (`x = EXPR`, bare `EXPR`) are parsed by [`crate::expr`] and evaluated when
//! the scenario runs ([`Op::Eval`]).

mod expect;
pub mod export;
mod expr_stmt;
mod lex;
mod parse;
mod statement;

pub use expect::{
    check, evaluate, locate_failure, Check, Cmp, Expect, ExpectFailure, Field, Subject,
};
pub use parse::{parse, parse_bytes, parse_bytes_with, parse_with, Reader};

use crate::op::Op;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

/// One step: what runs, and what to say about it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Step {
    /// The op.
    pub op: Op,
    /// The statement as a learner would write it (Elixir syntax, or Erlang for an Erlang file).
    pub code: String,
    /// Where the statement is in the file.
    pub span: Span,
    /// For an expression step, where the expression starts in the file (to locate its run-time errors).
    pub expr_at: Option<Span>,
    /// Narration, checkpoints and question, boxed: few steps have any, and a scenario may have a million steps
    /// (48 bytes each inline).
    notes: Option<alloc::boxed::Box<Notes>>,
}

/// What is said about a step: see [`Step::narration`], [`Step::expects`], [`Step::predict`].
#[derive(Clone, PartialEq, Eq, Debug, Default)]
struct Notes {
    narration: String,
    expects: Vec<Expect>,
    predict: Option<Predict>,
}

impl Step {
    /// A step with nothing said about it yet.
    pub(crate) fn new(op: Op, code: String, span: Span) -> Step {
        Step {
            op,
            code,
            span,
            expr_at: None,
            notes: None,
        }
    }

    /// The narration: plain text with `code spans` and *emphasis* (empty when there is none).
    pub fn narration(&self) -> &str {
        self.notes.as_ref().map_or("", |n| &n.narration)
    }

    /// Checkpoints evaluated after this step.
    pub fn expects(&self) -> &[Expect] {
        self.notes.as_ref().map_or(&[], |n| &n.expects)
    }

    /// A question shown before this step is revealed.
    pub fn predict(&self) -> Option<&Predict> {
        self.notes.as_ref().and_then(|n| n.predict.as_ref())
    }

    fn notes(&mut self) -> &mut Notes {
        self.notes.get_or_insert_with(Default::default)
    }

    /// Appends a line of narration (a space between lines).
    pub(crate) fn narrate(&mut self, line: &str) {
        let narration = &mut self.notes().narration;
        if !narration.is_empty() {
            narration.push(' ');
        }
        narration.push_str(line);
    }

    /// Adds a checkpoint.
    pub(crate) fn add_expect(&mut self, e: Expect) {
        self.notes().expects.push(e);
    }

    /// Sets the question asked before it.
    pub(crate) fn set_predict(&mut self, p: Predict) {
        self.notes().predict = Some(p);
    }
}

/// A multiple-choice question asked before a step runs, with the explanation shown after.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Predict {
    /// Where the `predict` line is.
    pub span: Span,
    /// The question.
    pub question: String,
    /// The choices, in file order.
    pub choices: Vec<String>,
    /// The index of the right choice.
    pub answer: usize,
    /// Why it is right, shown after the step.
    pub explanation: String,
}

/// The statement syntax of a scenario file.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Syntax {
    /// Elixir (the default).
    #[default]
    Elixir,
    /// Erlang (`syntax erlang`).
    Erlang,
}

/// A scenario.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Scenario {
    /// Short id, as used in URLs and `scenario="…"` attributes (the file name without `.scn`).
    pub id: String,
    /// Title.
    pub title: String,
    /// What it shows, shown at step 0.
    pub description: String,
    /// The statement syntax.
    pub syntax: Syntax,
    /// The steps.
    pub steps: Vec<Step>,
    /// The emulator it runs on (the `vm` line, then a run's overrides).
    pub vm: VmSettings,
}

impl Scenario {
    /// The ops of all steps.
    pub fn ops(&self) -> Vec<Op> {
        self.steps.iter().map(|s| s.op.clone()).collect()
    }

    /// A run of the steps on the scenario's emulator.
    pub fn history(&self) -> crate::History {
        crate::History::from_ops(self.vm.switches, self.steps.iter().map(|s| &s.op))
    }
}

/// The emulator a scenario runs on: its switches and the defaults of actors that do not set an option.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VmSettings {
    /// `+hmqd` and the sharing-preserving build.
    pub switches: crate::vm::Switches,
    /// `erlang:system_flag(fullsweep_after, N)`: for actors that do not set `fullsweep_after`.
    pub fullsweep_after: u32,
    /// `+hms N`: for actors that do not set `min_heap_size`.
    pub min_heap_size: u64,
}

impl Default for VmSettings {
    fn default() -> Self {
        let opts = crate::process::SpawnOpts::default();
        VmSettings {
            switches: crate::vm::Switches::default(),
            fullsweep_after: opts.fullsweep_after,
            min_heap_size: opts.min_heap_size,
        }
    }
}

/// Settings a run forces over the file's `vm` line (the CLI's flags, the page's switches).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VmOverrides {
    /// `+hmqd`.
    pub message_queue_data: Option<crate::process::MessageQueueData>,
    /// The sharing-preserving build.
    pub sharing_preserving: Option<bool>,
    /// The default `fullsweep_after`.
    pub fullsweep_after: Option<u32>,
    /// The default `min_heap_size`.
    pub min_heap_size: Option<u64>,
}

impl VmOverrides {
    /// Reads `SETTING:VALUE[,SETTING:VALUE]*` (the command line's `--vm`), with the `vm` line's settings and values.
    ///
    /// # Errors
    /// The first setting or value it does not know, described.
    pub fn parse(text: &str) -> Result<VmOverrides, alloc::string::String> {
        use alloc::format;
        let mut o = VmOverrides::default();
        for item in text.split(',').filter(|i| !i.trim().is_empty()) {
            let (k, v) = item
                .split_once(':')
                .ok_or_else(|| format!("{item}: expected SETTING:VALUE"))?;
            let (k, v) = (k.trim(), v.trim().trim_start_matches(':'));
            let bad = || format!("{k}: bad value {v}");
            match k {
                "message_queue_data" => {
                    o.message_queue_data = Some(match v {
                        "on_heap" => crate::process::MessageQueueData::OnHeap,
                        "off_heap" => crate::process::MessageQueueData::OffHeap,
                        _ => return Err(bad()),
                    })
                }
                "sharing_preserving" => {
                    o.sharing_preserving = Some(match v {
                        "true" => true,
                        "false" => false,
                        _ => return Err(bad()),
                    })
                }
                "fullsweep_after" => o.fullsweep_after = Some(v.parse().map_err(|_| bad())?),
                "min_heap_size" => {
                    o.min_heap_size = Some(
                        v.parse()
                            .ok()
                            .filter(|n| *n <= crate::vm::MAX_TERM_WORDS)
                            .ok_or_else(bad)?,
                    )
                }
                _ => {
                    return Err(format!(
                        "{k}: not a vm setting (message_queue_data, sharing_preserving, fullsweep_after, min_heap_size)"
                    ))
                }
            }
        }
        Ok(o)
    }

    /// `settings` with these overrides applied.
    pub fn apply(&self, mut settings: VmSettings) -> VmSettings {
        if let Some(m) = self.message_queue_data {
            settings.switches.message_queue_data = m;
        }
        if let Some(s) = self.sharing_preserving {
            settings.switches.sharing_preserving = s;
        }
        if let Some(f) = self.fullsweep_after {
            settings.fullsweep_after = f;
        }
        if let Some(m) = self.min_heap_size {
            settings.min_heap_size = m;
        }
        settings
    }
}

/// A place in a scenario file: 1-based line and column (in characters), and a length of at least 1.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Span {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1, in characters.
    pub col: u32,
    /// Length in characters (at least 1).
    pub len: u32,
}

/// A scenario file that cannot be read, with where.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ParseError {
    /// What is wrong.
    pub kind: ErrorKind,
    /// Where.
    pub span: Span,
}

/// What is wrong with a scenario file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ErrorKind {
    /// The file exceeds [`MAX_FILE_BYTES`].
    FileTooLarge,
    /// The file is not UTF-8 text.
    NotUtf8,
    /// The first line is not a `# Title`.
    MissingTitle,
    /// The file has no steps.
    NoSteps,
    /// An indented line with no step, actor or predict above it.
    UnexpectedIndent,
    /// `syntax` after the first step, or with an unknown value.
    BadSyntaxLine,
    /// A `vm` line after the first step, or with an unknown setting.
    BadVmLine,
    /// An actor name is not a valid name in this syntax.
    BadActorName,
    /// An actor is declared twice.
    DuplicateActor,
    /// No actor has that name.
    UnknownActor,
    /// An unknown spawn option.
    UnknownOption,
    /// A spawn option's value is out of range or of the wrong kind.
    BadOptionValue,
    /// A character that cannot start a token.
    InvalidCharacter,
    /// A string or quoted atom without its closing quote.
    UnterminatedString,
    /// A token that does not fit here.
    UnexpectedToken,
    /// The statement ends too early.
    UnexpectedEnd,
    /// Something follows a complete statement.
    TrailingInput,
    /// A variable name was expected here.
    ExpectedVariable,
    /// An integer was expected here.
    ExpectedInteger,
    /// An integer outside the 64-bit range.
    IntegerOutOfRange,
    /// A loop over an empty range.
    EmptyRange,
    /// Terms or loops nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More than [`MAX_STEPS`] steps after loop expansion.
    TooManySteps,
    /// A term larger than the model's limit of 16,777,216 words.
    TermTooLarge,
    /// The scenario allocates or copies more than [`MAX_TOTAL_WORDS`] words in all.
    TooMuchWork,
    /// A variable that is not bound in that process at this point.
    UnboundVariable,
    /// A statement that needs a process to run it: write `a: …`.
    NeedsActor,
    /// A statement the model does not cover yet.
    NotModelled(Feature),
    /// The pattern of `receive` must bind the variable its body returns.
    BadReceive,
    /// `exit(pid, :normal)`, which a process that does not trap exits ignores.
    ExitNormal,
    /// `expect` names an unknown field.
    UnknownField,
    /// `expect` needs a comparison operator.
    ExpectedComparison,
    /// `expect` before the first step.
    ExpectWithoutStep,
    /// `predict` with no step after it.
    PredictWithoutStep,
    /// `predict` needs at least two choices, `[ ]` or `[x]`.
    PredictNeedsChoices,
    /// `predict` needs exactly one `[x]` choice.
    PredictNeedsOneAnswer,
    /// `predict` needs a `because` explanation.
    PredictNeedsExplanation,
    /// Narration with an unclosed `` ` `` code span.
    UnclosedCodeSpan,
}

/// A language feature the model does not cover yet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Feature {
    /// `proc_lib:hibernate` (use `:erlang.hibernate`).
    Hibernate,
    /// ETS calls other than `new`, `insert`, `lookup` and `delete`, or a table that is not named by an atom.
    Ets,
    /// DETS calls other than `open_file` and `close` at the top level and `insert`, `lookup`, `delete` by an actor,
    /// or a table type other than `set`.
    Dets,
    /// `spawn` as a statement (declare an `actor` instead).
    Spawn,
    /// Sending an expression rather than a variable.
    SendExpression,
    /// Expression syntax the evaluator does not cover.
    Syntax,
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Feature::Hibernate => "hibernation by proc_lib (use `:erlang.hibernate`)",
            Feature::Ets => "this ETS call or option (new, insert, lookup, delete on a named table; see docs/scenarios.md)",
            Feature::Dets => "this DETS call or option (open_file with type set and close at the top level; insert, lookup, delete by an actor; see docs/scenarios.md)",
            Feature::Spawn => "spawn as a statement (declare an `actor` instead)",
            Feature::SendExpression => "sending an expression (bind it to a variable first)",
            Feature::Syntax => "this syntax",
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::FileTooLarge => write!(f, "file too large (the limit is {MAX_FILE_BYTES} bytes)"),
            ErrorKind::NotUtf8 => f.write_str("not UTF-8 text"),
            ErrorKind::MissingTitle => f.write_str("a scenario starts with a `# Title` line"),
            ErrorKind::NoSteps => f.write_str("no steps: declare an `actor` and give it statements"),
            ErrorKind::UnexpectedIndent => {
                f.write_str("indented line with no step above it (narration follows a step)")
            }
            ErrorKind::BadSyntaxLine => {
                f.write_str("`syntax elixir` or `syntax erlang`, before the first actor")
            }
            ErrorKind::BadVmLine => f.write_str(
                "`vm` settings go before the first actor: message_queue_data, sharing_preserving, fullsweep_after, min_heap_size",
            ),
            ErrorKind::BadActorName => f.write_str(
                "bad actor name (Elixir: a lowercase name like `a`; Erlang: a variable like `A`)",
            ),
            ErrorKind::DuplicateActor => f.write_str("this actor is already declared"),
            ErrorKind::UnknownActor => f.write_str("unknown actor (declare it with `actor NAME`)"),
            ErrorKind::UnknownOption => f.write_str(
                "unknown spawn option (min_heap_size, fullsweep_after, max_heap_size, message_queue_data)",
            ),
            ErrorKind::BadOptionValue => f.write_str("bad option value"),
            ErrorKind::InvalidCharacter => f.write_str("invalid character"),
            ErrorKind::UnterminatedString => f.write_str("unterminated string or quoted atom"),
            ErrorKind::UnexpectedToken => f.write_str("unexpected token"),
            ErrorKind::UnexpectedEnd => f.write_str("unexpected end of statement"),
            ErrorKind::TrailingInput => f.write_str("unexpected input after the statement"),
            ErrorKind::ExpectedVariable => f.write_str("expected a variable name"),
            ErrorKind::ExpectedInteger => f.write_str("expected an integer"),
            ErrorKind::IntegerOutOfRange => f.write_str("integer out of range"),
            ErrorKind::EmptyRange => f.write_str("the range is empty: the loop would run no steps"),
            ErrorKind::TooDeep => write!(f, "nested too deeply (the limit is {MAX_DEPTH})"),
            ErrorKind::TooManySteps => write!(f, "too many steps (the limit is {MAX_STEPS})"),
            ErrorKind::TermTooLarge => {
                f.write_str("term too large (the model's limit is 16,777,216 words)")
            }
            ErrorKind::TooMuchWork => write!(
                f,
                "the scenario allocates or copies too much (the limit is {MAX_TOTAL_WORDS} words in all)"
            ),
            ErrorKind::UnboundVariable => f.write_str("unbound variable"),
            ErrorKind::NeedsActor => f.write_str("which process runs this? write `a: statement`"),
            ErrorKind::NotModelled(feature) => write!(f, "not modelled yet: {feature}"),
            ErrorKind::BadReceive => f.write_str(
                "write `x = receive do m -> m end`: the pattern is a variable and the body returns it",
            ),
            ErrorKind::ExitNormal => f.write_str(
                "a process that does not trap exits ignores the reason `normal` from another process; use `:kill`",
            ),
            ErrorKind::UnknownField => f.write_str("unknown field"),
            ErrorKind::ExpectedComparison => f.write_str("expected ==, !=, <, <=, > or >="),
            ErrorKind::ExpectWithoutStep => f.write_str("`expect` needs a step before it"),
            ErrorKind::PredictWithoutStep => f.write_str("`predict` needs a step after it"),
            ErrorKind::PredictNeedsChoices => {
                f.write_str("`predict` needs at least two choices: `[ ] …` lines")
            }
            ErrorKind::PredictNeedsOneAnswer => {
                f.write_str("`predict` needs exactly one right choice, marked `[x]`")
            }
            ErrorKind::PredictNeedsExplanation => {
                f.write_str("`predict` needs an explanation: a `because …` line")
            }
            ErrorKind::UnclosedCodeSpan => f.write_str("unclosed ` code span in narration"),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.span.line, self.span.col, self.kind)
    }
}

impl core::error::Error for ParseError {}

/// The largest scenario file, in bytes.
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// The most steps a scenario may have after loop expansion: 2^20, so a loop of a million iterations fits with the
/// steps around it. The history keeps each step in a few bytes (`history.rs`).
pub const MAX_STEPS: usize = 1 << 20;
/// The deepest nesting of terms and loops.
pub const MAX_DEPTH: u32 = 64;
/// The most words a scenario may build and copy in all (by a static estimate), so a run stays short.
pub const MAX_TOTAL_WORDS: u64 = 1 << 24;

/// Renders a located message the way compilers do: `file:line:col: message`, the source line, and a caret.
pub fn render_error(file: &str, src: &str, span: Span, message: &dyn fmt::Display) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{file}:{}:{}: {message}", span.line, span.col);
    let Some(text) = src.lines().nth((span.line as usize).saturating_sub(1)) else {
        return out;
    };
    // Long lines are cut so the caret stays on screen.
    let text: String = text.chars().take(200).collect();
    let gutter = alloc::format!("{}", span.line);
    let pad: String = gutter.chars().map(|_| ' ').collect();
    let _ = writeln!(out, "{gutter} | {text}");
    let lead: String = text
        .chars()
        .take((span.col as usize).saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let carets: String = core::iter::repeat_n('^', span.len.clamp(1, 200) as usize).collect();
    let _ = writeln!(out, "{pad} | {lead}{carets}");
    out
}

/// The built-in scenarios: id and source, from `www/scenarios/`.
#[cfg(feature = "builtin-scenarios")]
pub const BUILTIN_SOURCES: &[(&str, &str)] = &[
    (
        "process-lifecycle",
        include_str!("../../../../www/scenarios/process-lifecycle.scn"),
    ),
    (
        "stack-meets-heap",
        include_str!("../../../../www/scenarios/stack-meets-heap.scn"),
    ),
    (
        "generations",
        include_str!("../../../../www/scenarios/generations.scn"),
    ),
    (
        "fullsweep-after",
        include_str!("../../../../www/scenarios/fullsweep-after.scn"),
    ),
    (
        "manual-gc",
        include_str!("../../../../www/scenarios/manual-gc.scn"),
    ),
    (
        "hibernation",
        include_str!("../../../../www/scenarios/hibernation.scn"),
    ),
    (
        "heap-vs-refc-binaries",
        include_str!("../../../../www/scenarios/heap-vs-refc-binaries.scn"),
    ),
    (
        "binary-leak",
        include_str!("../../../../www/scenarios/binary-leak.scn"),
    ),
    (
        "sub-binary-leak",
        include_str!("../../../../www/scenarios/sub-binary-leak.scn"),
    ),
    (
        "copying-a-large-message",
        include_str!("../../../../www/scenarios/copying-a-large-message.scn"),
    ),
    (
        "send-loses-sharing",
        include_str!("../../../../www/scenarios/send-loses-sharing.scn"),
    ),
    (
        "mailbox-bomb",
        include_str!("../../../../www/scenarios/mailbox-bomb.scn"),
    ),
    (
        "off-heap-queue",
        include_str!("../../../../www/scenarios/off-heap-queue.scn"),
    ),
    (
        "data-structure-costs",
        include_str!("../../../../www/scenarios/data-structure-costs.scn"),
    ),
    (
        "body-vs-tail-recursion",
        include_str!("../../../../www/scenarios/body-vs-tail-recursion.scn"),
    ),
    (
        "state-vs-ets",
        include_str!("../../../../www/scenarios/state-vs-ets.scn"),
    ),
    (
        "ets-copies",
        include_str!("../../../../www/scenarios/ets-copies.scn"),
    ),
    (
        "ets-vs-dets",
        include_str!("../../../../www/scenarios/ets-vs-dets.scn"),
    ),
    (
        "atoms-are-forever",
        include_str!("../../../../www/scenarios/atoms-are-forever.scn"),
    ),
    (
        "max-heap-size",
        include_str!("../../../../www/scenarios/max-heap-size.scn"),
    ),
    (
        "memory-over-time",
        include_str!("../../../../www/scenarios/memory-over-time.scn"),
    ),
    (
        "stream-vs-enum",
        include_str!("../../../../www/scenarios/stream-vs-enum.scn"),
    ),
];

/// The ids of the built-in scenarios, in tour order.
pub const BUILTIN: &[&str] = &[
    "process-lifecycle",
    "stack-meets-heap",
    "generations",
    "fullsweep-after",
    "manual-gc",
    "hibernation",
    "heap-vs-refc-binaries",
    "binary-leak",
    "sub-binary-leak",
    "copying-a-large-message",
    "send-loses-sharing",
    "mailbox-bomb",
    "off-heap-queue",
    "data-structure-costs",
    "body-vs-tail-recursion",
    "state-vs-ets",
    "ets-copies",
    "ets-vs-dets",
    "atoms-are-forever",
    "max-heap-size",
    "memory-over-time",
    "stream-vs-enum",
];

/// The titles of the built-in scenarios (their `# Title` lines), in the order of [`BUILTIN`], so a scenario menu
/// needs no scenario text (the browser module embeds none). `tests.rs` checks them against the files.
pub const BUILTIN_TITLES: &[&str] = &[
    "Process lifecycle",
    "The stack meets the heap",
    "Young and old generations",
    "fullsweep_after: when a minor GC is not allowed",
    "Calling the garbage collector yourself",
    "Hibernation shrinks the heap, and the wake-up surprise",
    "Heap binaries and refc binaries: the 64-byte line",
    "A binary outlives its last use",
    "A 100-byte slice keeps a megabyte alive",
    "The cost of copying a large message",
    "A send loses sharing",
    "A mailbox bomb, and backpressure",
    "An off_heap message queue",
    "What an update costs: lists, tuples and maps",
    "Body vs tail recursion: where the stack goes",
    "Large state: in the process, or in ETS",
    "ETS copies terms in and out, and dies with its owner",
    "ETS or DETS: in memory, or on disk",
    "Atoms are never collected",
    "max_heap_size: a process that is killed for growing",
    "erlang:memory() over time",
    "Stream vs eager Enum: peak memory",
];

/// A built-in scenario by id.
///
/// # Panics
/// If a built-in file does not parse: the golden tests check every one.
#[cfg(feature = "builtin-scenarios")]
pub fn builtin(id: &str) -> Option<Scenario> {
    let (id, src) = BUILTIN_SOURCES.iter().find(|(i, _)| *i == id)?;
    Some(parse(id, src).expect("built-in scenarios parse (checked by the golden tests)"))
}
