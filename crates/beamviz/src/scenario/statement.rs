//! One statement line → ops.
//!
//! Process statements: `x = EXPR` and bare `EXPR` (evaluated: `Op::Eval`), `_ = x` (forget),
//! `x = receive do m -> m end`, `send(b, x)`, `:erlang.garbage_collect()`, `Process.exit(b, :kill)` / `exit(:kill)`,
//! the GC statements (`xs = build(n, [])`, `:erlang.hibernate(…)`, `wake(…)`, `:ets.new/insert/lookup/delete`),
//! and loops over ranges (`for i <- 1..n, do: stmt`, `Enum.each(1..n, fn i -> stmt end)`) that expand into one
//! step per iteration (a loop that only creates atoms is one `MakeAtoms` step).
//! The Erlang forms are the same statements in Erlang syntax.
//!
//! While reading, the parser follows each process symbolically (bound variables and their estimated flat sizes,
//! queued message sizes) to report unbound variables at their line and to bound the work a run will do.

use super::expr_stmt;
use super::lex::{Cursor, Tok, Token};
use super::{ErrorKind, Feature, ParseError, Span, Syntax, MAX_DEPTH, MAX_STEPS, MAX_TOTAL_WORDS};
use crate::op::Op;
use crate::process::{Pid, SpawnOpts};
use crate::sorted::SortedMap;
use crate::vm::MAX_TERM_WORDS;
use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

/// What one process costs at every step of a run, in words: the page reads `erlang:memory()` at every step (a
/// walk over the processes), and checkpoints clone them. A step's full view is built only when it is shown, so
/// live words are not charged per step (they were before the page drew only the steps it shows).
const PROCESS_STEP_WORDS: u64 = 1;

/// A process as the parser follows it.
struct Actor {
    name: String,
    alive: bool,
    /// Bound variables with their flat sizes in words.
    vars: SortedMap<String, u64>,
    /// Flat sizes of queued messages.
    mailbox: VecDeque<u64>,
}

/// What the parser knows while reading statements.
pub(crate) struct Ctx {
    pub syntax: Syntax,
    actors: Vec<Actor>,
    /// Steps produced so far.
    pub n_steps: usize,
    /// Estimated words built, copied and viewed so far.
    work: u64,
    /// The estimate for the `Eval` op about to be accounted.
    eval: Option<EvalEstimate>,
    /// Where the expression of the `Eval` about to be emitted starts in the line.
    expr_at: Option<usize>,
    /// Flat sizes of the objects inserted in each ETS table, by name.
    ets: SortedMap<String, Vec<u64>>,
    /// The same for each DETS table.
    dets: SortedMap<String, Vec<u64>>,
    /// Reading pauses before a loop iteration once this many steps are read, so a page reads a long loop a slice at
    /// a time (`usize::MAX`: never).
    pub pause_at: usize,
    /// The loops of the statement being resumed, outermost first: each starts at its frame's iteration.
    pub resume: Vec<Frame>,
    /// The loops of the statement that paused, innermost first (as they return).
    pub paused: Vec<Frame>,
    /// Only count steps: loops are read (their heads give their iterations), other statements count one step unread.
    pub counting: bool,
}

/// Where a loop stands when its statement pauses: the iteration to run (the one under way, for an enclosing loop),
/// with the steps and work counted when it began (the first iteration's cost projects the loop's).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    k: i64,
    steps: usize,
    work: u64,
}

/// The words a DETS call leaves on the caller's heap besides the objects (see `crate::dets`).
const DETS_CALL_WORDS: u64 = 19;

/// Loop variables in scope, innermost last, with their current values.
pub(crate) type Env = [(String, i64)];

/// What the reader estimated for the next `Eval` op: words built, flat size, names its patterns bind.
#[derive(Default)]
struct EvalEstimate {
    built: u64,
    flat: u64,
    /// Iterations over constant ranges: work even when they build nothing.
    iterations: u64,
    binds: Vec<String>,
}

/// One step a statement produced: the op, the code to show, and for an `Eval` where its expression starts in the
/// line (a byte offset), to locate run-time errors.
pub(crate) type Produced = (Op, String, Option<usize>);

impl Ctx {
    pub fn new(syntax: Syntax) -> Ctx {
        Ctx {
            syntax,
            actors: Vec::new(),
            n_steps: 0,
            work: 0,
            eval: None,
            expr_at: None,
            ets: SortedMap::default(),
            dets: SortedMap::default(),
            pause_at: usize::MAX,
            resume: Vec::new(),
            paused: Vec::new(),
            counting: false,
        }
    }

    /// The pid of actor `name`.
    pub fn actor(&self, name: &str) -> Option<Pid> {
        self.actors
            .iter()
            .position(|a| a.name == name)
            .map(|i| Pid(i as u32))
    }

    /// Declares an actor; returns its spawn op.
    pub fn spawn(&mut self, name: &str, opts: SpawnOpts, span: Span) -> Result<Op, ParseError> {
        let op = Op::Spawn {
            name: name.to_string(),
            opts,
        };
        self.account(&op, span)?;
        Ok(op)
    }

    /// Whether `var` is bound in `pid` (or the process has exited, when the VM reports the error instead).
    fn bound_or_dead(&self, pid: Pid, var: &str) -> bool {
        let a = &self.actors[pid.0 as usize];
        !a.alive || a.vars.contains_key(var)
    }

