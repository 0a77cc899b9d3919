//! Mechanism tests for the core.

use crate::history::History;
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
    let mut h = History::new(s.ops());
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
