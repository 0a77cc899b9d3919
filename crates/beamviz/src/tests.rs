//! Mechanism tests for the core.

use crate::op::{Op, Value};
use crate::process::{Pid, SpawnOpts};
use crate::scenario;
use crate::view::View;
use crate::vm::Vm;

#[track_caller]
fn run(ops: &[Op]) -> Vm {
    let mut vm = Vm::new();
    for op in ops {
        vm.apply(op).unwrap();
        vm.check().unwrap();
    }
    vm
}

fn spawn(name: &str) -> Op {
    Op::Spawn {
        name: name.into(),
        opts: SpawnOpts::default(),
    }
}

fn bind(pid: u32, var: &str, value: Value) -> Op {
    Op::Bind {
        pid: Pid(pid),
        var: var.into(),
        value,
    }
}

#[test]
fn fresh_process_has_233_words_and_a_one_word_stack() {
    let vm = run(&[spawn("a")]);
    let p = &View::of(&vm).processes[0];
    assert_eq!((p.heap_size, p.stack_size, p.heap_used), (233, 1, 0));
}

#[test]
fn lifecycle_scenario_runs_and_verifies_after_every_step() {
    let s = scenario::builtin("process-lifecycle").unwrap();
    let mut vm = Vm::new();
    let mut refcs = Vec::new();
    for step in &s.steps {
        vm.apply(&step.op).unwrap();
        vm.check().unwrap();
        refcs.push(vm.binaries().iter().next().map_or(0, |(_, b)| b.refc));
    }
    assert_eq!(refcs, [0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0]);
}

#[test]
fn dropped_binary_stays_counted_until_gc() {
    let vm = run(&[
        spawn("a"),
        bind(
            0,
            "b",
            Value::Binary {
                bytes: 100,
                fill: 1,
            },
        ),
        Op::Forget {
            pid: Pid(0),
            var: "b".into(),
        },
    ]);
    assert_eq!(vm.binaries().iter().next().unwrap().1.refc, 1);
    let mut vm = vm;
    vm.apply(&Op::GarbageCollect { pid: Pid(0) }).unwrap();
    vm.check().unwrap();
    assert_eq!(
        vm.binaries().iter().count(),
        0,
        "the GC swept the dead ProcBin and freed the binary"
    );
}

#[test]
fn send_loses_sharing() {
    let vm = run(&[
        spawn("a"),
        spawn("b"),
        bind(0, "l", Value::Seq(1, 10)),
        bind(
            0,
            "t",
            Value::Tuple(vec![
                Value::Var("l".into()),
                Value::Var("l".into()),
                Value::Var("l".into()),
            ]),
        ),
        Op::Send {
            from: Pid(0),
            to: Pid(1),
            var: "t".into(),
        },
        Op::Receive {
            pid: Pid(1),
            var: "m".into(),
        },
    ]);
    let v = View::of(&vm);
    let t = v.processes[0].vars.iter().find(|v| v.name == "t").unwrap();
    assert_eq!((t.size, t.flat_size), (24, 64));
    let m = &v.processes[1].vars[0];
    assert_eq!((m.size, m.flat_size), (64, 64));
}

#[test]
fn live_list_survives_many_gcs_unchanged() {
    let mut ops = vec![spawn("a"), bind(0, "keep", Value::Seq(1, 300))];
    for i in 0..40 {
        ops.push(bind(0, "junk", Value::Seq(0, 100 + i)));
    }
    let vm = run(&ops);
    let v = View::of(&vm);
    let keep = &v.processes[0].vars[0];
    assert_eq!(keep.size, 600);
    assert!(keep.preview.starts_with("[1,2,3,"));
    assert!(v.processes[0].minor_gcs_total > 0, "minor GCs happened");
}

#[test]
fn seek_equals_straight_run() {
    let s = scenario::builtin("process-lifecycle").unwrap();
    let mut h = s.history();
    for target in [5, 2, 13, 0, 9, 9, 12] {
        h.seek(target);
        let mut straight = Vm::new();
        for op in &s.ops()[..target] {
            straight.apply(op).unwrap();
        }
        straight.drain_events().for_each(drop);
        assert_eq!(View::of(h.vm()), View::of(&straight), "step {target}");
    }
}

fn eval(pid: u32, var: Option<&str>, src: &str) -> Op {
    Op::Eval {
        pid: Pid(pid),
        var: var.map(Into::into),
        src: src.into(),
        lang: crate::expr::Lang::Erlang,
    }
}