    /// Follows `op` symbolically and charges its work. Fails when a limit is exceeded.
    fn account(&mut self, op: &Op, span: Span) -> Result<(), ParseError> {
        let err = |kind| ParseError { kind, span };
        if self.n_steps >= MAX_STEPS {
            return Err(err(ErrorKind::TooManySteps));
        }
        let mut work: u64 = 1;
        match op {
            Op::Spawn { name, .. } => {
                self.actors.push(Actor {
                    name: name.clone(),
                    alive: true,
                    vars: SortedMap::default(),
                    mailbox: VecDeque::new(),
                });
                work += 233;
            }
            Op::Eval { pid, var, .. } => {
                let e = self.eval.take().unwrap_or_default();
                if e.built > MAX_TERM_WORDS || e.flat > MAX_TERM_WORDS {
                    return Err(err(ErrorKind::TermTooLarge));
                }
                work = work
                    .saturating_add(e.built)
                    .saturating_add(e.flat)
                    .saturating_add(e.iterations);
                for b in &e.binds {
                    // Each pattern variable holds at most the whole value.
                    self.set_var(*pid, b, Some(e.flat));
                }
                if let Some(var) = var {
                    self.set_var(*pid, var, Some(e.flat));
                }
            }
            Op::Forget { pid, var } => self.set_var(*pid, var, None),
            Op::SeqList {
                pid,
                var,
                first,
                last,
            }
            | Op::EnumToList {
                pid,
                var,
                first,
                last,
            } => {
                let words =
                    (last.saturating_sub(*first).saturating_add(1).max(0) as u64).saturating_mul(2);
                if words > MAX_TERM_WORDS {
                    return Err(err(ErrorKind::TermTooLarge));
                }
                work = work.saturating_add(words.saturating_mul(2));
                self.set_var(*pid, var, Some(words));
            }
            Op::BuildList { pid, var, n } => {
                let words = n.saturating_mul(2);
                if words > MAX_TERM_WORDS {
                    return Err(err(ErrorKind::TermTooLarge));
                }
                // Built once, and copied by the collections on the way (about as much again).
                work = work.saturating_add(words.saturating_mul(2));
                self.set_var(*pid, var, Some(words));
            }
            Op::EtsInsert { pid, table, var } => {
                let flat = self.actors[pid.0 as usize]
                    .vars
                    .get(var)
                    .copied()
                    .unwrap_or(0);
                work = work.saturating_add(flat);
                self.ets
                    .get_or_insert_with(table.clone(), Vec::new)
                    .push(flat);
            }
            Op::EtsLookup {
                pid, table, var, ..
            } => {
                // At most every stored object, plus a cons cell each.
                let flat = self.ets.get(table).map_or(0, |t| {
                    t.iter()
                        .fold(0u64, |a, f| a.saturating_add(f.saturating_add(2)))
                });
                work = work.saturating_add(flat);
                self.set_var(*pid, var, Some(flat));
            }
            Op::EtsNew { table, .. } | Op::EtsDelete { table, .. } => {
                self.ets.remove(table);
            }
            Op::EtsDeleteKey { .. } => {}
            Op::DetsOpen { table } | Op::DetsClose { table } => {
                self.dets.remove(table);
            }
            Op::DetsInsert { pid, table, var } => {
                let flat = self.actors[pid.0 as usize]
                    .vars
                    .get(var)
                    .copied()
                    .unwrap_or(0);
                work = work.saturating_add(flat).saturating_add(DETS_CALL_WORDS);
                self.dets
                    .get_or_insert_with(table.clone(), Vec::new)
                    .push(flat);
            }
            Op::DetsLookup {
                pid, table, var, ..
            } => {
                // At most the largest object stored under any key, plus its cons cell and the call.
                let flat = self
                    .dets
                    .get(table)
                    .and_then(|t| t.iter().max().copied())
                    .unwrap_or(0)
                    .saturating_add(2);
                work = work.saturating_add(flat).saturating_add(DETS_CALL_WORDS);
                self.set_var(*pid, var, Some(flat));
            }
            Op::DetsDeleteKey { .. } => work = work.saturating_add(DETS_CALL_WORDS),
            Op::Send { from, to, var } => {
                let flat = self.actors[from.0 as usize]
                    .vars
                    .get(var)
                    .copied()
                    .unwrap_or(0);
                work = work.saturating_add(flat);
                let to = &mut self.actors[to.0 as usize];
                if to.alive {
                    to.mailbox.push_back(flat);
                }
            }
            Op::Receive { pid, var } => {
                let flat = self.actors[pid.0 as usize].mailbox.pop_front().unwrap_or(0);
                self.set_var(*pid, var, Some(flat));
            }
            Op::GarbageCollect { pid } | Op::GcRequest { pid, .. } => {
                work = work.saturating_add(self.actors[pid.0 as usize].vars.values().sum());
            }
            Op::Exit { pid } => {
                let a = &mut self.actors[pid.0 as usize];
                a.vars.clear();
                a.mailbox.clear();
                a.alive = false;
            }
            // Ops without an estimate of their own (added after this one was written) cost a collection.
            #[allow(unreachable_patterns)]
            other => {
                if let Some(pid) = other.actor() {
                    let a = &self.actors[pid.0 as usize];
                    work = work.saturating_add(a.vars.values().sum());
                }
            }
        }
        // Every step is run and measured; and its text is kept (the op's source and the code shown), a word per
        // 4 bytes, so a loop over a long line cannot fill memory.
        if let Op::Eval { src, .. } = op {
            work = work.saturating_add(src.len() as u64 / 4);
        }
        work = work.saturating_add(PROCESS_STEP_WORDS * self.actors.len() as u64);
        self.work = self.work.saturating_add(work);
        if self.work > MAX_TOTAL_WORDS {
            return Err(err(ErrorKind::TooMuchWork));
        }
        self.n_steps += 1;
        Ok(())
    }

    /// Counts a step without reading it (`counting`), within the limit: an error past it.
    pub fn count(&mut self, cur: &Cursor<'_>) -> Result<(), ParseError> {
        if self.n_steps >= MAX_STEPS {
            return Err(cur.error_here(ErrorKind::TooManySteps));
        }
        self.n_steps += 1;
        Ok(())
    }

    fn set_var(&mut self, pid: Pid, var: &str, flat: Option<u64>) {
        let a = &mut self.actors[pid.0 as usize];
        if !a.alive {
            return;
        }
        a.vars.remove(var);
        if let Some(flat) = flat {
            a.vars.insert(var.to_string(), flat);
        }
    }
}

/// Reads the statement in `line[offset..]`, run by `actor` (or by the scenario itself when `None`).
///
/// It may stop between two iterations of its loops (`ctx.pause_at`), its loops then in `ctx.paused`; read again with
/// them as `ctx.resume`, it goes on from there, as if it had not stopped.
pub(crate) fn statement(
    ctx: &mut Ctx,
    line: &str,
    offset: usize,
    line_no: u32,
    actor: Option<Pid>,
) -> Result<Vec<Produced>, ParseError> {
    let mut cur = Cursor::new(line, offset, line_no, ctx.syntax)?;
    if cur.at_end() {
        return Err(cur.error_end());
    }
    let mut out = Vec::new();
    let mut env = Vec::new();
    stmt(&mut cur, ctx, actor, &mut env, 0, &mut out)?;
    // Counting reads loop heads only, and a paused statement is not over.
    if !ctx.counting && ctx.paused.is_empty() {
        cur.finish()?;
    }
    Ok(out)
}

