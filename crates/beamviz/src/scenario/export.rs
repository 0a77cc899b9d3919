//! Export: a scenario as a script that runs its steps in real processes on a real VM, in lockstep, and prints the
//! same numbers the model computes (`beamviz export`, `docs/scenarios.md` "Export").
//!
//! The script is an escript (Erlang-syntax scenarios) or an `.exs` file (Elixir-syntax ones): the statements are
//! copied as written, so they run as the VM really runs them, compiled (`-mode(compile)`, a `defmodule`), never
//! through `erl_eval`, whose own garbage would swamp the numbers.
//!
//! Shape of the script, chosen so the real process holds what the model holds:
//! - each actor step is one function, `a_7(List, Bin) -> ?SYNC, Msg = {List, Bin}, a_9(List, Bin, Msg).`:
//!   its arguments are the variables the model has bound before the step, and it ends by a tail call that passes
//!   the variables bound after it. Compiled code keeps a variable alive exactly while it is used, so each bound
//!   variable is alive (one stack slot) until `_ = x` drops it from the arguments, as in the model;
//!   and between steps the stack holds only those slots above the process's bottom return address.
//! - `?SYNC` tells the coordinator the previous step is done and waits for `go`: both messages are atoms, which
//!   take no heap words.
//! - the coordinator (the script's main process) spawns the actors, sends `go` for each step, runs the shell's
//!   statements itself, and prints every actor's numbers read from outside with `process_info/2`, which costs the
//!   actor nothing.
//! - checkpoints on a variable's term (`size`, `flat_size`) are computed by the actor right after its step, with
//!   BIFs that return small integers (`erts_debug:size_shared/1`, `erts_debug:flat_size/1`), and sent as
//!   immediates. `binary(x)` checkpoints send the term to a *witness* process that keeps it; the coordinator reads
//!   the witness's `process_info(W, binary)` and subtracts the witnesses' own references from the count.
//!
//! [`model_report`] prints what the model computes in the script's output format, so a test (or a reader with
//! `diff`) compares the two line by line.

use super::{Field, Scenario, Span, Subject, Syntax};
use crate::op::{Op, Value};
use crate::process::{MessageQueueData, Pid, SpawnOpts};
use crate::view::View;
use crate::vm::Vm;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::{self, Write};

/// What to export to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    /// An escript (Erlang syntax).
    Escript,
    /// An Elixir script, `.exs`.
    Exs,
}

/// A scenario that cannot be exported, with where and why.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ExportError {
    /// The statement (or line) that cannot be exported.
    pub span: Span,
    /// Why.
    pub message: String,
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.span.line, self.span.col, self.message)
    }
}

/// The process numbers printed for each actor after each step, in this order.
/// Names are the model's; the script reads them from `process_info/2` (see the coordinator's `stats`).
pub const STATS: &[&str] = &[
    "heap_size",
    "heap_used",
    "stack_size",
    "high_water",
    "old_heap_size",
    "old_heap_used",
    "mbuf_size",
    "total_heap_size",
    "memory",
    "message_queue_len",
    "minor_gcs",
    "bin_vheap_size",
    "bin_old_vheap_size",
];

/// Erlang's reserved words, which must be quoted to be atoms.
const ERLANG_RESERVED: &[&str] = &[
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
    "catch", "cond", "div", "end", "fun", "if", "let", "maybe", "not", "of", "or", "orelse",
    "receive", "rem", "try", "when", "xor",
];

/// Who runs a step.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Runner {
    /// The declaration of an actor.
    Spawn(Pid),
    /// An actor runs a statement (`a: …`).
    Actor(Pid),
    /// The scenario itself (a top-level statement): the coordinator runs it.
    Shell,
}

/// One checkpoint on a variable, and where its value is taken.
struct Probe {
    /// The `expect` line: names the value in the script.
    line: u32,
    /// The step after which the actor computes it (its last own step at or before the checkpoint's step).
    at: usize,
    pid: Pid,
    var: String,
    /// `size`, `flat_size` or `binary` (refc and bytes both read the witness).
    kind: ProbeKind,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ProbeKind {
    Size,
    FlatSize,
    Binary,
}

/// The model's stack slots of a process, bottom first.
type Slots = Vec<Option<String>>;

/// Everything the generator needs, from one run of the model.
struct Plan<'a> {
    s: &'a Scenario,
    target: Target,
    names: Vec<String>,
    runners: Vec<Runner>,
    /// Stack slots of each process after each step (index 0 = before step 1): the variable in each, or `None`
    /// for a slot whose variable was forgotten; empty when dead.
    vars: Vec<Vec<Slots>>,
    /// Whether each process is alive after each step (index 0 = before step 1).
    alive: Vec<Vec<bool>>,
    probes: Vec<Probe>,
    /// The scenario's source lines (for checkpoints read from their text).
    lines: Vec<String>,
}

/// The script for `s` (read from `src`, used to tell which actor runs a statement).
///
/// # Errors
/// The first statement that cannot be exported (or the first step the model cannot run), located.
pub fn export(s: &Scenario, src: &str, target: Target) -> Result<String, ExportError> {
    if s.vm.switches.sharing_preserving {
        // The switch is a build option (`--enable-sharing-preserving`); an installed VM does not have it.
        let at = s.steps.first().map(|st| st.span).unwrap_or_default();
        return Err(err(
            at,
            "the sharing-preserving emulator is a build option no installed VM has",
        ));
    }
    let plan = plan(s, src)?;
    let mut out = String::new();
    match (s.syntax, target) {
        (Syntax::Erlang, Target::Escript) => escript(&plan, &mut out, false)?,
        (Syntax::Elixir, Target::Exs) => exs(&plan, &mut out, false)?,
        // The other target embeds the module and compiles it with the scenario's own compiler at run time, so
        // both targets run the same compiled code and print the same numbers.
        (Syntax::Erlang, Target::Exs) => {
            let mut module = String::new();
            escript(&plan, &mut module, true)?;
            header(&plan, &mut out, "#", &format!("elixir {}.exs", s.id));
            let _ = writeln!(
                out,
                "# The scenario is in Erlang syntax: this script compiles the Erlang module below and runs it.\n"
            );
            let _ = writeln!(out, "source = ~S\"\"\"\n{module}\"\"\"\n");
            out.push_str(EXS_RUNS_ERLANG);
        }
        (Syntax::Elixir, Target::Escript) => {
            let mut module = String::new();
            exs(&plan, &mut module, true)?;
            let _ = writeln!(out, "#!/usr/bin/env escript");
            header(&plan, &mut out, "%%", &format!("escript {}.escript", s.id));
            let _ = writeln!(
                out,
                "%% The scenario is in Elixir syntax: this script compiles the Elixir module below with the\n\
                 %% installed Elixir and runs it.\n"
            );
            let quoted = module.replace('\\', "\\\\").replace('"', "\\\"");
            let _ = writeln!(out, "source() -> <<\"{quoted}\"/utf8>>.\n");
            out.push_str(ESCRIPT_RUNS_ELIXIR);
        }
    }
    Ok(out)
}

/// The target a scenario exports to naturally: the one whose syntax its statements are written in.
pub fn natural_target(s: &Scenario) -> Target {
    match s.syntax {
        Syntax::Erlang => Target::Escript,
        Syntax::Elixir => Target::Exs,
    }
}

fn err(span: Span, message: impl Into<String>) -> ExportError {
    ExportError {
        span,
        message: message.into(),
    }
}

