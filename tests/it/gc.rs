//! The GC model against real-BEAM measurements (`tests/oracle/gc_oracle.tsv`, from `gc_trace.escript` on OTP 25.2.3).

use beamviz::process::{Pid, SpawnOpts};
use beamviz::Op;
use beamviz_tests::{num, records, Driver};

fn build(d: &mut Driver, pid: Pid, var: &str, n: u64) {
    d.op(Op::BuildList {
        pid,
        var: var.into(),
        n,
    });
}

/// Scenario a: a worker builds N cons cells, checkpoints, runs `erlang:garbage_collect()`.
fn scenario_a(n: u64) -> (u64, u64, u64) {
    let mut d = Driver::default();
    let w = d.worker(SpawnOpts::default(), 15, 6);
    build(&mut d, w, "L", n);
    d.checkpoint(w);
    d.op(Op::GarbageCollect { pid: w });
    let p = d.p(w);
    // `process_info(P, memory)`: the measuring harness monitors the worker, which adds a 64-byte monitor.
    assert_eq!(
        p.memory_bytes() + MONITOR_BYTES,
        beamviz::process::PROCESS_STRUCT_BYTES + MONITOR_BYTES + 8 * p.total_heap_size()
    );
    (p.heap_size(), p.high_water, p.total_heap_size())
}

/// The bytes a monitor adds to `process_info(P, memory)` (measured: 840 − 776).
const MONITOR_BYTES: u64 = 64;

