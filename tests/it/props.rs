//! State-machine properties: random op sequences keep the VM consistent and GC preserves every reachable value.

use beamviz::{History, Op, Pid, SpawnOpts, Value, View, Vm};
use beamviz_tests::bound_values;
use proptest::prelude::*;

const VARS: [&str; 4] = ["A", "B", "C", "D"];

/// Erlang expressions over the variables: sharing, new objects, pattern bindings, new atoms, and failures
/// (unbound variables, `badarg`, `badarith`, `badmatch` on a second `{X, Y} = …`, a syntax error).
const EXPRS: [&str; 13] = [
    "{A, B}",
    "[A | B]",
    "[C, C, C]",
    "length(D)",
    "lists:seq(1, 60)",
    "binary:copy(<<1>>, 100)",
    "{X, Y} = {A, [B, 1]}",
    "maps:from_list([{K, A} || K <- lists:seq(1, 40)])",
    "list_to_atom(\"fresh\")",
    "<<1, 2, 3>>",
    "A + 1",
    "{A, #{k => B}, 1.5, 1 bsl 70}",
    "{1,",
];

fn value(depth: u32) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        (-5i64..5).prop_map(Value::Int),
        Just(Value::Int(i64::MAX)),
        prop::sample::select(VARS.to_vec()).prop_map(|v| Value::Var(v.into())),
        (0i64..3, 0i64..400).prop_map(|(a, n)| Value::Seq(a, a + n)),
        (0u64..200, any::<u8>()).prop_map(|(bytes, fill)| Value::Binary { bytes, fill }),
        Just(Value::Atom("ok".into())),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        3 => leaf,
        1 => prop::collection::vec(value(depth - 1), 0..4).prop_map(Value::Tuple),
        1 => prop::collection::vec(value(depth - 1), 0..4).prop_map(Value::List),
    ]
    .boxed()
}

fn op(n_procs: u32) -> impl Strategy<Value = Op> {
    let pid = (0..n_procs).prop_map(Pid);
    let var = prop::sample::select(VARS.to_vec()).prop_map(String::from);
    prop_oneof![
        10 => (pid.clone(), var.clone(), value(2)).prop_map(|(pid, var, value)| Op::Bind { pid, var, value }),
        4 => (pid.clone(), prop::option::of(var.clone()), prop::sample::select(EXPRS.to_vec())).prop_map(|(pid, var, src)| {
            Op::Eval { pid, var, src: src.into(), lang: beamviz::expr::Lang::Erlang }
        }),
        2 => (pid.clone(), var.clone()).prop_map(|(pid, var)| Op::Forget { pid, var }),
        2 => (pid.clone(), pid.clone(), var.clone()).prop_map(|(from, to, var)| Op::Send { from, to, var }),
        2 => (pid.clone(), var).prop_map(|(pid, var)| Op::Receive { pid, var }),
        1 => pid.clone().prop_map(|pid| Op::GarbageCollect { pid }),
        1 => pid.prop_map(|pid| Op::Exit { pid }),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    (1u32..4, 0u32..3).prop_flat_map(|(n, fullsweep)| {
        let spawns: Vec<Op> = (0..n)
            .map(|i| Op::Spawn {
                name: format!("p{i}"),
                opts: SpawnOpts {
                    fullsweep_after: [0, 2, 65535][fullsweep as usize],
                    ..SpawnOpts::default()
                },
            })
            .collect();
        prop::collection::vec(op(n), 1..200)
            .prop_map(move |rest| spawns.iter().cloned().chain(rest).collect())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// After every op the verifier passes; a failed op changes nothing; every bound value survives every GC.
    #[test]
    fn random_ops_keep_the_vm_consistent(ops in ops()) {
        let mut vm = Vm::new();
        for op in &ops {
            let before = vm.clone();
            let values_before = bound_values(&vm);
            if vm.apply(op).is_err() {
                prop_assert!(vm == before, "a failed op left a trace: {:?}", op);
                continue;
            }
            if let Err(e) = vm.check() {
                prop_assert!(false, "verifier failed after {:?}: {}", op, e);
            }
            // Values bound before the op and not rebound by it are unchanged, wherever the GC moved them.
            let after = bound_values(&vm);
            for (proc_name, var, value) in values_before {
                let rebound = match op {
                    Op::Bind { pid, var: v, .. } | Op::Forget { pid, var: v } | Op::Receive { pid, var: v } => {
                        vm.process(*pid).is_some_and(|p| p.name == proc_name) && *v == var
                    }
                    Op::Eval { pid, var: Some(v), .. } => {
                        vm.process(*pid).is_some_and(|p| p.name == proc_name) && *v == var
                    }
                    _ => false,
                };
                if rebound {
                    continue;
                }
                if let Some((_, _, now)) = after.iter().find(|(p, v, _)| *p == proc_name && *v == var) {
                    prop_assert_eq!(now, &value, "{}.{} changed by {:?}", proc_name, var, op);
                }
            }
        }
    }

    /// Seeking to any step gives the same view as running straight to it.
    #[test]
    fn seek_equals_straight_run(ops in ops(), targets in prop::collection::vec(0usize..200, 1..6)) {
        let mut h = History::new(ops);
        for t in targets {
            let t = t.min(h.len());
            h.seek(t);
            let mut straight = Vm::new();
            for op in h.ops().take(t) {
                straight.apply(&op).unwrap();
            }
            prop_assert_eq!(View::of(h.vm()), View::of(&straight), "step {}", t);
        }
    }
}

/// The generators reach the interesting states: minor and major GCs, promotion, freed binaries.
#[test]
fn generated_runs_cover_minor_and_major_gcs() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut minors, mut majors, mut freed, mut evals) = (0, 0, 0, 0);
    for _ in 0..64 {
        let ops = ops().new_tree(&mut runner).unwrap().current();
        let mut vm = Vm::new();
        for op in &ops {
            if vm.apply(op).is_ok() {
                evals += usize::from(matches!(op, Op::Eval { .. }));
                for e in vm.drain_events() {
                    match e {
                        beamviz::Event::GcFinished {
                            kind: beamviz::event::GcKind::Minor,
                            ..
                        } => minors += 1,
                        beamviz::Event::GcFinished {
                            kind: beamviz::event::GcKind::Major,
                            ..
                        } => majors += 1,
                        beamviz::Event::BinaryFreed { .. } => freed += 1,
                        _ => {}
                    }
                }
            }
        }
    }
    assert!(
        minors > 30 && majors > 50 && freed > 20 && evals > 100,
        "minors {minors}, majors {majors}, freed {freed}, evals {evals}"
    );
}