fn is_name(cur: &Cursor<'_>, t: Option<Token>, name: &str) -> bool {
    t.is_some_and(|t| matches!(t.tok, Tok::Ident | Tok::Upper) && cur.text(t) == name)
}

/// A variable token: lowercase in Elixir, capitalized in Erlang.
fn var_tok(cur: &Cursor<'_>, t: Option<Token>) -> Option<Token> {
    let want = match cur.syntax {
        Syntax::Elixir => Tok::Ident,
        Syntax::Erlang => Tok::Upper,
    };
    t.filter(|t| t.tok == want)
}

fn expect_var(cur: &mut Cursor<'_>) -> Result<Token, ParseError> {
    match var_tok(cur, cur.peek()) {
        Some(t) => {
            cur.next();
            Ok(t)
        }
        None => Err(cur.error_here(ErrorKind::ExpectedVariable)),
    }
}

fn expect_name(cur: &mut Cursor<'_>, name: &str) -> Result<(), ParseError> {
    if is_name(cur, cur.peek(), name) {
        cur.next();
        Ok(())
    } else {
        Err(cur.error_here(ErrorKind::UnexpectedToken))
    }
}

/// An actor named by the next token.
fn target(cur: &mut Cursor<'_>, ctx: &Ctx) -> Result<Pid, ParseError> {
    let t = expect_var(cur)?;
    ctx.actor(cur.text(t))
        .ok_or_else(|| cur.error_at(t, ErrorKind::UnknownActor))
}

