//! Checkpoints: `expect` lines that assert numbers after a step, and the run that evaluates them.
//!
//! `expect a.heap_size == 233` reads a `process_info`-style number of a process;
//! `expect size(a.msg) == 3` and `expect flat_size(a.msg) == 49` the sizes of a variable's term;
//! `expect binary(a.bin).refc == 2` the reference count (or `.bytes`) of the off-heap binary a variable holds (for a
//! sub-binary, the binary it points into);
//! `expect ets(t).memory == 305` what `ets:info/2` says of a table; `expect memory(binary) == 1000` a category of
//! `erlang:memory/0`; `expect system(atom_count) == 1006` what `erlang:system_info/1` says.

use super::lex::{Cursor, Tok};
use super::statement::Ctx;
use super::{ErrorKind, ParseError, Scenario, Span, Syntax};
use crate::binary::BinId;
use crate::op::Op;
use crate::process::Pid;
use crate::term::{Decoded, HeaderTag};
use crate::view::View;
use crate::vm::{OpError, Vm};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// What a checkpoint reads.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Subject {
    /// A process.
    Process(Pid),
    /// The term bound to a variable of a process.
    Var {
        /// The process.
        pid: Pid,
        /// The variable.
        var: String,
    },
    /// The off-heap binary a variable of a process holds.
    Binary {
        /// The process.
        pid: Pid,
        /// The variable.
        var: String,
    },
    /// The live ETS table of that name.
    Ets(String),
    /// The open DETS table of that name.
    Dets(String),
    /// The whole VM: `erlang:memory/0` and `erlang:system_info/1`.
    System,
}

/// A number a checkpoint reads. Process fields have the names `process_info/2` gives them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Field {
    /// `heap_size`: the young block, stack included.
    HeapSize,
    /// Young heap words in use.
    HeapUsed,
    /// `stack_size`.
    StackSize,
    /// `total_heap_size`.
    TotalHeapSize,
    /// The old heap block size.
    OldHeapSize,
    /// Old heap words in use.
    OldHeapUsed,
    /// Heap fragment words.
    MbufSize,
    /// The high-water mark.
    HighWater,
    /// `minor_gcs` since the last major.
    MinorGcs,
    /// `message_queue_len`.
    MessageQueueLen,
    /// `memory`, bytes.
    Memory,
    /// `bin_vheap_size`.
    BinVheapSize,
    /// `erts_debug:size/1` of a variable's term.
    Size,
    /// `erts_debug:flat_size/1` of a variable's term.
    FlatSize,
    /// A binary's reference count.
    Refc,
    /// A binary's size in bytes.
    Bytes,
    /// `ets:info(T, size)`: the number of objects.
    EtsSize,
    /// `ets:info(T, memory)`, in words.
    EtsMemory,
    /// `erlang:memory(processes)`, bytes.
    MemoryProcesses,
    /// `erlang:memory(processes_used)`, bytes.
    MemoryProcessesUsed,
    /// `erlang:memory(binary)`, bytes.
    MemoryBinary,
    /// `erlang:memory(ets)`, bytes.
    MemoryEts,
    /// `erlang:memory(atom)`, bytes (the atom texts).
    MemoryAtom,
    /// `erlang:memory(total)` over the categories above, bytes.
    MemoryTotal,
    /// `erlang:system_info(atom_count)`, less the atoms the VM booted with: the atoms the scenario added.
    AtomCount,
}

const MEMORY_FIELDS: &[(&str, Field)] = &[
    ("processes", Field::MemoryProcesses),
    ("processes_used", Field::MemoryProcessesUsed),
    ("binary", Field::MemoryBinary),
    ("ets", Field::MemoryEts),
    ("atom", Field::MemoryAtom),
    ("total", Field::MemoryTotal),
];

const PROCESS_FIELDS: &[(&str, Field)] = &[
    ("heap_size", Field::HeapSize),
    ("heap_used", Field::HeapUsed),
    ("stack_size", Field::StackSize),
    ("total_heap_size", Field::TotalHeapSize),
    ("old_heap_size", Field::OldHeapSize),
    ("old_heap_used", Field::OldHeapUsed),
    ("mbuf_size", Field::MbufSize),
    ("high_water", Field::HighWater),
    ("minor_gcs", Field::MinorGcs),
    ("message_queue_len", Field::MessageQueueLen),
    ("memory", Field::Memory),
    ("bin_vheap_size", Field::BinVheapSize),
];

/// A comparison.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cmp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Cmp {
    /// Whether `got CMP want`.
    pub fn holds(self, got: u64, want: u64) -> bool {
        match self {
            Cmp::Eq => got == want,
            Cmp::Ne => got != want,
            Cmp::Lt => got < want,
            Cmp::Le => got <= want,
            Cmp::Gt => got > want,
            Cmp::Ge => got >= want,
        }
    }
}