#[test]
fn a_heap_size_after_gc_for_each_live_size() {
    let mut bad = Vec::new();
    let recs = records("gc_oracle.tsv", "a");
    assert_eq!(recs.len(), 33);
    for r in &recs {
        let n = num(r, "n");
        let got = scenario_a(n);
        let want = (num(r, "heap_size"), num(r, "recent"), num(r, "total"));
        if got != want {
            bad.push(format!("n={n}: model {got:?}, BEAM {want:?}"));
        }
        let memory = beamviz::process::PROCESS_STRUCT_BYTES + MONITOR_BYTES + 8 * got.2;
        if memory != num(r, "memory") {
            bad.push(format!("n={n}: memory {memory}, BEAM {}", num(r, "memory")));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// One GC of the model: (kind, young block, old block, live words, unused).
type GcRow = (String, u64, u64, u64, u64);

/// The model's GC sequence while `f` runs: (kind, young block, old block, young used, old used) after each GC.
fn gc_sequence(d: &mut Driver, pid: Pid, op: Op) -> Vec<(String, u64, u64, u64, u64)> {
    d.vm.apply(&op).expect("op");
    let mut seq = Vec::new();
    let evs: Vec<_> = d.vm.drain_events().collect();
    // Replay the events: each GcFinished has the block sizes; used sizes come from `live`.
    for e in evs {
        match e {
            beamviz::Event::MinorGcAborted { pid: p } if p == pid => {
                seq.push(("aborted".to_string(), 0, 0, 0, 0));
            }
            beamviz::Event::GcFinished {
                pid: p,
                kind,
                heap_after,
                old_after,
                live,
                ..
            } if p == pid => {
                seq.push((kind.to_string(), heap_after, old_after, live, 0));
            }
            _ => {}
        }
    }
    d.vm.check().expect("check");
    seq
}

fn d2_model() -> (Driver, Pid, Vec<GcRow>) {
    d_model(SpawnOpts::default(), 26, 1_000_000)
}

/// `d_worker(Parent, false)`: the list grows to `n` cons cells with no explicit GC.
///
/// `args_words` is the garbage the worker starts with: 26 in `gc_trace.escript`'s run, 27 when the scenario runs
/// first in a fresh VM (measured: the first GC then comes at 224 used words instead of 223; the cause is outside
/// the worker's code, in the measuring harness's VM state).
fn d_model(opts: SpawnOpts, args_words: u64, n: u64) -> (Driver, Pid, Vec<GcRow>) {
    let mut d = Driver::default();
    let w = d.worker(opts, args_words, 4);
    d.checkpoint(w);
    d.op(Op::PushFrame {
        pid: w,
        words: 1,
        heap: 0,
    });
    let seq = gc_sequence(
        &mut d,
        w,
        Op::BuildList {
            pid: w,
            var: "L".into(),
            n,
        },
    );
    (d, w, seq)
}

#[test]
fn d2_gc_sequence_while_a_list_grows_to_a_million() {
    let (_d, _w, seq) = d2_model();
    let recs = records("gc_oracle.tsv", "d2gc");
    let want: Vec<(String, u64, u64, u64)> = recs
        .iter()
        .map(|r| {
            let ty = r["type"].clone();
            if ty == "aborted" {
                (ty, 0, 0, 0)
            } else {
                (
                    ty,
                    num(r, "heap"),
                    num(r, "old"),
                    num(r, "used") + num(r, "old_used"),
                )
            }
        })
        .collect();
    let got: Vec<(String, u64, u64, u64)> =
        seq.iter().map(|s| (s.0.clone(), s.1, s.2, s.3)).collect();
    for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
        println!(
            "{i}: model {g:?} beam {w:?} {}",
            if g == w { "" } else { "<<<" }
        );
    }
    assert_eq!(got, want);
}

fn opts_min_heap(opt: &str) -> SpawnOpts {
    match opt {
        "default" => SpawnOpts::default(),
        n => SpawnOpts {
            min_heap_size: n.parse().expect("number"),
            ..SpawnOpts::default()
        },
    }
}

/// Scenario c: `c_worker` with a `min_heap_size` option; (step, heap_size, total_heap_size, minor_gcs, min_heap_size).
fn scenario_c(opt: &str) -> Vec<(String, u64, u64, u64, u64)> {
    let mut d = Driver::default();
    let mut out = Vec::new();
    let snap = |d: &Driver, pid: Pid, step: &str, out: &mut Vec<(String, u64, u64, u64, u64)>| {
        let p = d.p(pid);
        out.push((
            step.to_string(),
            p.heap_size(),
            p.total_heap_size(),
            u64::from(p.gen_gcs),
            p.min_heap_size,
        ));
    };
    let idle = d.spawn("idle", opts_min_heap(opt));
    snap(&d, idle, "idle_fresh", &mut out);
    let w = d.worker(opts_min_heap(opt), 14, 4);
    d.checkpoint(w);
    snap(&d, w, "started", &mut out);
    build(&mut d, w, "L1", 100);
    d.checkpoint(w);
    snap(&d, w, "built_100_cons", &mut out);
    // c_phase_big/1: a frame of its own.
    d.op(Op::PushFrame {
        pid: w,
        words: 3,
        heap: 0,
    });
    build(&mut d, w, "L2", 10000);
    d.checkpoint(w);
    snap(&d, w, "built_10000_more_cons", &mut out);
    d.op(Op::PopFrame { pid: w, words: 1 });
    d.op(Op::GarbageCollect { pid: w });
    d.checkpoint(w);
    snap(&d, w, "gc_holding_10100_cons", &mut out);
    d.op(Op::Forget {
        pid: w,
        var: "L2".into(),
    });
    d.op(Op::PopFrame { pid: w, words: 2 });
    d.op(Op::GarbageCollect { pid: w });
    d.checkpoint(w);
    snap(&d, w, "gc_after_dropping_10000", &mut out);
    d.op(Op::Forget {
        pid: w,
        var: "L1".into(),
    });
    d.op(Op::PopFrame { pid: w, words: 1 });
    d.op(Op::GarbageCollect { pid: w });
    d.checkpoint(w);
    snap(&d, w, "gc_holding_nothing", &mut out);
    out
}

#[test]
fn c_min_heap_size_rounding_and_floors() {
    let recs = records("gc_oracle.tsv", "c");
    assert_eq!(recs.len(), 42);
    let mut bad = Vec::new();
    for opt in ["default", "100", "233", "1000", "5000", "50000"] {
        let got = scenario_c(opt);
        let want: Vec<_> = recs
            .iter()
            .filter(|r| r["opt"] == opt)
            .map(|r| {
                (
                    r["step"].clone(),
                    num(r, "heap_size"),
                    num(r, "total"),
                    num(r, "minor_gcs"),
                    num(r, "min"),
                )
            })
            .collect();
        if got != want {
            bad.push(format!("{opt}:\n model {got:?}\n BEAM  {want:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Scenario b: build N cons, hibernate with `[Parent, L]`, wake, receive, GC.
/// (step, heap_size, old heap block, old heap used, total_heap_size, stack_size).
fn scenario_b(n: u64) -> Vec<(String, u64, u64, u64, u64, u64)> {
    let mut d = Driver::default();
    let mut out = Vec::new();
    let snap =
        |d: &Driver, pid: Pid, step: &str, out: &mut Vec<(String, u64, u64, u64, u64, u64)>| {
            let p = d.p(pid);
            out.push((
                step.to_string(),
                p.heap_size(),
                p.old_heap_size(),
                p.old_htop,
                p.total_heap_size(),
                p.stack_size(),
            ));
        };
    let w = d.worker(SpawnOpts::default(), 15, 4);
    d.op(Op::Bind {
        pid: w,
        var: "Parent".into(),
        value: beamviz::Value::Atom("parent".into()),
    });
    build(&mut d, w, "L", n);
    d.checkpoint(w);
    snap(&d, w, "pre_hibernate", &mut out);
    d.op(Op::Hibernate { pid: w });
    snap(&d, w, "while_hibernated", &mut out);
    d.op(Op::Wake { pid: w, extra: 2 });
    d.checkpoint(w);
    snap(&d, w, "woken_before_receive", &mut out);
    d.checkpoint(w);
    d.op(Op::GarbageCollect { pid: w });
    d.checkpoint(w);
    snap(&d, w, "after_explicit_gc", &mut out);
    out
}

#[test]
fn b_hibernate_sizes_before_during_after() {
    let recs = records("gc_oracle.tsv", "b");
    assert_eq!(recs.len(), 28);
    let mut bad = Vec::new();
    for n in [0, 10, 100, 1000, 10000, 100000, 200000] {
        let got = scenario_b(n);
        let want: Vec<_> = recs
            .iter()
            .filter(|r| num(r, "n") == n)
            .map(|r| {
                (
                    r["step"].clone(),
                    num(r, "heap_size"),
                    num(r, "old"),
                    num(r, "old_used"),
                    num(r, "total"),
                    num(r, "stack"),
                )
            })
            .collect();
        if got != want {
            bad.push(format!("{n}:\n model {got:?}\n BEAM  {want:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn d2_final_state_after_a_million_cons() {
    let (mut d, w, _) = d2_model();
    // checkpoint(Parent, final, #{elements => length(L)}): a 1-key map (3 words with its literal keys tuple... the
    // size does not matter here: the gap is large) and the 5-word message tuple.
    d.checkpoint(w);
    let r = &records("gc_oracle.tsv", "d2final")[0];
    let p = d.p(w);
    assert_eq!(
        (
            p.heap_size(),
            p.old_heap_size(),
            p.old_htop,
            p.total_heap_size(),
            u64::from(p.gen_gcs)
        ),
        (
            num(r, "heap_size"),
            num(r, "old"),
            num(r, "old_used"),
            num(r, "total"),
            num(r, "minor_gcs")
        )
    );
}

fn bind(d: &mut Driver, pid: Pid, var: &str, value: beamviz::Value) {
    d.op(Op::Bind {
        pid,
        var: var.into(),
        value,
    });
}

fn eval(d: &mut Driver, pid: Pid, var: &str, src: &str) {
    d.op(Op::Eval {
        pid,
        var: Some(var.into()),
        src: src.into(),
        lang: beamviz::expr::Lang::Erlang,
    });
}

fn var(name: &str) -> beamviz::Value {
    beamviz::Value::Var(name.into())
}

/// Scenario g: build a term, GC, send it; the receiver GCs. (sender live words, receiver live words).
fn scenario_g(term: &str) -> (u64, u64) {
    scenario_g_vm(term).0
}

/// Scenario g, with the driver left after the receiver's GC.
fn scenario_g_vm(term: &str) -> ((u64, u64), Driver) {
    scenario_g_with(term, beamviz::vm::Switches::default())
}

/// Scenario g on an emulator with these switches.
fn scenario_g_with(term: &str, switches: beamviz::vm::Switches) -> ((u64, u64), Driver) {
    use beamviz::Value;
    let mut d = Driver {
        vm: beamviz::Vm::with_switches(switches),
    };
    let s = d.spawn("sender", SpawnOpts::default());
    let r = d.spawn("receiver", SpawnOpts::default());
    match term {
        "shared_list_x3" => {
            build(&mut d, s, "L", 1000);
            bind(
                &mut d,
                s,
                "T",
                Value::Tuple(vec![var("L"), var("L"), var("L")]),
            );
            d.op(Op::Forget {
                pid: s,
                var: "L".into(),
            });
        }
        "doubling_tuple_depth_10" => {
            bind(&mut d, s, "T", Value::Atom("leaf".into()));
            for _ in 0..10 {
                bind(&mut d, s, "T", Value::Tuple(vec![var("T"), var("T")]));
            }
        }
        "refc_binary_x2" => {
            bind(
                &mut d,
                s,
                "B",
                Value::Binary {
                    bytes: 1000,
                    fill: 1,
                },
            );
            bind(&mut d, s, "T", Value::List(vec![var("B"), var("B")]));
            d.op(Op::Forget {
                pid: s,
                var: "B".into(),
            });
        }
        "sub_binary_of_refc" => {
            // The escript's fun does not keep `B`; the evaluator binds it, so forget it.
            eval(
                &mut d,
                s,
                "T",
                "begin B = binary:copy(<<1>>, 1000), binary:part(B, 0, 500) end",
            );
            d.op(Op::Forget {
                pid: s,
                var: "B".into(),
            });
        }
        other => panic!("scenario g term {other} is not modelled"),
    }
    d.op(Op::GarbageCollect { pid: s });
    let sender_live = d.p(s).high_water;
    d.op(Op::Send {
        from: s,
        to: r,
        var: "T".into(),
    });
    d.op(Op::Receive {
        pid: r,
        var: "T".into(),
    });
    d.op(Op::GarbageCollect { pid: r });
    let receiver_live = d.p(r).high_water;
    ((sender_live, receiver_live), d)
}

/// Scenario g, `binary:part(B1000, 0, 500)`: the sender keeps a 5-word sub-binary and the 6-word ProcBin it points
/// to (11 words); the send copies a byte-aligned sub-binary as a plain 6-word ProcBin (`size_object`,
/// `copy_struct`) that still points into the whole 1000-byte binary, whose refc goes to 2.
#[test]
fn g_send_of_a_sub_binary_shares_the_whole_binary() {
    let (live, d) = scenario_g_vm("sub_binary_of_refc");
    assert_eq!(live, (11, 6));
    let view = beamviz::View::of(&d.vm);
    let bins: Vec<(u64, u32, Vec<u32>)> = view
        .binaries
        .iter()
        .map(|b| (b.bytes, b.refc, b.holders.iter().map(|h| h.pid).collect()))
        .collect();
    assert_eq!(bins, vec![(1000, 2, vec![0, 1])]);
    let flat = |pid: u32| {
        view.processes[pid as usize]
            .vars
            .iter()
            .find(|v| v.name == "T")
            .map(|v| (v.size, v.flat_size))
    };
    // The oracle: erts_debug:size and flat_size are 6 on both sides.
    assert_eq!((flat(0), flat(1)), (Some((6, 6)), Some((6, 6))));
}

#[test]
fn g_live_words_after_a_send() {
    let recs = records("gc_oracle.tsv", "g");
    assert_eq!(recs.len(), 4);
    for r in &recs {
        let term = r["term"].as_str();
        assert_eq!(
            scenario_g(term),
            (num(r, "sender"), num(r, "receiver")),
            "{term}"
        );
    }
}

/// With the sharing-preserving emulator (`--enable-sharing-preserving`), the receiver's live words after the
/// send equal the sender's `erts_debug:size/1` of the message (the oracle's `size`), not its `flat_size/1`:
/// `{L, L, L}` stops tripling.
#[test]
fn g_sharing_preserving_send_copies_size_not_flat_size() {
    let switches = beamviz::vm::Switches {
        sharing_preserving: true,
        ..Default::default()
    };
    let mut seen = Vec::new();
    for r in records("gc_oracle.tsv", "g") {
        let term = r["term"].as_str();
        let ((_, receiver), d) = scenario_g_with(term, switches);
        let view = beamviz::View::of(&d.vm);
        let size = view.processes[0]
            .vars
            .iter()
            .find(|v| v.name == "T")
            .map(|v| v.size)
            .expect("the sender holds T");
        assert_eq!(
            receiver, size,
            "{term}: receiver live words = sender's size/1"
        );
        seen.push((term.to_string(), receiver, num(&r, "flat")));
    }
    // The terms with sharing arrive smaller than their flat copies: 2004 words instead of 6004, 30 instead of 3069.
    assert!(seen
        .iter()
        .any(|(t, got, flat)| t == "shared_list_x3" && *got == 2004 && *flat == 6004));
    assert!(seen
        .iter()
        .any(|(t, got, flat)| t == "doubling_tuple_depth_10" && *got == 30 && *flat == 3069));
}

/// One step of scenario f: per process (a, b, c), whether it is alive, the `process_info(P, binary)` list as
/// (label, bytes, refc) and the held terms as (name, `erts_debug:size`, `erts_debug:flat_size`), by name.
type FStep = Vec<(
    String,
    bool,
    Vec<(String, u64, u32)>,
    Vec<(String, u64, u64)>,
)>;

/// Scenario f: actors A, B and C share a refc binary; C keeps only a sub-binary of it, later a copy.
fn scenario_f(bytes: u64) -> Vec<(String, FStep)> {
    use beamviz::Value;
    let mut d = Driver::default();
    let a = d.spawn("a", SpawnOpts::default());
    let b = d.spawn("b", SpawnOpts::default());
    let c = d.spawn("c", SpawnOpts::default());
    let mut labels: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    let mut snap = |d: &Driver, step: &str, out: &mut Vec<(String, FStep)>| {
        let view = beamviz::View::of(&d.vm);
        let mut per = Vec::new();
        for (name, pid) in [("a", a), ("b", b), ("c", c)] {
            let pv = &view.processes[pid.0 as usize];
            let mut bins = Vec::new();
            for id in &pv.binaries {
                let bv = view
                    .binaries
                    .iter()
                    .find(|x| x.id == *id)
                    .expect("live binary");
                let label = match labels.iter().position(|l| l == id) {
                    Some(i) => i + 1,
                    None => {
                        labels.push(*id);
                        labels.len()
                    }
                };
                bins.push((format!("bin{label}"), bv.bytes, bv.refc));
            }
            // The oracle's state-map keys (the model's variables are capitalised to be Erlang variables).
            let mut held: Vec<(String, u64, u64)> = pv
                .vars
                .iter()
                .map(|v| {
                    let key = match v.name.as_str() {
                        "Small" => "small_part".to_string(),
                        other => other.to_lowercase(),
                    };
                    (key, v.size, v.flat_size)
                })
                .collect();
            held.sort();
            per.push((name.to_string(), pv.alive, bins, held));
        }
        out.push((step.to_string(), per));
    };
    snap(&d, "s0_spawned", &mut out);
    bind(&mut d, a, "Bin", Value::Binary { bytes, fill: 1 });
    snap(&d, "s1_a_created_binary", &mut out);
    for to in [b, c] {
        d.op(Op::Send {
            from: a,
            to,
            var: "Bin".into(),
        });
        d.op(Op::Receive {
            pid: to,
            var: "Bin".into(),
        });
    }
    snap(&d, "s2_sent_to_b_and_c", &mut out);
    d.op(Op::Exit { pid: b });
    snap(&d, "s3_b_killed", &mut out);
    // A 5-word sub-binary keeping the whole binary alive, and a piece of at most 64 bytes copied into a heap
    // binary (OTP 25's `erts_extract_sub_binary`), which holds nothing.
    eval(&mut d, c, "Sub", "binary:part(Bin, 10, 80)");
    eval(&mut d, c, "Small", "binary:part(Bin, 0, 8)");
    d.op(Op::Forget {
        pid: c,
        var: "Bin".into(),
    });
    d.op(Op::GarbageCollect { pid: c });
    snap(&d, "s4_c_kept_only_sub_binary", &mut out);
    d.op(Op::Forget {
        pid: a,
        var: "Bin".into(),
    });
    snap(&d, "s5a_a_dropped_no_gc", &mut out);
    d.op(Op::GarbageCollect { pid: a });
    snap(&d, "s5b_a_dropped_and_gc", &mut out);
    eval(&mut d, c, "Sub", "binary:copy(Sub)");
    d.op(Op::GarbageCollect { pid: c });
    snap(&d, "s6_c_copied_sub", &mut out);
    for v in ["Sub", "Small"] {
        d.op(Op::Forget {
            pid: c,
            var: v.into(),
        });
    }
    d.op(Op::GarbageCollect { pid: c });
    snap(&d, "s7_c_dropped_all", &mut out);
    out
}

#[test]
fn f_refc_sequence() {
    let recs = records("gc_oracle.tsv", "f");
    for (scen, bytes) in [("f_refc_binary_100", 100), ("f_refc_binary_1mb", 1_000_000)] {
        let got = scenario_f(bytes);
        let mut want: Vec<(String, FStep)> = Vec::new();
        for r in recs.iter().filter(|r| r["scen"] == scen) {
            let step = r["step"].clone();
            if want.last().map(|w| &w.0) != Some(&step) {
                want.push((step.clone(), Vec::new()));
            }
            let bins = if r["bins"] == "-" {
                Vec::new()
            } else {
                r["bins"]
                    .split(';')
                    .map(|b| {
                        let mut f = b.split(':');
                        let label = f.next().expect("label").to_string();
                        let bytes = f.next().expect("bytes").parse().expect("bytes");
                        let refc = f.next().expect("refc").parse().expect("refc");
                        (label, bytes, refc)
                    })
                    .collect()
            };
            let held = if r["held"] == "-" {
                Vec::new()
            } else {
                r["held"]
                    .split(';')
                    .map(|h| {
                        let f: Vec<&str> = h.split(':').collect();
                        let size = f[3].parse().expect("size");
                        let flat = f[4].parse().expect("flat size");
                        (f[0].to_string(), size, flat)
                    })
                    .collect()
            };
            want.last_mut().expect("step").1.push((
                r["proc"].clone(),
                r["alive"] == "true",
                bins,
                held,
            ));
        }
        assert_eq!(got, want, "{scen}");
    }
}

#[test]
fn ets_copies_on_insert_and_lookup_and_dies_with_its_owner() {
    use beamviz::Value;
    let mut d = Driver::default();
    let owner = d.spawn("owner", SpawnOpts::default());
    let reader = d.spawn("reader", SpawnOpts::default());
    let before = beamviz::View::of(&d.vm).processes[owner.0 as usize].memory;
    d.op(Op::EtsNew {
        pid: owner,
        table: "t".into(),
        kind: beamviz::ets::EtsKind::Set,
    });
    let v = beamviz::View::of(&d.vm);
    assert_eq!(v.ets[0].memory_words, 305);
    // Measured: a process's first table adds 80 bytes to its `memory` (2640 -> 2720), for good.
    assert_eq!((before, v.processes[owner.0 as usize].memory), (2640, 2720));
    // {k, L, L, B}: 100 shared cons cells and a refc binary; flat size 5 + 200 + 200 + 6 = 411.
    build(&mut d, owner, "L", 100);
    bind(
        &mut d,
        owner,
        "B",
        Value::Binary {
            bytes: 1000,
            fill: 7,
        },
    );
    bind(
        &mut d,
        owner,
        "T",
        Value::Tuple(vec![Value::Atom("k".into()), var("L"), var("L"), var("B")]),
    );
    d.op(Op::EtsInsert {
        pid: owner,
        table: "t".into(),
        var: "T".into(),
    });
    let v = beamviz::View::of(&d.vm);
    assert_eq!(v.ets[0].memory_words, 305 + 411 + 4);
    assert_eq!(v.memory.ets, 8 * (305 + 411 + 4));
    assert_eq!(
        v.binaries[0].refc, 2,
        "the stored copy holds its own ProcBin"
    );
    let before = d.p(reader).htop;
    d.op(Op::EtsLookup {
        pid: reader,
        table: "t".into(),
        key: Value::Atom("k".into()),
        var: "X".into(),
    });
    assert_eq!(
        d.p(reader).htop - before,
        2 + 411,
        "lookup copies flat onto the caller's heap: a list of the object"
    );
    assert_eq!(beamviz::View::of(&d.vm).binaries[0].refc, 3);
    d.op(Op::Exit { pid: owner });
    let v = beamviz::View::of(&d.vm);
    assert!(v.ets.is_empty(), "the table died with its owner");
    assert_eq!(v.binaries[0].refc, 1, "only the reader's copy is left");
}

/// `tests/oracle/ets_memory.escript`'s steps on the model, for each table type: `ets:info(T, memory)` and `size`
/// after each step, and what `lookup` returns, equal the BEAM's (`ets_memory.tsv`).
#[test]
fn ets_table_types_match_the_beam() {
    use beamviz::ets::EtsKind;
    use beamviz::Value;
    let want = records("ets_memory.tsv", "ets");
    let int = Value::Int;
    for kind in ["set", "ordered_set", "bag", "duplicate_bag"] {
        let mut d = Driver::default();
        let p = d.spawn("p", SpawnOpts::default());
        let mut got: Vec<(String, u64, u64)> = Vec::new();
        let table = || String::from("t");
        let mut step = |d: &mut Driver, name: &str, ops: Vec<Op>| {
            for op in ops {
                d.op(op);
            }
            let t = &beamviz::View::of(&d.vm).ets[0];
            got.push((name.to_string(), t.memory_words, t.size));
        };
        let insert = |value: Value| {
            vec![
                Op::Bind {
                    pid: p,
                    var: "O".into(),
                    value,
                },
                Op::EtsInsert {
                    pid: p,
                    table: table(),
                    var: "O".into(),
                },
                Op::Forget {
                    pid: p,
                    var: "O".into(),
                },
            ]
        };
        let kind_ = EtsKind::from_name(kind).expect("kind");
        step(
            &mut d,
            "new",
            vec![Op::EtsNew {
                pid: p,
                table: table(),
                kind: kind_,
            }],
        );
        step(
            &mut d,
            "insert_1a",
            insert(Value::Tuple(vec![int(1), Value::Atom("a".into())])),
        );
        let many = |ks: std::ops::RangeInclusive<i64>, f: &dyn Fn(i64) -> Value| {
            ks.flat_map(|k| insert(f(k))).collect::<Vec<_>>()
        };
        step(
            &mut d,
            "insert_2_11",
            many(2..=11, &|k| {
                Value::Tuple(vec![int(k), Value::List(vec![int(k), int(k)])])
            }),
        );
        step(
            &mut d,
            "insert_1b",
            insert(Value::Tuple(vec![int(1), Value::Atom("b".into())])),
        );
        step(
            &mut d,
            "insert_1a_again",
            insert(Value::Tuple(vec![int(1), Value::Atom("a".into())])),
        );
        step(
            &mut d,
            "lookup_1",
            vec![Op::EtsLookup {
                pid: p,
                table: table(),
                key: int(1),
                var: "L".into(),
            }],
        );
        let found = {
            let proc_ = d.p(p);
            let l = proc_.var("L").expect("bound");
            let areas = d.vm.areas_of(proc_);
            let mut n = 0;
            let mut cur = l;
            while let Some(addr) = cur.pointee() {
                n += 1;
                cur = areas.word(addr.add(1));
            }
            (n, beamviz::copy::flat_size(&areas, l, true))
        };
        step(
            &mut d,
            "delete_1",
            vec![Op::EtsDeleteKey {
                pid: p,
                table: table(),
                key: int(1),
            }],
        );
        step(
            &mut d,
            "insert_12_300",
            many(12..=300, &|k| Value::Tuple(vec![int(k)])),
        );
        let deletes = (12..=300)
            .map(|k| Op::EtsDeleteKey {
                pid: p,
                table: table(),
                key: int(k),
            })
            .collect();
        step(&mut d, "delete_12_300", deletes);
        let want_kind: Vec<(String, u64, u64)> = want
            .iter()
            .filter(|r| r["kind"] == kind)
            .map(|r| (r["step"].clone(), num(r, "memory"), num(r, "size")))
            .collect();
        assert_eq!(got, want_kind, "{kind}");
        let lookup = want
            .iter()
            .find(|r| r["kind"] == kind && r["step"] == "lookup_1")
            .expect("lookup");
        assert_eq!(
            found,
            (num(lookup, "found"), num(lookup, "flat")),
            "{kind} lookup"
        );
    }
}

/// Runs `ets_memory.escript` on the installed Erlang (if any) and checks it still measures what is committed.
#[test]
fn ets_measurements_are_current() {
    let dir = beamviz_tests::oracle_dir();
    let out = std::env::temp_dir().join(format!("beamviz-ets-{}.tsv", std::process::id()));
    match beamviz_tests::beam("escript")
        .arg(dir.join("ets_memory.escript"))
        .arg(&out)
        .status()
    {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("escript ets_memory.escript failed: {s}"),
        Err(e) => {
            eprintln!(
                "note: escript not found ({e}); the committed ets_memory.tsv is still compared"
            );
            return;
        }
    }
    let now = std::fs::read_to_string(&out).expect("output");
    let _ = std::fs::remove_file(&out);
    let committed = std::fs::read_to_string(dir.join("ets_memory.tsv")).expect("committed");
    assert_eq!(
        now, committed,
        "the installed BEAM measures ETS differently from the committed file"
    );
}

#[test]
fn max_heap_size_kills_instead_of_collecting() {
    let mut d = Driver::default();
    let opts = SpawnOpts {
        max_heap_size: 10000,
        ..SpawnOpts::default()
    };
    let w = d.spawn("w", opts);
    d.vm.apply(&Op::BuildList {
        pid: w,
        var: "L".into(),
        n: 100_000,
    })
    .expect("op");
    let events: Vec<_> = d.vm.drain_events().collect();
    assert!(events
        .iter()
        .any(|e| matches!(e, beamviz::Event::MaxHeapSizeReached { max: 10000, .. })));
    assert!(!d.p(w).is_alive());
    d.vm.check().expect("check");
}

#[test]
fn bif_result_goes_to_a_fragment_and_the_gc_after_bif_moves_it() {
    let mut d = Driver::default();
    let w = d.spawn("w", SpawnOpts::default());
    d.op(Op::AllocGarbage { pid: w, words: 200 });
    d.vm.apply(&Op::BifResult { pid: w, words: 38 })
        .expect("op");
    let events: Vec<_> = d.vm.drain_events().collect();
    assert!(events
        .iter()
        .any(|e| matches!(e, beamviz::Event::FragmentAllocated { words: 35, .. })));
    assert!(events.iter().any(|e| matches!(
        e,
        beamviz::Event::GcStarted {
            reason: beamviz::gc::GcReason::AfterBif,
            ..
        }
    )));
    assert_eq!(d.p(w).mbuf_size(), 0);
    d.vm.check().expect("check");
}

#[test]
fn gc_sub_steps_are_events_in_order() {
    let mut d = Driver::default();
    let w = d.spawn("w", SpawnOpts::default());
    build(&mut d, w, "L", 100);
    d.op(Op::GarbageCollect { pid: w });
    build(&mut d, w, "M", 100);
    d.vm.apply(&Op::GarbageCollect { pid: w }).expect("op");
    let phases: Vec<String> =
        d.vm.drain_events()
            .filter_map(|e| match e {
                beamviz::Event::GcPhaseDone { phase, .. } => Some(phase.to_string()),
                _ => None,
            })
            .collect();
    assert_eq!(phases, ["roots", "copy", "free"]);
}

#[test]
fn the_atom_table_is_never_collected_and_overflows_at_1048576() {
    let mut d = Driver::default();
    let w = d.spawn("w", SpawnOpts::default());
    let before = d.vm.atoms().len() as u64;
    d.vm.apply(&Op::MakeAtoms {
        pid: w,
        prefix: "a".into(),
        count: 1 << 20,
    })
    .expect("op");
    assert!(d
        .vm
        .drain_events()
        .any(|e| matches!(e, beamviz::Event::AtomTableFull { .. })));
    assert_eq!(d.vm.atoms().len(), 1 << 20);
    assert!(before > 0 && d.vm.halted());
    assert_eq!(
        d.vm.apply(&Op::GarbageCollect { pid: w }),
        Err(beamviz::OpError::Halted)
    );
}

/// Compares the model with a `gc_diff.escript` output (`tests/oracle/gc_diff.tsv` format); returns the mismatches.
fn diff_against(file: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for r in records(file, "a") {
        let n = num(&r, "n");
        let want = (num(&r, "heap_size"), num(&r, "recent"), num(&r, "total"));
        let got = scenario_a(n);
        if got != want {
            bad.push(format!("a n={n}: model {got:?}, BEAM {want:?}"));
        }
    }
    let c = records(file, "c");
    for opt in ["300", "2000", "20000"] {
        let got: Vec<_> = scenario_c(opt)
            .into_iter()
            .filter(|s| s.0 != "idle_fresh")
            .collect();
        let want: Vec<_> = c
            .iter()
            .filter(|r| r["opt"] == opt)
            .map(|r| {
                (
                    r["step"].clone(),
                    num(r, "heap_size"),
                    num(r, "total"),
                    num(r, "minor_gcs"),
                    num(r, "min"),
                )
            })
            .collect();
        if got != want {
            bad.push(format!("c {opt}: model {got:?}\n  BEAM {want:?}"));
        }
    }
    let d = records(file, "d");
    let variants: [(&str, SpawnOpts); 3] = [
        (
            "[{fullsweep_after,3}]",
            SpawnOpts {
                fullsweep_after: 3,
                ..SpawnOpts::default()
            },
        ),
        (
            "[{min_heap_size,4000}]",
            SpawnOpts {
                min_heap_size: 4000,
                ..SpawnOpts::default()
            },
        ),
        (
            "[{fullsweep_after,0}]",
            SpawnOpts {
                fullsweep_after: 0,
                ..SpawnOpts::default()
            },
        ),
    ];
    for (name, opts) in variants {
        let (_, _, seq) = d_model(opts, 27, 300_000);
        let got: Vec<_> = seq
            .iter()
            .map(|s| match s.0.as_str() {
                "aborted" => (s.0.clone(), 0, 0),
                _ => (s.0.clone(), s.1, s.2),
            })
            .collect();
        let want: Vec<_> = d
            .iter()
            .filter(|r| r["opts"] == name)
            .map(|r| match r["type"].as_str() {
                "aborted" => ("aborted".to_string(), 0, 0),
                // The live words are not compared: the worker's starting garbage varies by a few words with the
                // measuring VM's state (223 to 226 used words at the first GC), which shifts them slightly.
                t => (t.to_string(), num(r, "heap"), num(r, "old")),
            })
            .collect();
        if got != want {
            let first = got
                .iter()
                .zip(&want)
                .position(|(g, w)| g != w)
                .unwrap_or(got.len().min(want.len()));
            bad.push(format!(
                "d {name}: {} GCs in the model, {} on the BEAM; first difference at GC {}: model {:?}, BEAM {:?}",
                got.len(),
                want.len(),
                first + 1,
                got.get(first),
                want.get(first)
            ));
        }
    }
    for r in records(file, "e") {
        // `opts` is an Erlang option list such as `[{fullsweep_after,2},{min_heap_size,1000}]`.
        let mut opts = SpawnOpts::default();
        for item in r["opts"].trim_matches(['[', ']']).split("},{") {
            let (key, value) = item
                .trim_matches(['{', '}'])
                .split_once(',')
                .expect("{key,value}");
            let value: u64 = value.parse().expect("number");
            match key {
                "fullsweep_after" => opts.fullsweep_after = value as u32,
                "min_heap_size" => opts.min_heap_size = value,
                other => panic!("option {other} not compared"),
            }
        }
        let (minors, gcs) = e_model(opts);
        let minors: Vec<String> = minors.iter().map(u32::to_string).collect();
        let types: Vec<&str> = gcs.iter().map(|g| g.0.as_str()).collect();
        if minors.join(",") != r["minors"] || types.join(",") != r["types"] {
            bad.push(format!(
                "e {}: model {} GCs, minor_gcs {}; BEAM {} GCs, minor_gcs {}",
                r["opts"],
                gcs.len(),
                minors.join(","),
                r["gc_count"],
                r["minors"]
            ));
        }
    }
    bad
}

#[test]
fn differential_against_committed_measurements() {
    let bad = diff_against("gc_diff.tsv");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Runs `gc_diff.escript` on the installed Erlang (if any) and compares the model with what it measures now.
#[test]
fn differential_against_the_installed_beam() {
    let out = std::env::temp_dir().join(format!("beamviz-gc-diff-{}.tsv", std::process::id()));
    let script = beamviz_tests::oracle_dir().join("gc_diff.escript");
    let status = beamviz_tests::beam("escript")
        .arg(&script)
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("escript gc_diff.escript failed: {s}"),
        Err(e) => {
            eprintln!("note: escript not found ({e}); the live differential test is skipped, the committed measurements are still compared");
            return;
        }
    }
    let text = std::fs::read_to_string(&out).expect("escript output");
    if !text.starts_with("# gc_diff.escript on the real BEAM: comment\totp_release=25\twordsize=8")
    {
        eprintln!(
            "note: the installed Erlang is not a 64-bit OTP 25; the model targets OTP 25 only"
        );
        return;
    }
    // `records` reads from tests/oracle, so the fresh output is copied there under a scratch name.
    let scratch =
        beamviz_tests::oracle_dir().join(format!("live-gc-diff-{}.tsv", std::process::id()));
    std::fs::write(&scratch, &text).expect("scratch copy");
    let scratch_name = scratch
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name")
        .to_string();
    let bad = diff_against(&scratch_name);
    let _ = std::fs::remove_file(&scratch);
    let _ = std::fs::remove_file(&out);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// One GC trace record as the model gives it: (kind, young block, old block, young used, old used) after the GC.
type GcRecord = (String, u64, u64, u64, u64);

/// Scenario e as `gc_trace.escript`'s compiled `e_loop/4` runs it (`erlc -S`), instruction by instruction:
///
/// - `allocate_heap 5, 2`: one heap test (need 7) at the caller's stack, then 5 Y words;
/// - `put_list`: `Live1 = [I | Live]`;
/// - `call build/2`: a CP, then 20 cons each behind `test_heap 2`; `return` pops the CP;
/// - `call_ext erlang:process_info/2`: a 35-word value and the 3-word `{garbage_collection, _}` tuple, then the
///   GC after BIF;
/// - when `minor_gcs` changed: `i_new_small_map_lit` (a 3-key flatmap, 6 words), `call checkpoint/3`
///   (`allocate_heap 0, 5`: the 5-word message tuple), `return`;
/// - `call_last`: the 5 Y words popped.
///
/// The worker starts with 14 words of spawn garbage (the closure and its arguments; the first GC's live words
/// measure it) and a 3-word stack (the process's CP, `e_worker/1`'s frame, the CP into `e_loop`).
/// Returns the polled `minor_gcs` sequence and one record per GC trace record:
/// (kind, young block, old block, young used, old used) after it, with an aborted minor as `("aborted", ..)`.
fn e_model(opts: SpawnOpts) -> (Vec<u32>, Vec<GcRecord>) {
    let mut vm = beamviz::Vm::new();
    let mut gcs = Vec::new();
    let mut run = |vm: &mut beamviz::Vm, op: Op| {
        vm.apply(&op).expect("op");
        for e in vm.drain_events().collect::<Vec<_>>() {
            let p = vm.process(Pid(0)).expect("w");
            match e {
                beamviz::Event::MinorGcAborted { .. } => {
                    gcs.push(("aborted".into(), 0, 0, 0, 0));
                }
                beamviz::Event::GcFinished {
                    kind,
                    heap_after,
                    old_after,
                    live,
                    ..
                } => {
                    // The young words in use right after the GC: everything live minus the old heap's part.
                    let old_used = p.old_htop;
                    let kind = match kind {
                        beamviz::event::GcKind::Minor => "minor",
                        beamviz::event::GcKind::Major => "major",
                    };
                    gcs.push((
                        kind.into(),
                        heap_after,
                        old_after,
                        live - old_used,
                        old_used,
                    ));
                }
                _ => {}
            }
        }
    };
    let w = Pid(0);
    run(
        &mut vm,
        Op::Spawn {
            name: "w".into(),
            opts,
        },
    );
    run(&mut vm, Op::AllocGarbage { pid: w, words: 14 });
    run(
        &mut vm,
        Op::PushFrame {
            pid: w,
            words: 2,
            heap: 0,
        },
    );
    let (mut last, mut polled) = (None, Vec::new());
    for i in 0..4000 {
        run(
            &mut vm,
            Op::PushFrame {
                pid: w,
                words: 5,
                heap: 2,
            },
        );
        run(
            &mut vm,
            Op::ConsOnto {
                pid: w,
                var: "Live".into(),
                head: i,
            },
        );
        run(&mut vm, Op::Call { pid: w });
        run(
            &mut vm,
            Op::BuildList {
                pid: w,
                var: "Tmp".into(),
                n: 20,
            },
        );
        run(
            &mut vm,
            Op::Forget {
                pid: w,
                var: "Tmp".into(),
            },
        );
        run(&mut vm, Op::PopFrame { pid: w, words: 1 });
        run(&mut vm, Op::BifResult { pid: w, words: 38 });
        let minor = vm.process(w).expect("w").gen_gcs;
        if last != Some(minor) {
            polled.push(minor);
            run(&mut vm, Op::AllocGarbage { pid: w, words: 6 });
            run(&mut vm, Op::Call { pid: w });
            run(&mut vm, Op::AllocGarbage { pid: w, words: 5 });
            run(&mut vm, Op::PopFrame { pid: w, words: 1 });
            last = Some(minor);
        }
        run(&mut vm, Op::PopFrame { pid: w, words: 5 });
    }
    (polled, gcs)
}

#[test]
fn e_minor_gcs_sequences_for_fullsweep_after() {
    let recs = records("gc_oracle.tsv", "e");
    let gc_recs = records("gc_oracle.tsv", "egc");
    assert_eq!(recs.len(), 4);
    for r in &recs {
        let opts = match r["fsa"].as_str() {
            "default" => SpawnOpts::default(),
            n => SpawnOpts {
                fullsweep_after: n.parse().expect("number"),
                ..SpawnOpts::default()
            },
        };
        let want: Vec<u32> = r["minors"]
            .split(',')
            .map(|x| x.parse().expect("number"))
            .collect();
        let (got, gcs) = e_model(opts);
        assert_eq!(got, want, "fullsweep_after {}", r["fsa"]);
        assert_eq!(
            gcs.len() as u64,
            num(r, "gc_count"),
            "GC count, fullsweep_after {}",
            r["fsa"]
        );
        let types: Vec<&str> = gcs.iter().map(|g| g.0.as_str()).collect();
        let want_types: Vec<&str> = r["types"]
            .split(',')
            .map(|t| if t == "minor_aborted" { "aborted" } else { t })
            .collect();
        assert_eq!(types, want_types, "GC kinds, fullsweep_after {}", r["fsa"]);
        // The first 100 GCs, word for word.
        let mut compared = 0;
        for g in gc_recs.iter().filter(|g| g["fsa"] == r["fsa"]) {
            let no = num(g, "no") as usize;
            let m = &gcs[no - 1];
            assert_eq!(
                m.0, g["type"],
                "GC #{no} kind, fullsweep_after {}",
                r["fsa"]
            );
            if m.0 != "aborted" {
                let want = (
                    num(g, "heap"),
                    num(g, "old"),
                    num(g, "used"),
                    num(g, "old_used"),
                );
                assert_eq!(
                    (m.1, m.2, m.3, m.4),
                    want,
                    "GC #{no}, fullsweep_after {}",
                    r["fsa"]
                );
            }
            compared += 1;
        }
        assert!(compared >= 90, "{compared} GC records compared");
    }
}

mod props {
    //! Random runs of the GC ops (cons-by-cons lists, BIF fragments, frames, hibernation, ETS, spawn options):
    //! the verifier passes after every op, a failed op changes nothing, and bound values survive every GC.

    use beamviz::process::{Pid, SpawnOpts};
    use beamviz::{Op, Value, Vm};
    use beamviz_tests::bound_values;
    use proptest::prelude::*;

    const VARS: [&str; 3] = ["a", "b", "c"];

    fn op(n: u32) -> impl Strategy<Value = Op> {
        let pid = (0..n).prop_map(Pid);
        let var = prop::sample::select(VARS.to_vec()).prop_map(String::from);
        prop_oneof![
            4 => (pid.clone(), var.clone(), 0u64..400).prop_map(|(pid, var, n)| Op::BuildList { pid, var, n }),
            3 => (pid.clone(), var.clone(), -3i64..3).prop_map(|(pid, var, head)| Op::ConsOnto { pid, var, head }),
            2 => (pid.clone(), var.clone(), 65u64..3000).prop_map(|(pid, var, bytes)| Op::Bind {
                pid, var, value: Value::Binary { bytes, fill: 1 } }),
            2 => (pid.clone(), 0u64..300).prop_map(|(pid, words)| Op::AllocGarbage { pid, words }),
            4 => (pid.clone(), 0u64..400).prop_map(|(pid, words)| Op::BifResult { pid, words }),
            1 => (pid.clone(), 0u64..6).prop_map(|(pid, words)| Op::PushFrame { pid, words, heap: 0 }),
            1 => (pid.clone(), 0u64..6).prop_map(|(pid, words)| Op::PopFrame { pid, words }),
            1 => (pid.clone(), var.clone()).prop_map(|(pid, var)| Op::Forget { pid, var }),
            1 => (pid.clone(), pid.clone(), var.clone()).prop_map(|(from, to, var)| Op::Send { from, to, var }),
            1 => (pid.clone(), var.clone()).prop_map(|(pid, var)| Op::Receive { pid, var }),
            1 => pid.clone().prop_map(|pid| Op::Hibernate { pid }),
            2 => (pid.clone(), 0u64..4).prop_map(|(pid, extra)| Op::Wake { pid, extra }),
            1 => pid.clone().prop_map(|pid| Op::GarbageCollect { pid }),
            2 => (pid.clone(), 0usize..4).prop_map(|(pid, k)| Op::EtsNew { pid, table: "t".into(),
                kind: ["set", "ordered_set", "bag", "duplicate_bag"][k].parse().expect("kind") }),
            // ETS objects: `{K, V}` with a small key and another variable's term as the value.
            6 => (pid.clone(), var.clone(), var.clone(), 0i64..3).prop_map(|(pid, var, v, k)| Op::Bind {
                pid, var, value: Value::Tuple(vec![Value::Int(k), Value::Var(v)]) }),
            8 => (pid.clone(), var.clone()).prop_map(|(pid, var)| Op::EtsInsert { pid, table: "t".into(), var }),
            6 => (pid.clone(), var.clone(), 0i64..3).prop_map(|(pid, var, k)| Op::EtsLookup {
                pid, table: "t".into(), key: Value::Int(k), var }),
            1 => (pid.clone(), 0i64..3).prop_map(|(pid, k)| Op::EtsDeleteKey {
                pid, table: "t".into(), key: Value::Int(k) }),
            1 => pid.clone().prop_map(|pid| Op::EtsDelete { pid, table: "t".into() }),
            1 => pid.prop_map(|pid| Op::Exit { pid }),
        ]
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        (1u32..4, 0usize..3, 0usize..3, any::<bool>()).prop_flat_map(|(n, fsa, min, cap)| {
            let spawns: Vec<Op> = (0..n)
                .map(|i| Op::Spawn {
                    name: format!("p{i}"),
                    opts: SpawnOpts {
                        fullsweep_after: [0, 2, 65535][fsa],
                        min_heap_size: [0, 1000, 5000][min],
                        max_heap_size: if cap && i == 0 { 3000 } else { 0 },
                        ..SpawnOpts::default()
                    },
                })
                .collect();
            prop::collection::vec(op(n), 1..120)
                .prop_map(move |rest| spawns.iter().cloned().chain(rest).collect())
        })
    }

    /// The generator reaches the interesting states.
    #[test]
    fn generated_gc_runs_cover_the_mechanisms() {
        use beamviz::Event;
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let mut seen = std::collections::BTreeMap::<&str, u32>::new();
        for _ in 0..64 {
            let ops = ops().new_tree(&mut runner).expect("tree").current();
            let mut vm = Vm::new();
            for op in &ops {
                if vm.apply(op).is_err() {
                    continue;
                }
                for e in vm.drain_events() {
                    let k = match e {
                        Event::GcFinished {
                            kind: beamviz::event::GcKind::Minor,
                            ..
                        } => "minor",
                        Event::GcFinished {
                            kind: beamviz::event::GcKind::Major,
                            ..
                        } => "major",
                        Event::Hibernated { .. } => "hibernated",
                        Event::Woke { .. } => "woke",
                        Event::FragmentAllocated { .. } => "fragment",
                        Event::MaxHeapSizeReached { .. } => "killed",
                        Event::EtsInserted { .. } => "ets insert",
                        Event::EtsCopiedOut { .. } => "ets lookup",
                        Event::BinaryFreed { .. } => "binary freed",
                        _ => continue,
                    };
                    *seen.entry(k).or_default() += 1;
                }
            }
        }
        for k in [
            "minor",
            "major",
            "hibernated",
            "woke",
            "fragment",
            "killed",
            "ets insert",
            "ets lookup",
            "binary freed",
        ] {
            assert!(
                seen.get(k).copied().unwrap_or(0) >= 3,
                "{k} seen too rarely: {seen:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn gc_ops_keep_the_vm_consistent(ops in ops()) {
            let mut vm = Vm::new();
            for op in &ops {
                let before = vm.clone();
                let values_before = bound_values(&vm);
                if vm.apply(op).is_err() {
                    prop_assert!(vm == before, "a failed op left a trace: {:?}", op);
                    continue;
                }
                vm.drain_events().for_each(drop);
                if let Err(e) = vm.check() {
                    prop_assert!(false, "verifier failed after {:?}: {}", op, e);
                }
                let after = bound_values(&vm);
                for (proc_name, var, value) in values_before {
                    let rebinds = match op {
                        Op::Bind { pid, var: v, .. }
                        | Op::Forget { pid, var: v }
                        | Op::Receive { pid, var: v }
                        | Op::BuildList { pid, var: v, .. }
                        | Op::ConsOnto { pid, var: v, .. }
                        | Op::EtsLookup { pid, var: v, .. } => {
                            vm.process(*pid).is_some_and(|p| p.name == proc_name) && *v == var
                        }
                        _ => false,
                    };
                    if rebinds {
                        continue;
                    }
                    if let Some((_, _, now)) = after.iter().find(|(p, v, _)| *p == proc_name && *v == var) {
                        prop_assert_eq!(now, &value, "{}.{} changed by {:?}", proc_name, var, op);
                    }
                }
            }
        }
    }
}