fn stmt(
    cur: &mut Cursor<'_>,
    ctx: &mut Ctx,
    actor: Option<Pid>,
    env: &mut Vec<(String, i64)>,
    depth: u32,
    out: &mut Vec<Produced>,
) -> Result<(), ParseError> {
    if depth > MAX_DEPTH {
        return Err(cur.error_here(ErrorKind::TooDeep));
    }
    let Some(first) = cur.peek() else {
        return Err(cur.error_end());
    };
    let elixir = cur.syntax == Syntax::Elixir;
    if ctx.counting && !at_loop(cur) {
        return ctx.count(cur);
    }
    // Loops.
    if elixir && cur.looks_at(&["for"]) {
        cur.next();
        let var = expect_var(cur)?;
        cur.expect_punct("<-")?;
        let (from, to, at) = range(cur, env)?;
        cur.expect_punct(",")?;
        expect_name(cur, "do")?;
        cur.expect_punct(":")?;
        return repeat(cur, ctx, actor, env, depth, out, var, (from, to, at), &[]);
    }
    if elixir && cur.looks_at(&["Enum", ".", "each", "("]) {
        cur.pos += 4;
        let (from, to, at) = range(cur, env)?;
        cur.expect_punct(",")?;
        expect_name(cur, "fn")?;
        let var = expect_var(cur)?;
        cur.expect_punct("->")?;
        return repeat(
            cur,
            ctx,
            actor,
            env,
            depth,
            out,
            var,
            (from, to, at),
            &["end", ")"],
        );
    }
    if !elixir && cur.looks_at(&["lists", ":", "foreach", "(", "fun", "("]) {
        cur.pos += 6;
        let var = expect_var(cur)?;
        cur.expect_punct(")")?;
        cur.expect_punct("->")?;
        let body = cur.pos;
        // The range comes after the body: find the `end` that closes the fun.
        let close = matching_end(cur).ok_or_else(|| cur.error_end())?;
        cur.pos = close + 1;
        cur.expect_punct(",")?;
        let r = erlang_seq(cur, env)?;
        cur.expect_punct(")")?;
        let after = cur.pos;
        cur.pos = body;
        repeat(cur, ctx, actor, env, depth, out, var, r, &["end"])?;
        cur.pos = after;
        return Ok(());
    }
    if !elixir && cur.is_punct("[") {
        cur.next();
        let body = cur.pos;
        let bar = matching(cur, "||").ok_or_else(|| cur.error_end())?;
        cur.pos = bar + 1;
        let var = expect_var(cur)?;
        cur.expect_punct("<-")?;
        let r = erlang_seq(cur, env)?;
        cur.expect_punct("]")?;
        let after = cur.pos;
        cur.pos = body;
        repeat(cur, ctx, actor, env, depth, out, var, r, &["||"])?;
        cur.pos = after;
        return Ok(());
    }
    // Statements the model does not cover.
    let ets_op = ["new", "insert", "delete"]
        .iter()
        .any(|f| calls(cur, "ets", f));
    for (words, feature) in NOT_MODELLED {
        if cur.looks_at(words) && !ets_op {
            return Err(cur.error_at(first, ErrorKind::NotModelled(*feature)));
        }
    }
    // Statements that name their target and may run at the top level.
    let gc = if elixir {
        cur.looks_at(&["erlang", ".", "garbage_collect", "("])
    } else {
        cur.looks_at(&["erlang", ":", "garbage_collect", "("])
    };
    if gc {
        cur.pos += 4;
        let pid = if cur.is_punct(")") {
            actor.ok_or_else(|| cur.error_at(first, ErrorKind::NeedsActor))?
        } else {
            target(cur, ctx)?
        };
        cur.expect_punct(")")?;
        let op = match actor {
            Some(by) if by != pid => Op::GcRequest { by, pid },
            _ => Op::GarbageCollect { pid },
        };
        return emit(cur, ctx, first, env, op, out);
    }
    // DETS tables are opened and closed by the scenario itself, as a shell would (see `crate::dets`).
    if calls(cur, "dets", "open_file") || calls(cur, "dets", "close") {
        if actor.is_some() {
            return Err(cur.error_at(first, ErrorKind::NotModelled(Feature::Dets)));
        }
        let open = calls(cur, "dets", "open_file");
        cur.pos += 4;
        let table = table_name(cur)?;
        let op = if open {
            cur.expect_punct(",")?;
            dets_options(cur)?;
            Op::DetsOpen { table }
        } else {
            cur.expect_punct(")")?;
            Op::DetsClose { table }
        };
        return emit(cur, ctx, first, env, op, out);
    }
    // `:recon.bin_leak(N)`: a major GC of every process, reporting who released binaries.
    let bin_leak = if elixir {
        cur.looks_at(&["recon", ".", "bin_leak", "("])
    } else {
        cur.looks_at(&["recon", ":", "bin_leak", "("])
    };
    if bin_leak {
        cur.pos += 4;
        let at = cur.peek().ok_or_else(|| cur.error_end())?;
        let top = bound(cur, env)?;
        let top = u64::try_from(top).map_err(|_| cur.error_at(at, ErrorKind::IntegerOutOfRange))?;
        cur.expect_punct(")")?;
        return emit(cur, ctx, first, env, Op::BinLeak { top }, out);
    }
    let exit2 = (elixir && cur.looks_at(&["Process", ".", "exit", "("]))
        || (cur.looks_at(&["exit", "("])
            && cur.peek_at(3).is_some_and(|t| t.tok == Tok::Punct(",")));
    if exit2 {
        cur.pos += if cur.looks_at(&["exit"]) { 2 } else { 4 };
        let pid = target(cur, ctx)?;
        cur.expect_punct(",")?;
        exit_reason(cur)?;
        cur.expect_punct(")")?;
        return emit(cur, ctx, first, env, Op::Exit { pid }, out);
    }
    if cur.looks_at(&["exit", "("]) {
        cur.pos += 2;
        let pid = actor.ok_or_else(|| cur.error_at(first, ErrorKind::NeedsActor))?;
        let Some(t) = cur.next() else {
            return Err(cur.error_end());
        };
        if !matches!(t.tok, Tok::Atom | Tok::Ident) {
            return Err(cur.error_at(t, ErrorKind::UnexpectedToken));
        }
        cur.expect_punct(")")?;
        return emit(cur, ctx, first, env, Op::Exit { pid }, out);
    }
    // Everything else is run by a process.
    let Some(pid) = actor else {
        return Err(cur.error_at(first, ErrorKind::NeedsActor));
    };
    if elixir && (cur.looks_at(&["send", "("]) || cur.looks_at(&["Kernel", ".", "send", "("])) {
        cur.pos += if cur.looks_at(&["send"]) { 2 } else { 4 };
        let to = target(cur, ctx)?;
        cur.expect_punct(",")?;
        let var = sent_var(cur, ctx, pid)?;
        cur.expect_punct(")")?;
        return emit(cur, ctx, first, env, Op::Send { from: pid, to, var }, out);
    }
    if !elixir
        && var_tok(cur, Some(first)).is_some()
        && cur.peek_at(1).is_some_and(|t| t.tok == Tok::Punct("!"))
    {
        let to = target(cur, ctx)?;
        cur.expect_punct("!")?;
        let var = sent_var(cur, ctx, pid)?;
        return emit(cur, ctx, first, env, Op::Send { from: pid, to, var }, out);
    }
    if cur.looks_at(&["receive"]) {
        return Err(cur.error_at(first, ErrorKind::BadReceive));
    }
    // Hibernation and waking.
    let hibernate = if elixir {
        cur.looks_at(&["Process", ".", "hibernate", "("])
            || cur.looks_at(&["erlang", ".", "hibernate", "("])
    } else {
        cur.looks_at(&["erlang", ":", "hibernate", "("])
    };
    if hibernate {
        cur.pos += 4;
        skip_args(cur)?;
        return emit(cur, ctx, first, env, Op::Hibernate { pid }, out);
    }
    if cur.looks_at(&["wake", "("]) {
        cur.pos += 2;
        skip_args(cur)?;
        // Model: the woken function's frame holds the variables plus two words (a continuation and a temporary).
        return emit(cur, ctx, first, env, Op::Wake { pid, extra: 2 }, out);
    }
    // ETS tables.
    if calls(cur, "ets", "new") || calls(cur, "ets", "delete") || calls(cur, "ets", "insert") {
        let f = cur.text(cur.toks[cur.pos + 2]).to_string();
        cur.pos += 4;
        let table = table_name(cur)?;
        let op = match f.as_str() {
            "new" => {
                cur.expect_punct(",")?;
                let kind = ets_options(cur)?;
                cur.expect_punct(")")?;
                Op::EtsNew { pid, table, kind }
            }
            "delete" if cur.peek().is_some_and(|t| t.tok == Tok::Punct(",")) => {
                cur.next();
                let key = ets_key(cur, ctx, env, pid)?;
                cur.expect_punct(")")?;
                Op::EtsDeleteKey { pid, table, key }
            }
            "delete" => {
                cur.expect_punct(")")?;
                Op::EtsDelete { pid, table }
            }
            _ => {
                cur.expect_punct(",")?;
                let var = sent_var(cur, ctx, pid)?;
                cur.expect_punct(")")?;
                Op::EtsInsert { pid, table, var }
            }
        };
        return emit(cur, ctx, first, env, op, out);
    }
    if calls(cur, "dets", "insert") || calls(cur, "dets", "delete") {
        let insert = calls(cur, "dets", "insert");
        cur.pos += 4;
        let table = table_name(cur)?;
        cur.expect_punct(",")?;
        let op = if insert {
            let var = sent_var(cur, ctx, pid)?;
            Op::DetsInsert { pid, table, var }
        } else {
            let key = ets_key(cur, ctx, env, pid)?;
            Op::DetsDeleteKey { pid, table, key }
        };
        cur.expect_punct(")")?;
        return emit(cur, ctx, first, env, op, out);
    }
    if cur.looks_at(&["dets", if elixir { "." } else { ":" }]) {
        return Err(cur.error_at(first, ErrorKind::NotModelled(Feature::Dets)));
    }
    // `_ = x`: forget. (`_ = EXPR` with more than a variable is an expression, evaluated and dropped.)
    let statement_ends = |t: Option<Token>| match t {
        None => true,
        Some(t) => {
            matches!(t.tok, Tok::Punct(")" | "]" | "||"))
                || (t.tok == Tok::Ident && cur.text(t) == "end")
        }
    };
    if is_name(cur, Some(first), "_")
        && cur.peek_at(1).is_some_and(|t| t.tok == Tok::Punct("="))
        && var_tok(cur, cur.peek_at(2)).is_some()
        && statement_ends(cur.peek_at(3))
    {
        cur.pos += 2;
        let t = expect_var(cur)?;
        let var = cur.text(t).to_string();
        if !ctx.bound_or_dead(pid, &var) {
            return Err(cur.error_at(t, ErrorKind::UnboundVariable));
        }
        return emit(cur, ctx, first, env, Op::Forget { pid, var }, out);
    }
    // `x = …`: receive or bind.
    if var_tok(cur, Some(first)).is_some()
        && cur.text(first) != "_"
        && cur.peek_at(1).is_some_and(|t| t.tok == Tok::Punct("="))
    {
        cur.pos += 2;
        let var = cur.text(first).to_string();
        if cur.looks_at(&["receive"]) {
            receive(cur)?;
            return emit(cur, ctx, first, env, Op::Receive { pid, var }, out);
        }
        // `xs = build(N, [])`: a list grown one cons cell at a time, as compiled code does.
        if cur.looks_at(&["build", "("]) {
            cur.pos += 2;
            let at = cur.peek().ok_or_else(|| cur.error_end())?;
            let n = bound(cur, env)?;
            let n = u64::try_from(n).map_err(|_| cur.error_at(at, ErrorKind::IntegerOutOfRange))?;
            cur.expect_punct(",")?;
            cur.expect_punct("[")?;
            cur.expect_punct("]")?;
            cur.expect_punct(")")?;
            return emit(cur, ctx, first, env, Op::BuildList { pid, var, n }, out);
        }
        // `xs = :lists.seq(A, B)` and `xs = Enum.to_list(A..B)` with constant bounds: the list built as their
        // compiled code builds it. Anything else about the call (bounds that are expressions, an empty
        // `Enum.to_list` range) goes to the evaluator.
        let seq = calls(cur, "lists", "seq");
        let to_list = elixir && cur.looks_at(&["Enum", ".", "to_list", "("]);
        if seq || to_list {
            let at = cur.pos;
            cur.pos += 4;
            let bounds = const_bounds(cur, env, if seq { "," } else { ".." });
            match bounds {
                Some((from, to)) if seq && to >= from.saturating_sub(1) => {
                    let op = Op::SeqList {
                        pid,
                        var,
                        first: from,
                        last: to,
                    };
                    return emit(cur, ctx, first, env, op, out);
                }
                Some((from, to)) if to_list && to >= from => {
                    let op = Op::EnumToList {
                        pid,
                        var,
                        first: from,
                        last: to,
                    };
                    return emit(cur, ctx, first, env, op, out);
                }
                _ => cur.pos = at,
            }
        }
        // Lookups in an ETS or a DETS table.
        let dets = calls(cur, "dets", "lookup");
        if dets || calls(cur, "ets", "lookup") {
            cur.pos += 4;
            let table = table_name(cur)?;
            cur.expect_punct(",")?;
            let key = ets_key(cur, ctx, env, pid)?;
            cur.expect_punct(")")?;
            let op = if dets {
                Op::DetsLookup {
                    pid,
                    table,
                    key,
                    var,
                }
            } else {
                Op::EtsLookup {
                    pid,
                    table,
                    key,
                    var,
                }
            };
            return emit(cur, ctx, first, env, op, out);
        }
        return eval(cur, ctx, first, env, pid, Some(var), out);
    }
    // Any other expression: evaluated for its effect on memory (and its pattern bindings).
    eval(cur, ctx, first, env, pid, None, out)
}