impl fmt::Display for Cmp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        })
    }
}

/// A checkpoint: `expect SUBJECT.FIELD CMP NUMBER`, evaluated after its step.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Expect {
    /// Where the expression is (after `expect`).
    pub span: Span,
    /// What it reads.
    pub subject: Subject,
    /// Which number.
    pub field: Field,
    /// How it compares.
    pub cmp: Cmp,
    /// With what.
    pub want: u64,
}

/// Reads the rest of an `expect` line. `actor` runs the step before it (for `binary(x)` without a process).
pub(crate) fn parse_expect(
    cur: &mut Cursor<'_>,
    ctx: &Ctx,
    actor: Option<Pid>,
) -> Result<Expect, ParseError> {
    let first = cur.peek().ok_or_else(|| cur.error_end())?;
    let fun = match first.tok {
        Tok::Ident if cur.peek_at(1).is_some_and(|t| t.tok == Tok::Punct("(")) => {
            Some(cur.text(first))
        }
        _ => None,
    };
    let (subject, field) = match fun {
        Some(name @ ("size" | "flat_size" | "binary")) => {
            cur.pos += 2;
            let (pid, var) = qualified_var(cur, ctx, actor)?;
            cur.expect_punct(")")?;
            match name {
                "size" => (Subject::Var { pid, var }, Field::Size),
                "flat_size" => (Subject::Var { pid, var }, Field::FlatSize),
                _ => {
                    cur.expect_punct(".")?;
                    let f = cur.next().ok_or_else(|| cur.error_end())?;
                    let field = match cur.text(f) {
                        "refc" => Field::Refc,
                        "bytes" => Field::Bytes,
                        _ => return Err(cur.error_at(f, ErrorKind::UnknownField)),
                    };
                    (Subject::Binary { pid, var }, field)
                }
            }
        }
        Some(kind @ ("ets" | "dets")) => {
            let dets = kind == "dets";
            cur.pos += 2;
            let t = cur.next().ok_or_else(|| cur.error_end())?;
            // The table's name, written as an atom (`:t`, `t`).
            if !matches!(t.tok, Tok::Atom | Tok::Ident) {
                return Err(cur.error_at(t, ErrorKind::UnexpectedToken));
            }
            let table = cur.text(t).to_string();
            cur.expect_punct(")")?;
            cur.expect_punct(".")?;
            let f = cur.next().ok_or_else(|| cur.error_end())?;
            let field = match cur.text(f) {
                "size" => Field::EtsSize,
                // A DETS table's `memory` is its file's size, which the model does not lay out.
                "memory" if !dets => Field::EtsMemory,
                _ => return Err(cur.error_at(f, ErrorKind::UnknownField)),
            };
            if dets {
                (Subject::Dets(table), field)
            } else {
                (Subject::Ets(table), field)
            }
        }
        Some(name @ ("memory" | "system")) => {
            cur.pos += 2;
            let f = cur.next().ok_or_else(|| cur.error_end())?;
            // The item may be written as an atom (`:binary`, `binary`) in either syntax.
            let item = cur.text(f);
            let field = if name == "memory" {
                MEMORY_FIELDS
                    .iter()
                    .find(|(n, _)| *n == item)
                    .map(|(_, f)| *f)
            } else {
                (item == "atom_count").then_some(Field::AtomCount)
            };
            let field = field
                .filter(|_| matches!(f.tok, Tok::Atom | Tok::Ident))
                .ok_or_else(|| cur.error_at(f, ErrorKind::UnknownField))?;
            cur.expect_punct(")")?;
            (Subject::System, field)
        }
        Some(_) => return Err(cur.error_at(first, ErrorKind::UnknownField)),
        None => {
            let pid = actor_name(cur, ctx)?;
            cur.expect_punct(".")?;
            let f = cur.next().ok_or_else(|| cur.error_end())?;
            let field = PROCESS_FIELDS
                .iter()
                .find(|(n, _)| *n == cur.text(f))
                .map(|(_, f)| *f)
                .ok_or_else(|| cur.error_at(f, ErrorKind::UnknownField))?;
            (Subject::Process(pid), field)
        }
    };
    let op = cur.next().ok_or_else(|| cur.error_end())?;
    let cmp = match op.tok {
        Tok::Punct("==") => Cmp::Eq,
        Tok::Punct("!=") => Cmp::Ne,
        Tok::Punct("<") => Cmp::Lt,
        Tok::Punct("<=" | "=<") => Cmp::Le,
        Tok::Punct(">") => Cmp::Gt,
        Tok::Punct(">=") => Cmp::Ge,
        _ => return Err(cur.error_at(op, ErrorKind::ExpectedComparison)),
    };
    let at = cur.peek();
    let want = cur.int()?;
    let want = u64::try_from(want).map_err(|_| match at {
        Some(t) => cur.error_at(t, ErrorKind::IntegerOutOfRange),
        None => cur.error_end(),
    })?;
    let last = cur.toks[cur.pos - 1];
    cur.finish()?;
    Ok(Expect {
        span: super::lex::span(cur.line_no, cur.line, first.from, last.to),
        subject,
        field,
        cmp,
        want,
    })
}