fn plan<'a>(s: &'a Scenario, src: &str) -> Result<Plan<'a>, ExportError> {
    let target = natural_target(s);
    let lines: Vec<&str> = src.lines().collect();
    let mut names: Vec<String> = Vec::new();
    let mut runners = Vec::new();
    let mut vm = Vm::new();
    let mut vars = slots_of(&vm, 0);
    let mut vars_per_step = Vec::new();
    let mut alive_per_step = Vec::new();
    vars_per_step.push(vars.clone());
    alive_per_step.push(Vec::new());
    for (i, st) in s.steps.iter().enumerate() {
        let runner = match &st.op {
            Op::Spawn { name, .. } => {
                names.push(name.clone());
                Runner::Spawn(Pid(names.len() as u32 - 1))
            }
            _ => {
                let text = lines.get(st.span.line as usize - 1).copied().unwrap_or("");
                match names
                    .iter()
                    .position(|n| text.starts_with(n.as_str()) && text[n.len()..].starts_with(": "))
                {
                    Some(p) => Runner::Actor(Pid(p as u32)),
                    None => Runner::Shell,
                }
            }
        };
        runners.push(runner);
        if let Err(e) = vm.apply(&st.op) {
            return Err(err(
                st.span,
                format!(
                    "step {} fails in the model ({e}): fix it before exporting",
                    i + 1
                ),
            ));
        }
        vars = slots_of(&vm, names.len());
        vars_per_step.push(vars.clone());
        alive_per_step.push(
            vm.processes()
                .iter()
                .map(|p| p.is_alive())
                .collect::<Vec<bool>>(),
        );
    }
    // Per process, per step.
    let n = names.len();
    let by_pid_vars: Vec<Vec<Slots>> = (0..n)
        .map(|p| {
            vars_per_step
                .iter()
                .map(|v: &Vec<Slots>| v.get(p).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    let by_pid_alive: Vec<Vec<bool>> = (0..n)
        .map(|p| {
            alive_per_step
                .iter()
                .map(|a: &Vec<bool>| a.get(p).copied().unwrap_or(false))
                .collect()
        })
        .collect();
    let mut probes = Vec::new();
    for (k, st) in s.steps.iter().enumerate() {
        for e in st.expects() {
            let (pid, var, kind) = match &e.subject {
                Subject::Process(_) => continue,
                Subject::Var { pid, var } => (
                    *pid,
                    var,
                    if e.field == Field::Size {
                        ProbeKind::Size
                    } else {
                        ProbeKind::FlatSize
                    },
                ),
                Subject::Binary { pid, var } => (*pid, var, ProbeKind::Binary),
                // Subjects outside processes (added after this was written) are read by the coordinator.
                #[allow(unreachable_patterns)]
                _ => continue,
            };
            // The actor's last own step at or before this one: its variables have not changed since.
            let at = (0..=k)
                .rev()
                .find(|&j| matches!(runners[j], Runner::Actor(p) | Runner::Spawn(p) if p == pid))
                .map_or(0, |j| j + 1);
            probes.push(Probe {
                line: e.span.line,
                at,
                pid,
                var: var.clone(),
                kind,
            });
        }
    }
    Ok(Plan {
        s,
        target,
        names,
        runners,
        vars: by_pid_vars,
        lines: lines.iter().map(|l| l.to_string()).collect(),
        alive: by_pid_alive,
        probes,
    })
}

/// The atom naming an actor in the script and its output: `a`, or for the Erlang actor `A`, `a`.
fn script_name(names: &[String], pid: Pid) -> String {
    let name = names[pid.0 as usize].to_lowercase();
    // Two Erlang actors may differ only by case: keep them apart by their index.
    if names.iter().filter(|n| n.to_lowercase() == name).count() > 1 {
        format!("{name}{}", pid.0)
    } else {
        name
    }
}

fn slots_of(vm: &Vm, n: usize) -> Vec<Slots> {
    let mut out: Vec<Slots> = vm
        .processes()
        .iter()
        .map(|p| {
            if p.is_alive() {
                p.slots.clone()
            } else {
                Vec::new()
            }
        })
        .collect();
    out.resize(n.max(out.len()), Vec::new());
    out
}

impl Plan<'_> {
    fn erlang(&self) -> bool {
        self.target == Target::Escript
    }

    /// Stack slots of `pid` after step `k` (1-based; 0 = before the first step).
    fn vars_after(&self, pid: Pid, k: usize) -> &[Option<String>] {
        &self.vars[pid.0 as usize][k]
    }

    /// Whether `var` is bound in `pid` after step `k`.
    fn has_var(&self, pid: Pid, k: usize, var: &str) -> bool {
        self.vars_after(pid, k)
            .iter()
            .any(|v| v.as_deref() == Some(var))
    }

    /// The name of the argument that carries free slot `i` (0-based) of a stage function.
    fn free(&self, i: usize) -> String {
        if self.erlang() {
            format!("Free_{}", i + 1)
        } else {
            format!("free_{}", i + 1)
        }
    }

    /// Stage arguments for slots: a variable's name, or a free slot's name.
    fn slot_names(&self, slots: &[Option<String>]) -> Vec<String> {
        slots
            .iter()
            .enumerate()
            .map(|(i, v)| v.clone().unwrap_or_else(|| self.free(i)))
            .collect()
    }

    fn alive_after(&self, pid: Pid, k: usize) -> bool {
        self.alive[pid.0 as usize][k]
    }

    /// The atom naming an actor in the script.
    fn atom(&self, pid: Pid) -> String {
        script_name(&self.names, pid)
    }

    /// The function that runs actor `pid`'s step `k` (1-based), or its last function (`k` = 0).
    fn fun(&self, pid: Pid, k: usize) -> String {
        if k == 0 {
            format!("{}_end", self.atom(pid))
        } else {
            format!("{}_{k}", self.atom(pid))
        }
    }

    /// Actor `pid`'s own steps after step `k` (1-based numbers).
    fn next_own(&self, pid: Pid, k: usize) -> Option<usize> {
        (k..self.runners.len())
            .find(|&j| self.runners[j] == Runner::Actor(pid))
            .map(|j| j + 1)
    }

    fn atom_lit(&self, a: &str) -> String {
        if self.erlang() {
            // An Erlang actor `Of` is the atom `of`, a reserved word: quoted.
            if ERLANG_RESERVED.contains(&a) {
                format!("'{a}'")
            } else {
                a.to_string()
            }
        } else {
            format!(":{a}")
        }
    }

    /// A call of a stage function with arguments.
    fn call(&self, f: &str, args: &[String]) -> String {
        format!("{f}({})", args.join(", "))
    }
}

/// The statement an actor runs at step `k` (1-based), in the target's syntax, with the names its old variables
/// get as arguments of the step's function.
struct Stmt {
    /// Lines of code.
    code: Vec<String>,
    /// The arguments of the step's function (the variables bound before it, renamed when the step rebinds them).
    params: Vec<String>,
    /// The arguments of the tail call to the next step's function.
    next_args: Vec<String>,
    /// The variables bound after the step (for `erlang:hibernate/3`).
    held: Vec<String>,
    /// The step hibernates: the function ends with `erlang:hibernate/3` instead of a tail call.
    hibernate: bool,
    /// The step ends the process.
    exits: bool,
}

fn actor_stmt(
    p: &Plan<'_>,
    pid: Pid,
    k: usize,
    held: Option<&[String]>,
) -> Result<Stmt, ExportError> {
    let st = &p.s.steps[k - 1];
    // Model: the stack holds one slot per variable, and a forgotten variable's slot stays (holding `[]`) until a
    // new variable takes it. Each slot is an argument, so the real frame has as many words between steps.
    // While hibernated the variables are in the argument list of `erlang:hibernate/3` (`held`), not on the stack.
    let before: Slots = match held {
        Some(h) => h.iter().cloned().map(Some).collect(),
        None => p.vars_after(pid, k - 1).to_vec(),
    };
    let after = p.vars_after(pid, k);
    let erl = p.erlang();
    let mut params: Vec<String> = p.slot_names(&before);
    // A free slot that a new variable takes holds `[]` until the step: used once after `go`, then dead.
    let mut free_drops = Vec::new();
    for (i, slot) in before.iter().enumerate() {
        if slot.is_none() && after.get(i).is_some_and(Option::is_some) {
            free_drops.push(format!("drop({})", params[i]));
        }
    }
    let next_args: Vec<String> = after
        .iter()
        .enumerate()
        .map(|(i, v)| match (v, before.get(i)) {
            (Some(v), _) => v.clone(),
            (None, Some(None)) => p.free(i),
            (None, _) => "[]".to_string(),
        })
        .collect();
    let held_after: Vec<String> = before.iter().flatten().cloned().collect();
    // A variable the step binds again. The model keeps its old value until the step runs (a stack slot at the
    // sync point), so the old value is passed in and, unless the statement reads it, dropped right after `go`:
    // dead during the statement, as in the model.
    let mut drops: Vec<String> = Vec::new();
    let mut rebind =
        |params: &mut Vec<String>, var: &str, uses: bool| -> Option<(String, String)> {
            let i = params.iter().position(|v| v == var)?;
            if erl {
                let old = format!("{var}_old");
                params[i] = old.clone();
                if uses {
                    Some((var.to_string(), old))
                } else {
                    drops.push(format!("drop({old})"));
                    None
                }
            } else {
                if !uses {
                    drops.push(format!("drop({var})"));
                }
                None
            }
        };
    let mut code = Vec::new();
    let mut hibernate = false;
    let mut exits = false;
    let unsupported = |what: &str| err(st.span, format!("cannot export {what}"));
    match &st.op {
        Op::Eval { var, src, .. } => {
            let mut text = src.clone();
            if let Some(v) = var {
                if let Some((from, to)) = rebind(&mut params, v, uses_var(src, v, erl)) {
                    text = rename_var(&text, &from, &to);
                }
                code.push(format!("{v} = {text}"));
            } else {
                code.push(text);
            }
        }
        Op::Forget { var, .. } => {
            // `_ = x` compiles to nothing, so `x` would be dead since its previous use; a call that does nothing
            // is its last use, and `x` is no longer passed on.
            code.push(format!("drop({var})"));
        }
        Op::Send { to, var, .. } => {
            let to = p.atom_lit(&p.atom(*to));
            code.push(if erl {
                format!("pid({{actor, {to}}}) ! {var}")
            } else {
                format!("send(pid({{:actor, {to}}}), {var})")
            });
        }
        Op::Receive { var, .. } => {
            rebind(&mut params, var, false);
            code.push(if erl {
                format!("{var} = receive Msg__ -> Msg__ end")
            } else {
                format!("{var} = receive do msg__ -> msg__ end")
            });
        }
        Op::GarbageCollect { pid: target } | Op::GcRequest { pid: target, .. } => {
            code.push(if *target == pid {
                if erl {
                    "erlang:garbage_collect()"
                } else {
                    ":erlang.garbage_collect()"
                }
                .to_string()
            } else {
                let t = p.atom_lit(&p.atom(*target));
                if erl {
                    format!("erlang:garbage_collect(pid({{actor, {t}}}))")
                } else {
                    format!(":erlang.garbage_collect(pid({{:actor, {t}}}))")
                }
            });
        }
        Op::Exit { pid: target } => {
            if *target == pid {
                exits = true;
                // The variables live until the process exits: each is used once more after `go`.
                for v in params.iter().filter(|v| !v.starts_with('_')) {
                    code.push(format!("drop({v})"));
                }
                code.push(if erl { "exit(normal)" } else { "exit(:normal)" }.to_string());
            } else {
                let t = p.atom_lit(&p.atom(*target));
                code.push(if erl {
                    format!("exit(pid({{actor, {t}}}), kill)")
                } else {
                    format!("Process.exit(pid({{:actor, {t}}}), :kill)")
                });
            }
        }
        Op::BuildList { var, n, .. } => {
            rebind(&mut params, var, false);
            code.push(format!("{var} = build({n}, [])"));
        }
        Op::EnumToList {
            var, first, last, ..
        } => {
            rebind(&mut params, var, false);
            code.push(format!("{var} = Enum.to_list({first}..{last})"));
        }
        Op::SeqList {
            var, first, last, ..
        } => {
            rebind(&mut params, var, false);
            code.push(if erl {
                format!("{var} = lists:seq({first}, {last})")
            } else {
                format!("{var} = :lists.seq({first}, {last})")
            });
        }
        Op::Hibernate { .. } => hibernate = true,
        Op::Wake { .. } => {
            let c = if erl { "%" } else { "#" };
            code.push(format!(
                "{c} woken by `go`: the hibernated process starts its function afresh"
            ));
        }
        // Tables are named and public: later statements, possibly of other actors, name them.
        Op::EtsNew { table, kind, .. } => code.push(if erl {
            format!("ets:new({table}, [{}, named_table, public])", kind.name())
        } else {
            format!(
                ":ets.new(:{table}, [:{}, :named_table, :public])",
                kind.name()
            )
        }),
        Op::EtsInsert { table, var, .. } => code.push(if erl {
            format!("ets:insert({table}, {var})")
        } else {
            format!(":ets.insert(:{table}, {var})")
        }),
        Op::EtsDelete { table, .. } => code.push(if erl {
            format!("ets:delete({table})")
        } else {
            format!(":ets.delete(:{table})")
        }),
        Op::EtsDeleteKey { table, key, .. } => code.push(if erl {
            format!("ets:delete({table}, {})", value_code(key, erl))
        } else {
            format!(":ets.delete(:{table}, {})", value_code(key, erl))
        }),
        Op::EtsLookup {
            table, key, var, ..
        } => {
            rebind(&mut params, var, value_uses(key, var));
            code.push(if erl {
                format!("{var} = ets:lookup({table}, {})", value_code(key, erl))
            } else {
                format!("{var} = :ets.lookup(:{table}, {})", value_code(key, erl))
            });
        }
        Op::MakeAtoms { prefix, count, .. } => {
            code.push(format!("make_atoms(\"{prefix}\", {count})"));
        }
        Op::DetsInsert { table, var, .. } => code.push(if erl {
            format!("dets:insert({table}, {var})")
        } else {
            format!(":dets.insert(:{table}, {var})")
        }),
        Op::DetsDeleteKey { table, key, .. } => code.push(if erl {
            format!("dets:delete({table}, {})", value_code(key, erl))
        } else {
            format!(":dets.delete(:{table}, {})", value_code(key, erl))
        }),
        Op::DetsLookup {
            table, key, var, ..
        } => {
            rebind(&mut params, var, value_uses(key, var));
            code.push(if erl {
                format!("{var} = dets:lookup({table}, {})", value_code(key, erl))
            } else {
                format!("{var} = :dets.lookup(:{table}, {})", value_code(key, erl))
            });
        }
        Op::DetsOpen { .. } | Op::DetsClose { .. } => {
            return Err(unsupported(
                "dets:open_file/2 or dets:close/1 inside a step",
            ))
        }
        Op::Spawn { .. } => return Err(unsupported("a spawn inside a step")),
        Op::BinLeak { .. } => {
            return Err(unsupported(
                "recon:bin_leak/1 (recon is not part of Erlang/OTP; not exported yet)",
            ))
        }
        Op::Bind { .. }
        | Op::ConsOnto { .. }
        | Op::AllocGarbage { .. }
        | Op::BifResult { .. }
        | Op::PushFrame { .. }
        | Op::PopFrame { .. }
        | Op::Call { .. } => return Err(unsupported("this op: no scenario statement makes it")),
    }
    free_drops.extend(drops);
    free_drops.extend(code);
    let code = free_drops;
    Ok(Stmt {
        code,
        params,
        next_args,
        held: held_after,
        hibernate,
        exits,
    })
}

/// A term the model builds from a [`Value`] (an ETS key), as code.
fn value_code(v: &Value, erl: bool) -> String {
    let list = |vs: &[Value]| {
        vs.iter()
            .map(|v| value_code(v, erl))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match v {
        Value::Int(i) => i.to_string(),
        Value::Atom(a) if erl => format!("'{}'", a.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Atom(a) => format!(":\"{}\"", a.replace('\\', "\\\\").replace('"', "\\\"")),
        Value::Var(n) => n.clone(),
        Value::Tuple(vs) => format!("{{{}}}", list(vs)),
        Value::List(vs) => format!("[{}]", list(vs)),
        Value::Seq(a, b) if erl => format!("lists:seq({a}, {b})"),
        Value::Seq(a, b) => format!(":lists.seq({a}, {b})"),
        Value::Binary { bytes, fill } if erl => format!("binary:copy(<<{fill}>>, {bytes})"),
        Value::Binary { bytes, fill } => format!(":binary.copy(<<{fill}>>, {bytes})"),
    }
}

/// Whether a [`Value`] reads variable `var`.
fn value_uses(v: &Value, var: &str) -> bool {
    match v {
        Value::Var(n) => n == var,
        Value::Tuple(vs) | Value::List(vs) => vs.iter().any(|v| value_uses(v, var)),
        _ => false,
    }
}

/// Whether `name` occurs as a variable in `src` (strings, quoted atoms, character literals and Elixir atoms and
/// keywords skipped).
fn uses_var(src: &str, name: &str, erlang: bool) -> bool {
    let mut found = false;
    scan_vars(src, erlang, |from, to| {
        if &src[from..to] == name {
            found = true;
        }
    });
    found
}

/// `src` with every occurrence of variable `from` replaced by `to` (Erlang).
fn rename_var(src: &str, from: &str, to: &str) -> String {
    let mut spans = Vec::new();
    scan_vars(src, true, |a, b| {
        if &src[a..b] == from {
            spans.push((a, b));
        }
    });
    let mut out = String::new();
    let mut at = 0;
    for (a, b) in spans {
        out.push_str(&src[at..a]);
        out.push_str(to);
        at = b;
    }
    out.push_str(&src[at..]);
    out
}

/// Calls `f(from, to)` for every variable-like name in `src`.
fn scan_vars(src: &str, erlang: bool, mut f: impl FnMut(usize, usize)) {
    let b = src.as_bytes();
    let mut i = 0;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'@';
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            // A string or a quoted atom: skip to the closing quote.
            i += 1;
            while i < b.len() && b[i] != c {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if erlang && c == b'$' {
            i += if b.get(i + 1) == Some(&b'\\') { 3 } else { 2 };
        } else if !erlang && c == b'?' {
            i += 2;
        } else if ident(c) && !c.is_ascii_digit() {
            let start = i;
            while i < b.len() && ident(b[i]) {
                i += 1;
            }
            let prev = if start > 0 { b[start - 1] } else { b' ' };
            let var = if erlang {
                c.is_ascii_uppercase() || c == b'_'
            } else {
                // Elixir: lowercase, not an atom (`:x`), a keyword (`x:`), a remote call (`M.x`) or an alias.
                (c.is_ascii_lowercase() || c == b'_')
                    && prev != b':'
                    && prev != b'.'
                    && b.get(i) != Some(&b':')
            };
            if var {
                f(start, i);
            }
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'#') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
}

/// The spawn options of an actor, as a list in the target's syntax.
fn spawn_opts(o: &SpawnOpts, erl: bool) -> String {
    let d = SpawnOpts::default();
    let mut v = Vec::new();
    let kw = |k: &str, val: String| {
        if erl {
            format!("{{{k}, {val}}}")
        } else {
            format!("{{:{k}, {val}}}")
        }
    };
    if o.min_heap_size != d.min_heap_size {
        v.push(kw("min_heap_size", o.min_heap_size.to_string()));
    }
    if o.fullsweep_after != d.fullsweep_after {
        v.push(kw("fullsweep_after", o.fullsweep_after.to_string()));
    }
    if o.max_heap_size != d.max_heap_size {
        v.push(kw("max_heap_size", o.max_heap_size.to_string()));
    }
    if o.message_queue_data != d.message_queue_data {
        let q = match o.message_queue_data {
            MessageQueueData::OnHeap => "on_heap",
            MessageQueueData::OffHeap => "off_heap",
        };
        v.push(kw(
            "message_queue_data",
            if erl { q.to_string() } else { format!(":{q}") },
        ));
    }
    format!("[{}]", v.join(", "))
}

/// The code of one actor: a function per own step, then its last function.
fn actor_functions(
    p: &Plan<'_>,
    pid: Pid,
    out: &mut String,
    exports: &mut Vec<String>,
) -> Result<(), ExportError> {
    let erl = p.erlang();
    let spawn_step = p
        .runners
        .iter()
        .position(|r| *r == Runner::Spawn(pid))
        .map_or(0, |i| i + 1);
    let name = &p.names[pid.0 as usize];
    let c = if erl { "%%" } else { "#" };
    let ind = if erl { "" } else { "  " };
    let _ = writeln!(
        out,
        "{ind}{c} Actor `{name}`: one function per step it runs."
    );
    // The previous own step (whose checkpoints this function reports first) and whether it hibernated.
    let mut prev = spawn_step;
    let mut woken = false;
    // The variables passed to `erlang:hibernate/3`, while hibernated.
    let mut held: Option<Vec<String>> = None;
    let mut cur = p.next_own(pid, spawn_step);
    loop {
        let k = cur;
        let fname = p.fun(pid, k.unwrap_or(0));
        let (params, stmt) = match k {
            Some(k) => {
                let s = actor_stmt(p, pid, k, held.as_deref())?;
                (s.params.clone(), Some(s))
            }
            None => (
                held.clone()
                    .unwrap_or_else(|| p.slot_names(p.vars_after(pid, prev))),
                None,
            ),
        };
        let mut body: Vec<String> = Vec::new();
        if woken {
            // Woken from hibernation by `go`: the previous step's checkpoints and `done` were sent before.
            body.push(if erl {
                "receive go -> ok end".to_string()
            } else {
                "receive do\n      :go -> :ok\n    end".to_string()
            });
        } else {
            probe_code(p, pid, prev, &mut body);
            body.push(if erl { "?SYNC" } else { "sync()" }.to_string());
        }
        let next_k = k.and_then(|k| p.next_own(pid, k));
        match (k, stmt) {
            (Some(k), Some(s)) => {
                let st = &p.s.steps[k - 1];
                body.push(format!(
                    "{c} step {k} (line {}): {}",
                    st.span.line,
                    one_line(&st.code)
                ));
                body.extend(s.code.iter().cloned());
                let after = if s.hibernate {
                    s.held.clone()
                } else {
                    s.next_args.clone()
                };
                if s.exits {
                    // The process is gone: nothing follows.
                } else if s.hibernate {
                    probe_code(p, pid, k, &mut body);
                    body.push(if erl {
                        "beamviz_coord ! done".to_string()
                    } else {
                        "send(:beamviz_coord, :done)".to_string()
                    });
                    let next = p.fun(pid, next_k.unwrap_or(0));
                    body.push(if erl {
                        format!("erlang:hibernate(?MODULE, {next}, [{}])", after.join(", "))
                    } else {
                        format!(
                            ":erlang.hibernate(__MODULE__, :{next}, [{}])",
                            after.join(", ")
                        )
                    });
                } else {
                    body.push(p.call(&p.fun(pid, next_k.unwrap_or(0)), &after));
                }
                function(out, erl, &fname, &params, &body);
                exports.push(format!("{fname}/{}", params.len()));
                woken = s.hibernate;
                held = if s.hibernate { Some(after) } else { None };
                if s.exits {
                    break;
                }
                prev = k;
                cur = next_k;
            }
            _ => {
                // The last function: the process waits, keeping its variables, until the script ends.
                body.push(p.call(&fname, &params));
                function(out, erl, &fname, &params, &body);
                exports.push(format!("{fname}/{}", params.len()));
                break;
            }
        }
    }
    Ok(())
}

fn one_line(s: &str) -> String {
    s.replace('\n', " ")
}

fn function(out: &mut String, erl: bool, name: &str, params: &[String], body: &[String]) {
    if erl {
        let _ = writeln!(out, "{name}({}) ->", params.join(", "));
        let n = body.len();
        for (i, line) in body.iter().enumerate() {
            let is_comment = line.starts_with('%');
            // Comments take no separator; the last expression ends the function.
            let last_expr = !is_comment && body[i + 1..].iter().all(|l| l.starts_with('%'));
            let sep = if is_comment {
                ""
            } else if last_expr || i + 1 == n {
                "."
            } else {
                ","
            };
            let _ = writeln!(out, "    {line}{sep}");
        }
    } else {
        let _ = writeln!(out, "  def {name}({}) do", params.join(", "));
        for line in body {
            let _ = writeln!(out, "    {line}");
        }
        let _ = writeln!(out, "  end");
    }
    out.push('\n');
}

/// The lines by which an actor reports the checkpoints on its variables after its step `k`.
fn probe_code(p: &Plan<'_>, pid: Pid, k: usize, body: &mut Vec<String>) {
    let erl = p.erlang();
    for pr in p.probes.iter().filter(|pr| pr.at == k && pr.pid == pid) {
        if !p.has_var(pid, k, &pr.var) {
            continue;
        }
        let v = &pr.var;
        body.push(match (pr.kind, erl) {
            (ProbeKind::Size, true) => format!("beamviz_coord ! erts_debug:size_shared({v})"),
            (ProbeKind::FlatSize, true) => format!("beamviz_coord ! erts_debug:flat_size({v})"),
            (ProbeKind::Binary, true) => format!("pid({{witness, {}}}) ! {v}", pr.line),
            (ProbeKind::Size, false) => {
                format!("send(:beamviz_coord, :erts_debug.size_shared({v}))")
            }
            (ProbeKind::FlatSize, false) => {
                format!("send(:beamviz_coord, :erts_debug.flat_size({v}))")
            }
            (ProbeKind::Binary, false) => format!("send(pid({{:witness, {}}}), {v})", pr.line),
        });
    }
}

/// The coordinator's statements for step `k` (1-based).
fn coordinator_step(p: &Plan<'_>, k: usize, body: &mut Vec<String>) -> Result<(), ExportError> {
    let erl = p.erlang();
    let st = &p.s.steps[k - 1];
    let c = if erl { "%%" } else { "#" };
    let who = match p.runners[k - 1] {
        Runner::Actor(pid) => format!("{}: ", p.names[pid.0 as usize]),
        Runner::Spawn(_) | Runner::Shell => String::new(),
    };
    body.push(format!(
        "{c} step {k} (line {}): {who}{}",
        st.span.line,
        one_line(&st.code)
    ));
    let lit = |pid: Pid| p.atom_lit(&p.atom(pid));
    // Processes that the model says die in this step: watched, so the script waits until they are gone.
    let dying: Vec<Pid> = (0..p.names.len() as u32)
        .map(Pid)
        .filter(|&q| p.alive_after(q, k - 1) && !p.alive_after(q, k))
        .collect();
    for &q in &dying {
        body.push(format!("watch({})", lit(q)));
    }
    match p.runners[k - 1] {
        Runner::Spawn(pid) => {
            let Op::Spawn { opts, .. } = &st.op else {
                unreachable!("a spawn runner runs a spawn op")
            };
            let first = p.fun(pid, p.next_own(pid, k).unwrap_or(0));
            body.push(if erl {
                format!(
                    "spawn_actor({}, {first}, {})",
                    lit(pid),
                    spawn_opts(opts, true)
                )
            } else {
                format!(
                    "spawn_actor({}, :{first}, {})",
                    lit(pid),
                    spawn_opts(opts, false)
                )
            });
        }
        Runner::Actor(pid) => {
            let hib = matches!(st.op, Op::Hibernate { .. });
            body.push(if hib {
                format!("run_hibernate({})", lit(pid))
            } else {
                format!("run({})", lit(pid))
            });
        }
        Runner::Shell => {
            match &st.op {
                Op::Exit { pid } => body.push(format!("kill({})", lit(*pid))),
                Op::GarbageCollect { pid } => body.push(format!("gc({})", lit(*pid))),
                Op::DetsOpen { table } => body.push(if erl {
                    format!("dets_open({table})")
                } else {
                    format!("dets_open(:{table})")
                }),
                Op::DetsClose { table } => body.push(if erl {
                    format!("dets_close({table})")
                } else {
                    format!("dets_close(:{table})")
                }),
                _ => return Err(err(
                    st.span,
                    "cannot export this top-level statement (only exit, garbage_collect and dets)",
                )),
            }
        }
    }
    for &q in &dying {
        body.push(format!("await_down({})", lit(q)));
    }
    // Values the actor of this step computed for checkpoints (now or later).
    for pr in p.probes.iter().filter(|pr| pr.at == k) {
        if !p.has_var(pr.pid, k, &pr.var) {
            continue;
        }
        body.push(match (pr.kind, erl) {
            (ProbeKind::Binary, true) => "witnessed()".to_string(),
            (ProbeKind::Binary, false) => "witnessed()".to_string(),
            (_, true) => format!("V{} = probe()", pr.line),
            (_, false) => format!("v{} = probe()", pr.line),
        });
    }
    body.push(format!("report({k})"));
    for e in st.expects() {
        let value = match &e.subject {
            Subject::Process(pid) => {
                let f = field_name(e.field);
                if erl {
                    format!("stat({}, {f})", lit(*pid))
                } else {
                    format!("stat({}, :{f})", lit(*pid))
                }
            }
            Subject::Var { pid, .. } | Subject::Binary { pid, .. } => {
                let pr = p
                    .probes
                    .iter()
                    .find(|pr| pr.line == e.span.line)
                    .expect("every variable checkpoint has a probe");
                let held = p.has_var(*pid, pr.at, &pr.var) && p.alive_after(*pid, k);
                match (pr.kind, held, erl) {
                    (_, false, true) => "none".to_string(),
                    (_, false, false) => ":none".to_string(),
                    (ProbeKind::Binary, true, _) => {
                        let f = if e.field == Field::Refc {
                            "refc"
                        } else {
                            "bytes"
                        };
                        if erl {
                            format!("witness_binary({}, {f})", pr.line)
                        } else {
                            format!("witness_binary({}, :{f})", pr.line)
                        }
                    }
                    (_, true, true) => format!("V{}", pr.line),
                    (_, true, false) => format!("v{}", pr.line),
                }
            }
            // Subjects outside processes (added after this was written): read from the checkpoint's text.
            #[allow(unreachable_patterns)]
            _ => other_subject(p, e.span.line),
        };
        body.push(format!("expect({k}, {}, {value})", e.span.line));
    }
    Ok(())
}

fn field_name(f: Field) -> &'static str {
    match f {
        Field::HeapSize => "heap_size",
        Field::HeapUsed => "heap_used",
        Field::StackSize => "stack_size",
        Field::TotalHeapSize => "total_heap_size",
        Field::OldHeapSize => "old_heap_size",
        Field::OldHeapUsed => "old_heap_used",
        Field::MbufSize => "mbuf_size",
        Field::HighWater => "high_water",
        Field::MinorGcs => "minor_gcs",
        Field::MessageQueueLen => "message_queue_len",
        Field::Memory => "memory",
        Field::BinVheapSize => "bin_vheap_size",
        Field::Size => "size",
        Field::FlatSize => "flat_size",
        Field::Refc => "refc",
        Field::Bytes => "bytes",
        // Fields added after this was written are not process fields.
        #[allow(unreachable_patterns)]
        _ => "not_measured",
    }
}

/// The coordinator's code for a checkpoint on something other than a process, from its text:
/// `ets(NAME).size` and `ets(NAME).memory` (`ets:info/2`), `system(atom_count)` and `system(CATEGORY)` (counted from
/// the script's start: `erlang:system_info(atom_count)`, `erlang:memory/1`); anything else prints `not_measured`,
/// a difference the test reports.
fn other_subject(p: &Plan<'_>, line: u32) -> String {
    let erl = p.erlang();
    let text = p.lines.get(line as usize - 1).map_or("", String::as_str);
    let subject: String = text
        .trim_start()
        .trim_start_matches("expect")
        .trim()
        .chars()
        .take_while(|c| !"=!<>".contains(*c))
        .filter(|c| !c.is_whitespace())
        .collect();
    let atom = |a: &str| if erl { a.to_string() } else { format!(":{a}") };
    let ident = |a: &str| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if let Some(rest) = subject.strip_prefix("ets(") {
        if let Some((name, field)) = rest.split_once(").") {
            if ident(name) && (field == "size" || field == "memory") {
                return format!("ets_info({}, {})", atom(name), atom(field));
            }
        }
    }
    if let Some(rest) = subject.strip_prefix("dets(") {
        if let Some((name, "size")) = rest.split_once(").") {
            if ident(name) {
                return format!("dets_info({}, {})", atom(name), atom("size"));
            }
        }
    }
    if let Some(name) = subject
        .strip_prefix("system(")
        .and_then(|r| r.strip_suffix(')'))
    {
        if ident(name) {
            return format!("system({})", atom(name));
        }
    }
    atom("not_measured")
}

fn header(p: &Plan<'_>, out: &mut String, c: &str, how: &str) {
    let s = p.s;
    let _ = writeln!(
        out,
        "{c} {} ({}.scn), exported by `beamviz export`.",
        s.title, s.id
    );
    let _ = writeln!(out, "{c} Run it: {how}");
    for l in [
        "",
        "Every actor is a real process and runs its statements compiled, as written in the scenario.",
        "The main process (the coordinator) runs the steps in lockstep: it sends `go`, the actor runs one",
        "statement, says `done` and waits again; then the coordinator prints every actor's memory as",
        "process_info/2 reports it (read from outside, so reading costs the actor nothing) and the checkpoints.",
        "Each actor step is a function whose arguments are the variables the scenario still holds: compiled code",
        "keeps a variable alive while it is used, so those, and only those, stay alive.",
        "`beamviz export SCENARIO --model` prints what the model computes, in the same format, for `diff`.",
    ] {
        if l.is_empty() {
            let _ = writeln!(out, "{c}");
        } else {
            let _ = writeln!(out, "{c} {l}");
        }
    }
    out.push('\n');
}

/// The escript, or with `module`, the same code as a module `beamviz_export` (for an `.exs` to compile).
fn escript(p: &Plan<'_>, out: &mut String, module: bool) -> Result<(), ExportError> {
    if module {
        let _ = writeln!(out, "-module(beamviz_export).");
        let _ = writeln!(out, "-export([main/1]).");
    } else {
        let _ = writeln!(out, "#!/usr/bin/env escript");
        header(p, out, "%%", &format!("escript {}.escript", p.s.id));
        let _ = writeln!(out, "-mode(compile).");
    }
    let _ = writeln!(
        out,
        "-compile([nowarn_unused_function, nowarn_unused_vars])."
    );
    let mut actors = String::new();
    let mut exports = Vec::new();
    for pid in (0..p.names.len() as u32).map(Pid) {
        actor_functions(p, pid, &mut actors, &mut exports)?;
    }
    let _ = writeln!(out, "%% Spawned and hibernated by name, so exported.");
    let _ = writeln!(out, "-export([{}, witness/0]).", exports.join(", "));
    let _ = writeln!(
        out,
        "%% Tell the coordinator the last step is done, then wait for the next: atoms cost no heap words."
    );
    let _ = writeln!(
        out,
        "-define(SYNC, begin beamviz_coord ! done, receive go -> ok end end).\n"
    );
    let mut body = vec![format!("start(\"{}\")", p.s.id)];
    witnesses(p, &mut body);
    for k in 1..=p.s.steps.len() {
        coordinator_step(p, k, &mut body)?;
    }
    body.push("finish()".to_string());
    function(out, true, "main", &["_".to_string()], &body);
    out.push_str(&actors);
    out.push_str(ERLANG_HELPERS);
    Ok(())
}

/// The `.exs`, or with `module`, only its module (for an escript to compile).
fn exs(p: &Plan<'_>, out: &mut String, module: bool) -> Result<(), ExportError> {
    if !module {
        header(p, out, "#", &format!("elixir {}.exs", p.s.id));
    }
    let _ = writeln!(out, "defmodule BeamvizExport do");
    let _ = writeln!(
        out,
        "  # Tell the coordinator the last step is done, then wait for the next: atoms cost no heap words."
    );
    let _ = writeln!(out, "  defmacrop sync do\n    quote do\n      send(:beamviz_coord, :done)\n\n      receive do\n        :go -> :ok\n      end\n    end\n  end\n");
    let mut body = vec![format!("start(\"{}\")", p.s.id)];
    witnesses(p, &mut body);
    for k in 1..=p.s.steps.len() {
        coordinator_step(p, k, &mut body)?;
    }
    body.push("finish()".to_string());
    function(out, false, "main", &[], &body);
    let mut exports = Vec::new();
    for pid in (0..p.names.len() as u32).map(Pid) {
        actor_functions(p, pid, out, &mut exports)?;
    }
    out.push_str(ELIXIR_HELPERS);
    let _ = writeln!(out, "end");
    if !module {
        let _ = writeln!(out, "\nBeamvizExport.main()");
    }
    Ok(())
}

/// One witness process per `binary(…)` checkpoint, started before the first step.
fn witnesses(p: &Plan<'_>, body: &mut Vec<String>) {
    for pr in p.probes.iter().filter(|pr| pr.kind == ProbeKind::Binary) {
        body.push(format!("spawn_witness({})", pr.line));
    }
}

/// What the model computes, in the script's output format: per step, one `step` line per actor declared so far
/// and one `expect` line per checkpoint; `scenario` first and `end` last.
///
/// # Errors
/// The first step the model cannot run.
pub fn model_report(s: &Scenario) -> Result<String, ExportError> {
    let mut out = String::new();
    let _ = writeln!(out, "scenario {}", s.id);
    let mut vm = Vm::new();
    for (i, st) in s.steps.iter().enumerate() {
        let k = i + 1;
        if let Err(e) = vm.apply(&st.op) {
            return Err(err(st.span, format!("step {k} fails in the model ({e})")));
        }
        let view = View::of(&vm);
        let names: Vec<String> = view.processes.iter().map(|p| p.name.clone()).collect();
        for (i, pr) in view.processes.iter().enumerate() {
            let _ = write!(out, "step {k} {}", script_name(&names, Pid(i as u32)));
            if !pr.alive {
                let _ = writeln!(out, " dead");
                continue;
            }
            let vals = [
                pr.heap_size,
                pr.heap_used,
                pr.stack_size,
                pr.high_water,
                pr.old_heap_size,
                pr.old_heap_used,
                pr.mbuf_size,
                pr.total_heap_size,
                pr.memory,
                pr.message_queue_len,
                u64::from(pr.minor_gcs),
                pr.bin_vheap_size,
                pr.bin_old_vheap_size,
            ];
            for (name, v) in STATS.iter().zip(vals) {
                let _ = write!(out, " {name}={v}");
            }
            out.push('\n');
        }
        for e in st.expects() {
            match super::evaluate(&vm, &view, e) {
                Some(v) => {
                    let _ = writeln!(out, "expect {k} line={} value={v}", e.span.line);
                }
                None => {
                    let _ = writeln!(out, "expect {k} line={} value=none", e.span.line);
                }
            }
        }
    }
    out.push_str("end\n");
    Ok(out)
}

/// The end of an `.exs` that runs an Erlang-syntax scenario: compile the module in `source`, then run it.
const EXS_RUNS_ERLANG: &str = r#"path = Path.join(System.tmp_dir!(), "beamviz_export_#{System.unique_integer([:positive])}.erl")
File.write!(path, source)
{:ok, module, beam} = :compile.file(String.to_charlist(path), [:binary, :report])
File.rm!(path)
{:module, _} = :code.load_binary(module, String.to_charlist(path), beam)
module.main([])
"#;

/// The end of an escript that runs an Elixir-syntax scenario: find the installed Elixir, compile the module in
/// `source()` with it, then run it.
const ESCRIPT_RUNS_ELIXIR: &str = r#"main(_) ->
    Elixir = os:find_executable("elixir"),
    Elixir =/= false orelse begin io:format("this scenario needs Elixir: `elixir` is not on the PATH~n"), halt(1) end,
    Lib = string:trim(os:cmd(Elixir ++ " -e 'IO.write(:code.lib_dir(:elixir))'")),
    code:add_pathsa(filelib:wildcard(filename:join([Lib, "..", "*", "ebin"]))),
    {ok, _} = application:ensure_all_started(elixir),
    [{Module, _} | _] = 'Elixir.Code':compile_string(source()),
    Module:main().
"#;

/// The coordinator's helpers in Erlang, the same in every export.
const ERLANG_HELPERS: &str = r#"%% ---- The coordinator's helpers: the same in every export. ----

start(Id) ->
    register(beamviz_coord, self()),
    %% A watchdog: a step that never finishes ends the script instead of hanging it.
    spawn(fun() -> timer:sleep(60000), io:format("timeout~n"), halt(3) end),
    put(actors, []),
    put({baseline, atom_count}, erlang:system_info(atom_count)),
    [put({baseline, K}, V) || {K, V} <- erlang:memory()],
    io:format("scenario ~s~n", [Id]).

finish() ->
    [dets_close(Name) || {{dets_file, Name}, _} <- get()],
    io:format("end~n").

%% The pid of an actor, `{actor, Name}`, or a witness, `{witness, Line}`: a persistent term, so reading it
%% builds nothing (the key is a literal).
pid(Key) -> persistent_term:get(Key).

%% The last use of a variable the scenario forgets (`_ = x`): after it, the variable is dead.
drop(_) -> ok.

spawn_actor(Name, Fun, Opts) ->
    %% spawn_opt/4 with no arguments: the new process starts with nothing on its heap.
    Pid = spawn_opt(?MODULE, Fun, [], Opts),
    persistent_term:put({actor, Name}, Pid),
    put(actors, get(actors) ++ [Name]),
    wait_done(Pid).

%% One step of an actor: `go`, then wait for its `done` (or its death, e.g. by max_heap_size).
run(Name) ->
    Pid = pid({actor, Name}),
    Pid ! go,
    wait_done(Pid).

wait_done(Pid) ->
    receive
        done -> ok
    after 20 ->
        case is_process_alive(Pid) of
            true -> wait_done(Pid);
            false -> ok
        end
    end.

%% A hibernating step: `done` comes before erlang:hibernate/3, so wait until the process is hibernated.
run_hibernate(Name) ->
    run(Name),
    wait_hibernated(pid({actor, Name})).

wait_hibernated(Pid) ->
    case process_info(Pid, current_function) of
        {current_function, {erlang, hibernate, 3}} -> ok;
        undefined -> ok;
        _ -> timer:sleep(1), wait_hibernated(Pid)
    end.

kill(Name) -> exit(pid({actor, Name}), kill).

gc(Name) -> erlang:garbage_collect(pid({actor, Name})).

%% A process the model says dies in this step is monitored just before it (a monitor costs the watched
%% process memory, so no actor is monitored otherwise), and the step ends when it is gone.
watch(Name) -> put({monitor, Name}, erlang:monitor(process, pid({actor, Name}))).

await_down(Name) ->
    Ref = get({monitor, Name}),
    receive {'DOWN', Ref, process, _, _} -> ok end,
    put({dead, Name}, true).

probe() -> receive N when is_integer(N) -> N end.

%% An ETS table's size or memory (words), or none when there is no such table.
ets_info(Table, Item) ->
    case ets:info(Table, Item) of
        undefined -> none;
        N -> N
    end.

%% The coordinator (the shell) opens a DETS table in a fresh file of its own, which closing deletes.
dets_open(Name) ->
    Dir = filename:join(os:getenv("TMPDIR", "/tmp"), "beamviz-" ++ os:getpid()),
    File = filename:join(Dir, atom_to_list(Name) ++ ".dets"),
    ok = filelib:ensure_dir(File),
    _ = file:delete(File),
    {ok, Name} = dets:open_file(Name, [{file, File}, {type, set}]),
    put({dets_file, Name}, File).

dets_close(Name) ->
    ok = dets:close(Name),
    _ = file:delete(erase({dets_file, Name})),
    ok.

%% A DETS table's `dets:info/2` item, or none when there is no such table.
dets_info(Table, Item) ->
    case dets:info(Table, Item) of
        undefined -> none;
        N -> N
    end.

%% A VM-wide number, counted from the script's start (the VM itself has atoms and memory of its own).
system(atom_count) -> erlang:system_info(atom_count) - get({baseline, atom_count});
system(Category) -> erlang:memory(Category) - get({baseline, Category}).

spawn_witness(Line) -> persistent_term:put({witness, Line}, spawn(?MODULE, witness, [])).

%% A witness keeps the term an actor sent it, so the coordinator can read the count of the binary in it.
witness() ->
    receive
        T ->
            Kept = case is_binary(T) of true -> T; false -> none end,
            erlang:garbage_collect(),
            beamviz_coord ! witnessed,
            receive stop -> Kept end
    end.

witnessed() -> receive witnessed -> ok end.

%% The binary a witness holds: its size or its count, less the references the witnesses themselves hold.
witness_binary(Line, Field) ->
    case process_info(pid({witness, Line}), binary) of
        {binary, [{Addr, Bytes, Refc} | _]} ->
            case Field of
                bytes -> Bytes;
                refc -> Refc - witness_refs(Addr)
            end;
        _ -> none
    end.

witness_refs(Addr) ->
    length([A || {{witness, _}, W} <- persistent_term:get(),
                 {binary, Bins} <- [process_info(W, binary)], {A, _, _} <- Bins, A =:= Addr]).

%% A dead process has no memory: every number is 0, as in the model.
stat(Name, Field) ->
    case stats(Name) of
        dead -> 0;
        Stats -> proplists:get_value(Field, Stats)
    end.

%% A process that is handling a message signal (another actor's send arriving while it waits for `go`) is
%% read only once it waits again, so its stack is the one it waits with.
settle(_Pid, 0) -> ok;
settle(Pid, N) ->
    case process_info(Pid, status) of
        {status, S} when S =:= running; S =:= runnable -> erlang:yield(), settle(Pid, N - 1);
        _ -> ok
    end.

%% The model's numbers, from process_info/2 (garbage_collection_info's heap_size is the used young heap).
stats(Name) ->
    Pid = pid({actor, Name}),
    settle(Pid, 10000),
    Items = [heap_size, stack_size, total_heap_size, memory, message_queue_len,
             garbage_collection, garbage_collection_info],
    case get({dead, Name}) =:= true orelse process_info(Pid, Items) of
        true -> dead;
        undefined -> dead;
        Info ->
            Gc = proplists:get_value(garbage_collection, Info),
            I = proplists:get_value(garbage_collection_info, Info),
            [{heap_size, proplists:get_value(heap_size, Info)},
             {heap_used, proplists:get_value(heap_size, I)},
             {stack_size, proplists:get_value(stack_size, Info)},
             {high_water, proplists:get_value(recent_size, I)},
             {old_heap_size, proplists:get_value(old_heap_block_size, I)},
             {old_heap_used, proplists:get_value(old_heap_size, I)},
             {mbuf_size, proplists:get_value(mbuf_size, I)},
             {total_heap_size, proplists:get_value(total_heap_size, Info)},
             {memory, proplists:get_value(memory, Info)},
             {message_queue_len, proplists:get_value(message_queue_len, Info)},
             {minor_gcs, proplists:get_value(minor_gcs, Gc)},
             {bin_vheap_size, proplists:get_value(bin_vheap_size, I)},
             {bin_old_vheap_size, proplists:get_value(bin_old_vheap_size, I)}]
    end.

report(Step) ->
    lists:foreach(
      fun(Name) ->
              case stats(Name) of
                  dead -> io:format("step ~b ~s dead~n", [Step, Name]);
                  Stats -> io:format("step ~b ~s~s~n", [Step, Name,
                                     [io_lib:format(" ~s=~b", [K, V]) || {K, V} <- Stats]])
              end
      end, get(actors)).

expect(Step, Line, Value) ->
    io:format("expect ~b line=~b value=~p~n", [Step, Line, Value]).

%% `xs = build(N, [])`: N cons cells, one at a time, as the model's BuildList.
build(0, Acc) -> Acc;
build(N, Acc) -> build(N - 1, [N | Acc]).

%% N new atoms, never collected; a loop, so no list of them is kept (each name is garbage at once).
make_atoms(Prefix, N) -> make_atoms(Prefix, 0, N).

make_atoms(_, N, N) -> ok;
make_atoms(Prefix, I, N) ->
    _ = list_to_atom(Prefix ++ integer_to_list(I)),
    make_atoms(Prefix, I + 1, N).
"#;

/// The coordinator's helpers in Elixir, the same in every export.
const ELIXIR_HELPERS: &str = r#"  # ---- The coordinator's helpers: the same in every export. ----

  def start(id) do
    Process.register(self(), :beamviz_coord)
    # A watchdog: a step that never finishes ends the script instead of hanging it.
    spawn(fn -> Process.sleep(60_000); IO.puts("timeout"); System.halt(3) end)
    Process.put(:actors, [])
    Process.put({:baseline, :atom_count}, :erlang.system_info(:atom_count))
    for {k, v} <- :erlang.memory(), do: Process.put({:baseline, k}, v)
    IO.puts("scenario #{id}")
  end

  def finish() do
    for {{:dets_file, name}, _} <- Process.get(), do: dets_close(name)
    IO.puts("end")
  end

  # The pid of an actor, `{:actor, name}`, or a witness, `{:witness, line}`: a persistent term, so reading it
  # builds nothing (the key is a literal).
  def pid(key), do: :persistent_term.get(key)

  # The last use of a variable the scenario forgets (`_ = x`): after it, the variable is dead.
  def drop(_), do: :ok

  def spawn_actor(name, fun, opts) do
    # spawn_opt/4 with no arguments: the new process starts with nothing on its heap.
    pid = :erlang.spawn_opt(__MODULE__, fun, [], opts)
    :persistent_term.put({:actor, name}, pid)
    Process.put(:actors, Process.get(:actors) ++ [name])
    wait_done(pid)
  end

  # One step of an actor: `go`, then wait for its `done` (or its death, e.g. by max_heap_size).
  def run(name) do
    pid = pid({:actor, name})
    send(pid, :go)
    wait_done(pid)
  end

  def wait_done(pid) do
    receive do
      :done -> :ok
    after
      20 -> if Process.alive?(pid), do: wait_done(pid), else: :ok
    end
  end

  # A hibernating step: `done` comes before :erlang.hibernate/3, so wait until the process is hibernated.
  def run_hibernate(name) do
    run(name)
    wait_hibernated(pid({:actor, name}))
  end

  def wait_hibernated(pid) do
    case Process.info(pid, :current_function) do
      {:current_function, {:erlang, :hibernate, 3}} -> :ok
      nil -> :ok
      _ -> Process.sleep(1); wait_hibernated(pid)
    end
  end

  def kill(name), do: Process.exit(pid({:actor, name}), :kill)

  def gc(name), do: :erlang.garbage_collect(pid({:actor, name}))

  # A process the model says dies in this step is monitored just before it (a monitor costs the watched
  # process memory, so no actor is monitored otherwise), and the step ends when it is gone.
  def watch(name), do: Process.put({:monitor, name}, Process.monitor(pid({:actor, name})))

  def await_down(name) do
    ref = Process.get({:monitor, name})

    receive do
      {:DOWN, ^ref, :process, _, _} -> :ok
    end

    Process.put({:dead, name}, true)
  end

  # An ETS table's size or memory (words), or :none when there is no such table.
  def ets_info(table, item) do
    case :ets.info(table, item) do
      :undefined -> :none
      n -> n
    end
  end

  # The coordinator (the shell) opens a DETS table in a fresh file of its own, which closing deletes.
  def dets_open(name) do
    dir = Path.join(System.get_env("TMPDIR", "/tmp"), "beamviz-" <> System.pid())
    file = Path.join(dir, Atom.to_string(name) <> ".dets")
    File.mkdir_p!(dir)
    File.rm(file)
    {:ok, ^name} = :dets.open_file(name, file: String.to_charlist(file), type: :set)
    Process.put({:dets_file, name}, file)
  end

  def dets_close(name) do
    :ok = :dets.close(name)
    File.rm(Process.delete({:dets_file, name}))
    :ok
  end

  # A DETS table's `:dets.info/2` item, or :none when there is no such table.
  def dets_info(table, item) do
    case :dets.info(table, item) do
      :undefined -> :none
      n -> n
    end
  end

  # A VM-wide number, counted from the script's start (the VM itself has atoms and memory of its own).
  def system(:atom_count), do: :erlang.system_info(:atom_count) - Process.get({:baseline, :atom_count})
  def system(category), do: :erlang.memory(category) - Process.get({:baseline, category})

  def spawn_witness(line), do: :persistent_term.put({:witness, line}, spawn(__MODULE__, :witness, []))

  def probe() do
    receive do
      n when is_integer(n) -> n
    end
  end

  # A witness keeps the term an actor sent it, so the coordinator can read the count of the binary in it.
  def witness() do
    receive do
      t ->
        kept = if is_binary(t), do: t, else: :none
        :erlang.garbage_collect()
        send(:beamviz_coord, :witnessed)

        receive do
          :stop -> kept
        end
    end
  end

  def witnessed() do
    receive do
      :witnessed -> :ok
    end
  end

  # The binary a witness holds: its size or its count, less the references the witnesses themselves hold.
  def witness_binary(line, field) do
    case Process.info(pid({:witness, line}), :binary) do
      {:binary, [{addr, bytes, refc} | _]} ->
        if field == :bytes, do: bytes, else: refc - witness_refs(addr)

      _ ->
        :none
    end
  end

  def witness_refs(addr) do
    length(
      for {{:witness, _}, w} <- :persistent_term.get(),
          {:binary, bins} <- [Process.info(w, :binary)],
          {a, _, _} <- bins,
          a == addr,
          do: a
    )
  end

  # A dead process has no memory: every number is 0, as in the model.
  def stat(name, field) do
    case stats(name) do
      :dead -> 0
      stats -> Keyword.fetch!(stats, field)
    end
  end

  # A process handling a message signal (another actor's send arriving while it waits for `go`) is read only
  # once it waits again, so its stack is the one it waits with.
  def settle(_pid, 0), do: :ok

  def settle(pid, n) do
    case Process.info(pid, :status) do
      {:status, s} when s in [:running, :runnable] ->
        :erlang.yield()
        settle(pid, n - 1)

      _ ->
        :ok
    end
  end

  # The model's numbers, from process_info/2 (garbage_collection_info's heap_size is the used young heap).
  def stats(name) do
    items = [:heap_size, :stack_size, :total_heap_size, :memory, :message_queue_len,
             :garbage_collection, :garbage_collection_info]

    info =
      if Process.get({:dead, name}) do
        nil
      else
        settle(pid({:actor, name}), 10000)
        Process.info(pid({:actor, name}), items)
      end

    case info do
      nil ->
        :dead

      info ->
        gc = info[:garbage_collection]
        i = info[:garbage_collection_info]

        [heap_size: info[:heap_size], heap_used: i[:heap_size], stack_size: info[:stack_size],
         high_water: i[:recent_size], old_heap_size: i[:old_heap_block_size],
         old_heap_used: i[:old_heap_size], mbuf_size: i[:mbuf_size],
         total_heap_size: info[:total_heap_size], memory: info[:memory],
         message_queue_len: info[:message_queue_len], minor_gcs: gc[:minor_gcs],
         bin_vheap_size: i[:bin_vheap_size], bin_old_vheap_size: i[:bin_old_vheap_size]]
    end
  end

  def report(step) do
    for name <- Process.get(:actors) do
      case stats(name) do
        :dead -> IO.puts("step #{step} #{name} dead")
        stats -> IO.puts("step #{step} #{name}" <> Enum.map_join(stats, fn {k, v} -> " #{k}=#{v}" end))
      end
    end
  end

  def expect(step, line, value), do: IO.puts("expect #{step} line=#{line} value=#{value}")

  # `xs = build(n, [])`: n cons cells, one at a time, as the model's BuildList.
  def build(0, acc), do: acc
  def build(n, acc), do: build(n - 1, [n | acc])

  # n new atoms, never collected; a loop, so no list of them is kept (each name is garbage at once).
  def make_atoms(prefix, n), do: make_atoms(prefix, 0, n)

  def make_atoms(_, n, n), do: :ok

  def make_atoms(prefix, i, n) do
    _ = String.to_atom(prefix <> Integer.to_string(i))
    make_atoms(prefix, i + 1, n)
  end
"#;

#[cfg(test)]
mod tests {
    use super::{other_subject, plan};

    #[test]
    fn checkpoints_outside_processes_are_read_from_their_text() {
        // The description lines stand in for checkpoints of kinds this parser does not know yet.
        let src = "# t\nexpect ets(cache).memory == 305\nexpect system(atom_count) >= 3\nexpect foo(x) == 1\n\nactor a\n";
        let s = crate::scenario::parse("t", src).expect("parses");
        let p = plan(&s, src).expect("plans");
        assert_eq!(other_subject(&p, 2), "ets_info(:cache, :memory)");
        assert_eq!(other_subject(&p, 3), "system(:atom_count)");
        assert_eq!(other_subject(&p, 4), ":not_measured");
    }
}