/// `EXPR` or `var = EXPR` (the `var =` already read): an `Eval` step.
fn eval(
    cur: &mut Cursor<'_>,
    ctx: &mut Ctx,
    first: Token,
    env: &Env,
    pid: Pid,
    var: Option<String>,
    out: &mut Vec<Produced>,
) -> Result<(), ParseError> {
    let expr_at = cur.peek().map(|t| t.from);
    let read = expr_stmt::read(cur, env)?;
    let mut uses = Vec::new();
    let mut pats = Vec::new();
    expr_stmt::names(&read.expr, &mut uses, &mut pats);
    if let Some((_, at)) = uses
        .iter()
        .find(|(n, _)| !pats.contains(n) && !ctx.bound_or_dead(pid, n))
    {
        return Err(ParseError {
            kind: ErrorKind::UnboundVariable,
            span: read.span(cur, *at),
        });
    }
    let vars = &ctx.actors[pid.0 as usize].vars;
    let (built, flat) = expr_stmt::estimate(&read.expr, vars);
    let iterations = expr_stmt::iterations(&read.expr);
    let mut binds = Vec::new();
    expr_stmt::top_bindings(&read.expr, &mut binds);
    ctx.eval = Some(EvalEstimate {
        built,
        flat,
        iterations,
        binds,
    });
    ctx.expr_at = expr_at;
    let op = Op::Eval {
        pid,
        var,
        src: read.src,
        lang: expr_stmt::lang(ctx.syntax),
    };
    emit(cur, ctx, first, env, op, out)
}

/// Skips call arguments up to and including the `)` that closes them (their values do not matter to the op).
fn skip_args(cur: &mut Cursor<'_>) -> Result<(), ParseError> {
    let close = matching(cur, ")").ok_or_else(|| cur.error_end())?;
    cur.pos = close + 1;
    Ok(())
}

/// An ETS table name: an atom.
fn table_name(cur: &mut Cursor<'_>) -> Result<String, ParseError> {
    let t = cur.next().ok_or_else(|| cur.error_end())?;
    let atom = match cur.syntax {
        Syntax::Elixir => t.tok == Tok::Atom,
        Syntax::Erlang => matches!(t.tok, Tok::Atom | Tok::Ident),
    };
    if !atom {
        return Err(cur.error_at(t, ErrorKind::NotModelled(Feature::Ets)));
    }
    Ok(cur.text(t).to_string())
}