fn actor_name(cur: &mut Cursor<'_>, ctx: &Ctx) -> Result<Pid, ParseError> {
    let t = cur.next().ok_or_else(|| cur.error_end())?;
    let want = match cur.syntax {
        Syntax::Elixir => Tok::Ident,
        Syntax::Erlang => Tok::Upper,
    };
    if t.tok != want {
        return Err(cur.error_at(t, ErrorKind::UnknownActor));
    }
    ctx.actor(cur.text(t))
        .ok_or_else(|| cur.error_at(t, ErrorKind::UnknownActor))
}

/// `a.var`, or `var` in the process that ran the step before.
fn qualified_var(
    cur: &mut Cursor<'_>,
    ctx: &Ctx,
    actor: Option<Pid>,
) -> Result<(Pid, String), ParseError> {
    let var_tok = match cur.syntax {
        Syntax::Elixir => Tok::Ident,
        Syntax::Erlang => Tok::Upper,
    };
    let first = cur.peek().ok_or_else(|| cur.error_end())?;
    if cur.peek_at(1).is_some_and(|t| t.tok == Tok::Punct(".")) {
        let pid = actor_name(cur, ctx)?;
        cur.next();
        let v = cur.next().ok_or_else(|| cur.error_end())?;
        if v.tok != var_tok {
            return Err(cur.error_at(v, ErrorKind::ExpectedVariable));
        }
        return Ok((pid, cur.text(v).to_string()));
    }
    if first.tok != var_tok {
        return Err(cur.error_at(first, ErrorKind::ExpectedVariable));
    }
    let pid = actor.ok_or_else(|| cur.error_at(first, ErrorKind::NeedsActor))?;
    cur.next();
    Ok((pid, cur.text(first).to_string()))
}

/// A checkpoint that did not hold.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ExpectFailure {
    /// The step it follows (1-based, as in traces).
    pub step: usize,
    /// Where the checkpoint is.
    pub span: Span,
    /// The comparison.
    pub cmp: Cmp,
    /// The expected number.
    pub want: u64,
    /// The actual number; `None` when there is none (unbound variable, not an off-heap binary).
    pub got: Option<u64>,
}

impl fmt::Display for ExpectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.got {
            Some(got) => write!(f, "expectation failed after step {}: got {got}, expected {} {}", self.step, self.cmp, self.want),
            None => write!(
                f,
                "expectation failed after step {}: no such value (unbound variable, not an off-heap binary, or no such table)",
                self.step
            ),
        }
    }
}

/// The outcome of running a scenario and evaluating its checkpoints.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Check {
    /// The first step whose op failed (1-based), with where it is and why; the run stops there.
    pub op_error: Option<(usize, Span, OpError)>,
    /// Checkpoints that did not hold, in order.
    pub failures: Vec<ExpectFailure>,
    /// Checkpoints evaluated.
    pub evaluated: usize,
    /// The op error's message, when the op's source says more than the error alone (the name of a function that
    /// is not modelled).
    pub op_message: Option<String>,
}

impl Check {
    /// Whether every op ran and every checkpoint held.
    pub fn passed(&self) -> bool {
        self.op_error.is_none() && self.failures.is_empty()
    }
}

/// Where the failure `e` of step `i` (0-based) is in the scenario text, and its message when the step's own words
/// say more than the error kind (an expression's error names the function that failed).
pub fn locate_failure(scenario: &Scenario, i: usize, e: &OpError) -> (Span, Option<String>) {
    let step = &scenario.steps[i];
    let mut span = step.span;
    // An expression's error points into the expression (its column counts from the expression's start; in a
    // loop iteration a substituted variable may shift it a little, so it stays within the statement).
    let at = match e {
        OpError::Eval(ee) => Some(ee.span),
        OpError::Syntax(pe) => Some(pe.span),
        _ => None,
    };
    if let (Some(at), Some(start)) = (at, step.expr_at) {
        let end = step.span.col + step.span.len.saturating_sub(1);
        let col = (start.col + at.col.saturating_sub(1)).min(end);
        span = Span {
            line: start.line,
            col,
            len: 1,
        };
    }
    let mut message = None;
    if let (OpError::Eval(ee), Op::Eval { src, .. }) = (e, &step.op) {
        let m = ee.message(src);
        let what = m.splitn(3, ':').nth(2).map_or(m.as_str(), str::trim);
        if what != ee.kind.what() {
            message = Some(what.to_string());
        }
    }
    (span, message)
}