/// `Eval` builds exactly what `Bind` builds for the same term, and shares the process's own terms.
#[test]
fn eval_installs_like_bind() {
    let by_bind = run(&[spawn("a"), bind(0, "L", Value::Seq(1, 20))]);
    let by_eval = run(&[spawn("a"), eval(0, Some("L"), "lists:seq(1, 20)")]);
    assert_eq!(View::of(&by_bind), View::of(&by_eval));
    let vm = run(&[
        spawn("a"),
        eval(0, Some("L"), "lists:seq(1, 20)"),
        eval(0, Some("T"), "{L, L, length(L)}"),
    ]);
    let p = &View::of(&vm).processes[0];
    // 40 words of list, 4 of tuple; two variables on the stack.
    assert_eq!((p.heap_used, p.stack_size), (44, 3));
    let t = p.vars.iter().find(|v| v.name == "T").expect("T bound");
    assert_eq!((t.size, t.flat_size), (44, 84));
}

/// Pattern bindings become variables; new atoms are interned; a rebound variable's old value is garbage.
#[test]
fn eval_binds_patterns_atoms_and_rebinds() {
    let mut vm = run(&[
        spawn("a"),
        eval(0, None, "{X, Y} = {list_to_atom(\"fresh_one\"), [1, 2]}"),
        eval(0, Some("X"), "lists:seq(1, 3)"),
    ]);
    assert!(vm.atoms().iter().any(|a| a == "fresh_one"));
    let p = vm.process(Pid(0)).expect("a");
    let names: alloc::vec::Vec<&str> = p.vars().map(|(n, _)| n).collect();
    assert_eq!(names, ["X", "Y"]);
    vm.apply(&Op::GarbageCollect { pid: Pid(0) }).unwrap();
    vm.check().unwrap();
    // Live: X (6 words); Y is the constant `[1, 2]`, a literal outside the heap; the tuple and the first X are gone.
    assert_eq!(View::of(&vm).processes[0].heap_used, 6);
}

/// A failing expression is an error with its location in the expression, and changes nothing.
#[test]
fn failed_eval_leaves_the_vm_unchanged() {
    use crate::expr::{EvalErrorKind, ParseErrorKind, Span};
    use crate::vm::OpError;
    let mut vm = run(&[spawn("a"), eval(0, Some("L"), "[1]")]);
    let before = vm.clone();
    let cases = [
        (
            "{1,",
            OpError::Syntax(crate::expr::ParseError {
                kind: ParseErrorKind::UnexpectedEnd,
                span: Span { line: 1, col: 4 },
            }),
        ),
        (
            "L + 1",
            OpError::Eval(crate::expr::EvalError {
                kind: EvalErrorKind::BadArith,
                span: Span { line: 1, col: 3 },
            }),
        ),
        (
            "{Nope}",
            OpError::Eval(crate::expr::EvalError {
                kind: EvalErrorKind::Unbound,
                span: Span { line: 1, col: 2 },
            }),
        ),
    ];
    for (src, want) in cases {
        assert_eq!(vm.apply(&eval(0, Some("M"), src)), Err(want), "{src}");
        assert!(vm == before, "{src} left a trace");
    }
    assert_eq!(vm.apply(&eval(7, None, "1")), Err(OpError::UnknownPid));
}

/// The heap test of an `Eval` keeps pattern bindings that point into the old heap alive and correct.
#[test]
fn eval_bindings_survive_the_gc_of_their_own_install() {
    let mut ops = alloc::vec![spawn("a"), eval(0, Some("L"), "lists:seq(1, 100)")];
    for _ in 0..5 {
        ops.push(eval(0, None, "{A, B} = {L, lists:seq(1, 30)}"));
        ops.push(Op::Forget {
            pid: Pid(0),
            var: "A".into(),
        });
        ops.push(Op::Forget {
            pid: Pid(0),
            var: "B".into(),
        });
    }
    ops.push(eval(0, None, "{A, B} = {L, lists:seq(1, 30)}"));
    let vm = run(&ops);
    let p = &View::of(&vm).processes[0];
    let a = p.vars.iter().find(|v| v.name == "A").expect("A");
    assert_eq!(a.flat_size, 200);
}

#[test]
fn builtin_titles_are_the_titles_of_the_builtin_files() {
    assert_eq!(scenario::BUILTIN_TITLES.len(), scenario::BUILTIN.len());
    for (id, title) in scenario::BUILTIN.iter().zip(scenario::BUILTIN_TITLES) {
        assert_eq!(scenario::builtin(id).unwrap().title, *title, "{id}");
    }
}