/// The options of `dets:open_file/2`, up to the closing parenthesis: none, or the type `set` (the default).
/// Other types and options (a file name, `ram_file`, `auto_save`, ...) are not modelled: the exported script opens
/// the table in a fresh file of its own.
fn dets_options(cur: &mut Cursor<'_>) -> Result<(), ParseError> {
    let start = cur.peek().ok_or_else(|| cur.error_end())?;
    let close = matching(cur, ")").ok_or_else(|| cur.error_end())?;
    let end = cur.toks[close].from;
    let text: String = cur.line[start.from..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let accepted: &[&str] = match cur.syntax {
        Syntax::Elixir => &["[]", "type::set", "[type::set]", "[{:type,:set}]"],
        Syntax::Erlang => &["[]", "[{type,set}]"],
    };
    if !accepted.contains(&text.as_str()) {
        return Err(cur.error_at(start, ErrorKind::NotModelled(Feature::Dets)));
    }
    cur.pos = close + 1;
    Ok(())
}

/// The options list of `ets:new/2`: the table type (`set` unless one is named); access and `named_table`
/// options change nothing the model shows. Others (`keypos`, concurrency options, `heir`, ...) are not modelled.
fn ets_options(cur: &mut Cursor<'_>) -> Result<crate::ets::EtsKind, ParseError> {
    cur.expect_punct("[")?;
    let mut kind = None;
    if cur.peek().is_some_and(|t| t.tok == Tok::Punct("]")) {
        cur.next();
        return Ok(crate::ets::EtsKind::default());
    }
    loop {
        let t = cur.next().ok_or_else(|| cur.error_end())?;
        let atom = match cur.syntax {
            Syntax::Elixir => t.tok == Tok::Atom,
            Syntax::Erlang => matches!(t.tok, Tok::Atom | Tok::Ident),
        };
        let name = cur.text(t);
        match crate::ets::EtsKind::from_name(name) {
            // The first type named wins, as in `ets:new/2`.
            Some(k) if atom => {
                kind.get_or_insert(k);
            }
            None if atom && matches!(name, "public" | "protected" | "private" | "named_table") => {}
            _ => return Err(cur.error_at(t, ErrorKind::NotModelled(Feature::Ets))),
        }
        let sep = cur.next().ok_or_else(|| cur.error_end())?;
        match sep.tok {
            Tok::Punct(",") => {}
            Tok::Punct("]") => return Ok(kind.unwrap_or_default()),
            _ => return Err(cur.error_at(sep, ErrorKind::UnexpectedToken)),
        }
    }
}

/// An ETS key: an integer, an atom, an enclosing loop's variable, or a variable bound in `pid`.
fn ets_key(
    cur: &mut Cursor<'_>,
    ctx: &Ctx,
    env: &Env,
    pid: Pid,
) -> Result<crate::op::Value, ParseError> {
    let t = cur.peek().ok_or_else(|| cur.error_end())?;
    let atom = match cur.syntax {
        Syntax::Elixir => t.tok == Tok::Atom,
        Syntax::Erlang => t.tok == Tok::Atom || (t.tok == Tok::Ident && cur.text(t) != "_"),
    };
    if atom {
        cur.next();
        return Ok(crate::op::Value::Atom(cur.text(t).to_string()));
    }
    if let Some(v) = var_tok(cur, Some(t)) {
        let name = cur.text(v);
        if let Some((_, k)) = env.iter().rev().find(|(n, _)| n == name) {
            cur.next();
            return Ok(crate::op::Value::Int(*k));
        }
        cur.next();
        if !ctx.bound_or_dead(pid, name) {
            return Err(cur.error_at(v, ErrorKind::UnboundVariable));
        }
        return Ok(crate::op::Value::Var(name.to_string()));
    }
    let n = cur.int()?;
    if !(crate::term::MIN_SMALL..=crate::term::MAX_SMALL).contains(&n) {
        return Err(cur.error_at(t, ErrorKind::IntegerOutOfRange));
    }
    Ok(crate::op::Value::Int(n))
}

/// Statements recognised only to say they are not modelled yet.
const NOT_MODELLED: &[(&[&str], Feature)] = &[
    (&["proc_lib", ":", "hibernate"], Feature::Hibernate),
    (&["proc_lib", ".", "hibernate"], Feature::Hibernate),
    (&["ets", "."], Feature::Ets),
    (&["ets", ":"], Feature::Ets),
    (&["spawn", "("], Feature::Spawn),
    (&["spawn_opt", "("], Feature::Spawn),
    (&["Process", ".", "spawn"], Feature::Spawn),
];

/// The variable sent: a variable bound in `pid`.
fn sent_var(cur: &mut Cursor<'_>, ctx: &Ctx, pid: Pid) -> Result<String, ParseError> {
    let Some(t) = var_tok(cur, cur.peek()) else {
        return Err(cur.error_here(ErrorKind::NotModelled(Feature::SendExpression)));
    };
    // `send(b, x)` only: a variable followed by more is an expression.
    if cur
        .peek_at(1)
        .is_some_and(|n| !matches!(n.tok, Tok::Punct(")")))
        && cur.syntax == Syntax::Elixir
    {
        return Err(cur.error_at(t, ErrorKind::NotModelled(Feature::SendExpression)));
    }
    cur.next();
    let var = cur.text(t).to_string();
    if !ctx.bound_or_dead(pid, &var) {
        return Err(cur.error_at(t, ErrorKind::UnboundVariable));
    }
    Ok(var)
}

/// An exit reason other than `normal` (which a process that does not trap exits ignores).
fn exit_reason(cur: &mut Cursor<'_>) -> Result<(), ParseError> {
    let Some(t) = cur.next() else {
        return Err(cur.error_end());
    };
    let ok = match cur.syntax {
        Syntax::Elixir => t.tok == Tok::Atom,
        Syntax::Erlang => matches!(t.tok, Tok::Atom | Tok::Ident),
    };
    if !ok {
        return Err(cur.error_at(t, ErrorKind::UnexpectedToken));
    }
    if cur.text(t) == "normal" {
        return Err(cur.error_at(t, ErrorKind::ExitNormal));
    }
    Ok(())
}

/// `receive do m -> m end` (Elixir) or `receive M -> M end` (Erlang), after the `=`.
fn receive(cur: &mut Cursor<'_>) -> Result<(), ParseError> {
    let kw = cur.next();
    let bad = |cur: &Cursor<'_>, t: Option<Token>| match t.or(kw) {
        Some(t) => cur.error_at(t, ErrorKind::BadReceive),
        None => cur.error_end(),
    };
    if cur.syntax == Syntax::Elixir {
        if !is_name(cur, cur.peek(), "do") {
            return Err(bad(cur, cur.peek()));
        }
        cur.next();
    }
    let pat = var_tok(cur, cur.peek()).ok_or_else(|| bad(cur, cur.peek()))?;
    cur.next();
    if !cur.eat_punct("->") {
        return Err(bad(cur, cur.peek()));
    }
    let body = var_tok(cur, cur.peek()).ok_or_else(|| bad(cur, cur.peek()))?;
    if cur.text(body) != cur.text(pat) {
        return Err(cur.error_at(body, ErrorKind::BadReceive));
    }
    cur.next();
    if !is_name(cur, cur.peek(), "end") {
        return Err(bad(cur, cur.peek()));
    }
    cur.next();
    Ok(())
}