/// Runs `scenario` and evaluates its checkpoints after their steps.
pub fn check(scenario: &Scenario) -> Check {
    let mut h = scenario.history();
    let mut res = Check::default();
    if let Some((i, e)) = h.error() {
        let (span, message) = locate_failure(scenario, i, &e);
        res.op_message = message;
        res.op_error = Some((i + 1, span, e));
    }
    for step in 1..=h.len() {
        let expects = scenario.steps[step - 1].expects();
        if expects.is_empty() {
            continue;
        }
        h.seek(step);
        let view = View::of(h.vm());
        for e in expects {
            res.evaluated += 1;
            let got = evaluate(h.vm(), &view, e);
            if !got.is_some_and(|g| e.cmp.holds(g, e.want)) {
                res.failures.push(ExpectFailure {
                    step,
                    span: e.span,
                    cmp: e.cmp,
                    want: e.want,
                    got,
                });
            }
        }
    }
    res
}

/// The number `e` reads.
pub fn evaluate(vm: &Vm, view: &View, e: &Expect) -> Option<u64> {
    match &e.subject {
        Subject::Process(pid) => {
            let p = view.processes.get(pid.0 as usize)?;
            Some(match e.field {
                Field::HeapSize => p.heap_size,
                Field::HeapUsed => p.heap_used,
                Field::StackSize => p.stack_size,
                Field::TotalHeapSize => p.total_heap_size,
                Field::OldHeapSize => p.old_heap_size,
                Field::OldHeapUsed => p.old_heap_used,
                Field::MbufSize => p.mbuf_size,
                Field::HighWater => p.high_water,
                Field::MinorGcs => u64::from(p.minor_gcs),
                Field::MessageQueueLen => p.message_queue_len,
                Field::Memory => p.memory,
                Field::BinVheapSize => p.bin_vheap_size,
                _ => return None,
            })
        }
        Subject::Var { pid, var } => {
            let v = view
                .processes
                .get(pid.0 as usize)?
                .vars
                .iter()
                .find(|v| v.name == *var)?;
            match e.field {
                Field::Size => Some(v.size),
                Field::FlatSize => Some(v.flat_size),
                _ => None,
            }
        }
        Subject::Binary { pid, var } => {
            let p = vm.process(*pid)?;
            let t = p.var(var)?;
            let Decoded::Boxed(mut addr) = t.decode() else {
                return None;
            };
            let areas = vm.areas_of(p);
            areas.block(addr)?;
            // A sub-binary (a match or `binary:part/3` result) reads the binary it points into: word 4 is `orig`.
            // That is the point of asking: a 100-byte slice can keep a megabyte alive.
            if areas.word(addr).header_tag() == Some(HeaderTag::SubBinary) {
                let Decoded::Boxed(orig) = areas.word(addr.add(4)).decode() else {
                    return None;
                };
                areas.block(orig)?;
                addr = orig;
            }
            if areas.word(addr).header_tag() != Some(HeaderTag::RefcBinary) {
                return None;
            }
            // A ProcBin's word 3 holds the binary's id.
            let id = BinId(areas.word(addr.add(3)).0 as u32);
            let bin = vm.binaries().get(id)?;
            match e.field {
                Field::Refc => Some(u64::from(bin.refc)),
                Field::Bytes => Some(bin.bytes),
                _ => None,
            }
        }
        Subject::Dets(name) => {
            let t = view.dets.iter().find(|t| t.name == *name)?;
            match e.field {
                Field::EtsSize => Some(t.size),
                _ => None,
            }
        }
        Subject::Ets(name) => {
            let t = view.ets.iter().find(|t| t.name == *name)?;
            match e.field {
                Field::EtsSize => Some(t.size),
                Field::EtsMemory => Some(t.memory_words),
                _ => None,
            }
        }
        Subject::System => {
            let m = &view.memory;
            match e.field {
                Field::MemoryProcesses => Some(m.processes),
                Field::MemoryProcessesUsed => Some(m.processes_used),
                Field::MemoryBinary => Some(m.binary),
                Field::MemoryEts => Some(m.ets),
                Field::MemoryAtom => Some(m.atom),
                Field::MemoryTotal => Some(m.total),
                // Counted from the start of the scenario: a real VM boots with thousands of atoms, the model with
                // the few of `Vm::new`, so only the atoms a scenario adds can be compared.
                Field::AtomCount => Some(
                    view.atom_count
                        .saturating_sub(Vm::new().atoms().len() as u64),
                ),
                _ => None,
            }
        }
    }
}