/// Adds one step for `op`, with the statement's text (from `first` to here) as its code.
fn emit(
    cur: &Cursor<'_>,
    ctx: &mut Ctx,
    first: Token,
    env: &Env,
    op: Op,
    out: &mut Vec<Produced>,
) -> Result<(), ParseError> {
    let last = cur.toks[cur.pos - 1];
    let span = super::lex::span(cur.line_no, cur.line, first.from, last.to);
    ctx.account(&op, span)?;
    // A plain statement shows as written, trailing comment included; a loop iteration shows its body.
    let body = if env.is_empty() {
        cur.line[first.from..].trim_end()
    } else {
        &cur.line[first.from..last.to]
    };
    // Name the iteration by its loop variables (`_`-prefixed ones are unnamed on purpose).
    let named = || env.iter().filter(|(n, _)| !n.starts_with('_'));
    // Sized exactly, without a string per variable: a million loop steps keep their code.
    let digits = |k: i64| {
        k.unsigned_abs()
            .checked_ilog10()
            .map_or(1, |d| d as usize + 1)
            + usize::from(k < 0)
    };
    let names: usize = named().map(|(n, k)| n.len() + 5 + digits(*k)).sum();
    let mut code = String::with_capacity(body.len() + names + 2);
    code.push_str(body);
    for (i, (name, k)) in named().enumerate() {
        code.push_str(match (i, cur.syntax) {
            (0, Syntax::Elixir) => "  # ",
            (0, Syntax::Erlang) => "  % ",
            _ => ", ",
        });
        code.push_str(name);
        code.push_str(" = ");
        let _ = write!(code, "{k}");
    }
    out.push((op, code, ctx.expr_at.take()));
    Ok(())
}

/// A loop bound: an integer or an enclosing loop's variable.
fn bound(cur: &mut Cursor<'_>, env: &Env) -> Result<i64, ParseError> {
    if let Some(t) = cur.peek() {
        if matches!(t.tok, Tok::Ident | Tok::Upper) {
            let name = cur.text(t);
            return match env.iter().rev().find(|(n, _)| n == name) {
                Some((_, k)) => {
                    cur.next();
                    Ok(*k)
                }
                None => Err(cur.error_at(t, ErrorKind::ExpectedInteger)),
            };
        }
    }
    cur.int()
}

/// Integers and loop variables joined by `+`, `-` and `*` (`*` first), as in `:lists.seq(1, i * 100)`: a constant
/// once the loop variables are substituted, which compiled code computes into a register (no heap words).
/// `None` on anything else, or on overflow.
fn const_sum(cur: &mut Cursor<'_>, env: &Env) -> Option<i64> {
    let mut sum: i64 = 0;
    let mut sign: i64 = 1;
    loop {
        let mut product = bound(cur, env).ok()?;
        while cur.is_punct("*") {
            cur.next();
            product = product.checked_mul(bound(cur, env).ok()?)?;
        }
        sum = sum.checked_add(sign.checked_mul(product)?)?;
        if cur.is_punct("+") {
            sign = 1;
        } else if cur.is_punct("-") {
            sign = -1;
        } else {
            return Some(sum);
        }
        cur.next();
    }
}

/// Whether the statement continues with a call of `module:f(` (`:module.f(` in Elixir).
fn calls(cur: &Cursor<'_>, module: &str, f: &str) -> bool {
    let sep = if cur.syntax == Syntax::Elixir {
        "."
    } else {
        ":"
    };
    cur.looks_at(&[module, sep, f, "("])
}

/// `A SEP B)` with constant bounds ([`const_sum`]), where the statement then ends (the line, or a loop body's
/// `end` or `||`). `None` for anything else; the cursor is then somewhere inside.
fn const_bounds(cur: &mut Cursor<'_>, env: &Env, sep: &str) -> Option<(i64, i64)> {
    let from = const_sum(cur, env)?;
    cur.is_punct(sep).then(|| cur.next())?;
    let to = const_sum(cur, env)?;
    cur.is_punct(")").then(|| cur.next())?;
    let ends = match cur.peek() {
        None => true,
        Some(t) => {
            matches!(t.tok, Tok::Punct("||")) || (t.tok == Tok::Ident && cur.text(t) == "end")
        }
    };
    ends.then_some((from, to))
}

/// A loop range: its bounds and where it is written.
type Range = (i64, i64, Span);

/// `a..b` (Elixir).
fn range(cur: &mut Cursor<'_>, env: &Env) -> Result<Range, ParseError> {
    let at = cur.peek().ok_or_else(|| cur.error_end())?;
    let from = bound(cur, env)?;
    cur.expect_punct("..")?;
    let to = bound(cur, env)?;
    Ok((from, to, written(cur, at)))
}

/// The span from token `at` to the last token read.
fn written(cur: &Cursor<'_>, at: Token) -> Span {
    let last = cur.toks[cur.pos - 1];
    super::lex::span(cur.line_no, cur.line, at.from, last.to)
}

/// `lists:seq(A, B)` (Erlang).
fn erlang_seq(cur: &mut Cursor<'_>, env: &Env) -> Result<Range, ParseError> {
    let at = cur.peek().ok_or_else(|| cur.error_end())?;
    if !cur.looks_at(&["lists", ":", "seq", "("]) {
        return Err(cur.error_at(at, ErrorKind::UnexpectedToken));
    }
    cur.pos += 4;
    let from = bound(cur, env)?;
    cur.expect_punct(",")?;
    let to = bound(cur, env)?;
    cur.expect_punct(")")?;
    Ok((from, to, written(cur, at)))
}

/// The index of the `end` closing the fun whose body starts at the cursor.
fn matching_end(cur: &Cursor<'_>) -> Option<usize> {
    let mut depth = 0u32;
    for (i, t) in cur.toks.iter().enumerate().skip(cur.pos) {
        let text = cur.text(*t);
        if t.tok == Tok::Ident && matches!(text, "receive" | "fun" | "case" | "begin" | "if") {
            depth += 1;
        } else if t.tok == Tok::Ident && text == "end" {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        }
    }
    None
}

/// The index of punctuation `p` at bracket depth 0 from the cursor.
fn matching(cur: &Cursor<'_>, p: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, t) in cur.toks.iter().enumerate().skip(cur.pos) {
        match t.tok {
            Tok::Punct(q) if q == p && depth == 0 => return Some(i),
            Tok::Punct("(" | "[" | "{" | "<<") => depth += 1,
            Tok::Punct(")" | "]" | "}" | ">>") => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Whether a loop starts at the cursor (the loops `stmt` reads).
fn at_loop(cur: &Cursor<'_>) -> bool {
    match cur.syntax {
        Syntax::Elixir => cur.looks_at(&["for"]) || cur.looks_at(&["Enum", ".", "each", "("]),
        Syntax::Erlang => {
            cur.looks_at(&["lists", ":", "foreach", "(", "fun", "("]) || cur.is_punct("[")
        }
    }
}

/// Runs the body at the cursor once per value of `var` in the range, then expects `closers`.
#[allow(clippy::too_many_arguments)]
fn repeat(
    cur: &mut Cursor<'_>,
    ctx: &mut Ctx,
    actor: Option<Pid>,
    env: &mut Vec<(String, i64)>,
    depth: u32,
    out: &mut Vec<Produced>,
    var: Token,
    (from, to, at): Range,
    closers: &[&str],
) -> Result<(), ParseError> {
    if to < from {
        return Err(ParseError {
            kind: ErrorKind::EmptyRange,
            span: at,
        });
    }
    let n = i128::from(to) - i128::from(from) + 1;
    // A loop that only creates atoms is one step: `MakeAtoms`.
    let atoms = if cur.syntax == Syntax::Elixir {
        cur.looks_at(&["String", ".", "to_atom", "("])
            || cur.looks_at(&["erlang", ".", "list_to_atom", "("])
            || cur.looks_at(&["erlang", ".", "binary_to_atom", "("])
    } else {
        cur.looks_at(&["list_to_atom", "("]) || cur.looks_at(&["binary_to_atom", "("])
    };
    if atoms && n <= 2 * crate::vm::ATOM_LIMIT as i128 {
        if ctx.counting {
            return ctx.count(cur);
        }
        let pid = actor.ok_or_else(|| cur.error_at(cur.toks[0], ErrorKind::NeedsActor))?;
        let stop = expr_stmt::extent(cur);
        // The names: the first string of the body (up to an interpolation), then a counter.
        let prefix = cur.toks[cur.pos..stop]
            .iter()
            .find(|t| t.tok == Tok::Str)
            .map_or("atom_", |t| {
                let text = cur.text(*t);
                crate::text::find(text, "#{").map_or(text, |at| &text[..at])
            })
            .to_string();
        cur.pos = stop;
        let op = Op::MakeAtoms {
            pid,
            prefix,
            count: n as u64,
        };
        emit(cur, ctx, cur.toks[0], env, op, out)?;
        for c in closers {
            if *c == "end" {
                expect_name(cur, "end")?;
            } else {
                cur.expect_punct(c)?;
            }
        }
        return Ok(());
    }
    // A statement resumed after a pause enters its loops again: they start where they were, and what was checked
    // when they were first entered is not checked again (the steps read since would count against them).
    let level = env.len();
    let mut resumed = ctx.resume.get(level).copied();
    if resumed.is_some() && level + 1 == ctx.resume.len() {
        ctx.resume.clear();
    }
    if resumed.is_none() && n > (MAX_STEPS - ctx.n_steps.min(MAX_STEPS)) as i128 {
        return Err(ParseError {
            kind: ErrorKind::TooManySteps,
            span: at,
        });
    }
    let name = cur.text(var).to_string();
    let body = cur.pos;
    // Counting, a body that is not a loop is one step per iteration (it is not read).
    if ctx.counting && !at_loop(cur) {
        ctx.n_steps += n as usize;
        return Ok(());
    }
    for k in resumed.map_or(from, |f| f.k)..=to {
        let (steps, work, again) = match resumed.take() {
            Some(f) => (f.steps, f.work, true),
            None => (ctx.n_steps, ctx.work, false),
        };
        // Never before an iteration being resumed: the loops inside it would lose where they were.
        if !again && ctx.n_steps >= ctx.pause_at {
            ctx.paused.push(Frame { k, steps, work });
            return Ok(());
        }
        cur.pos = body;
        env.push((name.clone(), k));
        let res = stmt(cur, ctx, actor, env, depth + 1, out);
        env.pop();
        res?;
        if !ctx.paused.is_empty() {
            ctx.paused.push(Frame { k, steps, work });
            return Ok(());
        }
        // After the first iteration, what the loop will cost is known closely enough: refuse a loop whose
        // iterations would pass a limit now, instead of after reading up to a million steps (seconds).
        if k == from {
            let left = n - 1;
            let more_steps = (ctx.n_steps - steps) as i128 * left;
            let more_work = i128::from(ctx.work - work) * left;
            if more_steps > (MAX_STEPS - ctx.n_steps) as i128 {
                return Err(ParseError {
                    kind: ErrorKind::TooManySteps,
                    span: at,
                });
            }
            if more_work > i128::from(MAX_TOTAL_WORDS - ctx.work) {
                return Err(ParseError {
                    kind: ErrorKind::TooMuchWork,
                    span: at,
                });
            }
        }
    }
    // Counting reads the loops' heads only.
    if ctx.counting {
        return Ok(());
    }
    for c in closers {
        if *c == "end" {
            expect_name(cur, "end")?;
        } else {
            cur.expect_punct(c)?;
        }
    }
    Ok(())
}
