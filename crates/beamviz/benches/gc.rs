//! Benchmarks (not timed tests): the model's work natively, beside the same work on the real BEAM.
//!
//! Run by `cargo xtask bench` (or `cargo bench -p beamviz --bench gc`). Each figure is the median of 7 runs after
//! one warm-up run, each on a fresh VM. When `escript` is on the PATH, `benches/beam.escript` does the same work on
//! the installed BEAM in the same run, and the table shows the ratio model/BEAM.
//!
//! * `alloc_list_N`: a list of N small integers built on a process heap (`lists:seq(1, N)`), GCs included.
//! * `minor_gc_W`, `major_gc_W`: one collection with W live words (a list of W/2 cells); for the minor GC the heap
//!   was made big enough (`min_heap_size`) that building the list did not collect.
//! * `send_list_N`: sending a list of N integers (2N words copied) to another process.
//! * `d2_growth_1000000`: a list built cons by cons to 1,000,000 cells, with every GC it causes.
//! * `replay_builtins`: `History::new` over every built-in scenario (parse excluded); model only.
//! * `seek_*`: `History::seek` in a 100,000-step history; model only.
//! * `scenario_read_*`, `history_build_*` and the `seek_*` that follow: the scale scenarios of `tests/scale/`
//!   (1,000,000 steps; 1,000 processes holding 200,000 words), read and run once each, then seeks to the end, one
//!   step back from the end, and scattered targets; the history's estimated memory is printed above the table.

use beamviz::event::GcKind;
use beamviz::process::{Pid, SpawnOpts};
use beamviz::{Event, History, Op, Value, Vm};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn spawn(vm: &mut Vm, opts: SpawnOpts) -> Pid {
    vm.apply(&Op::Spawn {
        name: "w".into(),
        opts,
    })
    .expect("spawn");
    vm.drain_events().for_each(drop);
    Pid(vm.processes().len() as u32 - 1)
}

fn timed(vm: &mut Vm, op: &Op) -> Duration {
    let t = Instant::now();
    vm.apply(op).expect("op runs");
    t.elapsed()
}

fn alloc(n: i64) -> Duration {
    let mut vm = Vm::new();
    let pid = spawn(&mut vm, SpawnOpts::default());
    timed(
        &mut vm,
        &Op::Bind {
            pid,
            var: "L".into(),
            value: Value::Seq(1, n),
        },
    )
}

fn minor(words: u64) -> Duration {
    let mut vm = Vm::new();
    let pid = spawn(
        &mut vm,
        SpawnOpts {
            min_heap_size: 2 * words + 1000,
            ..SpawnOpts::default()
        },
    );
    // A first collection with a little live data: a process's first GC is always major (no old heap, no mature
    // data), in erl_gc.c as in the model; after it, the next one can be minor.
    for op in [
        Op::Bind {
            pid,
            var: "K".into(),
            value: Value::Tuple(vec![Value::Int(1)]),
        },
        Op::GarbageCollect { pid },
    ] {
        vm.apply(&op).expect("setup");
    }
    vm.drain_events().for_each(drop);
    vm.apply(&Op::BuildList {
        pid,
        var: "L".into(),
        n: words / 2,
    })
    .expect("build");
    let built: Vec<Event> = vm.drain_events().collect();
    assert!(
        !built.iter().any(|e| matches!(e, Event::GcFinished { .. })),
        "building collected"
    );
    // Garbage fills the heap up to the reserve without a GC; then a one-word heap test fails, and the minor
    // collection it triggers copies the list (a large need would abort the minor GC for a major one).
    let gap = vm.process(pid).expect("pid").gap();
    let words = gap - beamviz::process::S_RESERVED;
    vm.apply(&Op::AllocGarbage { pid, words }).expect("fill");
    vm.drain_events().for_each(drop);
    let took = timed(&mut vm, &Op::AllocGarbage { pid, words: 1 });
    let events: Vec<Event> = vm.drain_events().collect();
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::GcFinished {
                kind: GcKind::Minor,
                ..
            }
        )),
        "a minor GC ran: {events:?}"
    );
    took
}

fn major(words: u64) -> Duration {
    let mut vm = Vm::new();
    let pid = spawn(&mut vm, SpawnOpts::default());
    vm.apply(&Op::BuildList {
        pid,
        var: "L".into(),
        n: words / 2,
    })
    .expect("build");
    vm.drain_events().for_each(drop);
    let took = timed(&mut vm, &Op::GarbageCollect { pid });
    assert_eq!(vm.process(pid).expect("pid").htop, words);
    took
}

fn send(n: i64) -> Duration {
    let mut vm = Vm::new();
    let from = spawn(&mut vm, SpawnOpts::default());
    let to = spawn(&mut vm, SpawnOpts::default());
    vm.apply(&Op::Bind {
        pid: from,
        var: "L".into(),
        value: Value::Seq(1, n),
    })
    .expect("bind");
    timed(
        &mut vm,
        &Op::Send {
            from,
            to,
            var: "L".into(),
        },
    )
}

fn d2() -> Duration {
    let mut vm = Vm::new();
    let pid = spawn(&mut vm, SpawnOpts::default());
    timed(
        &mut vm,
        &Op::BuildList {
            pid,
            var: "L".into(),
            n: 1_000_000,
        },
    )
}

fn replay_builtins() -> Duration {
    let ops: Vec<Vec<Op>> = beamviz::scenario::BUILTIN
        .iter()
        .map(|id| beamviz::scenario::builtin(id).expect("built-in").ops())
        .collect();
    let t = Instant::now();
    for o in ops {
        let h = History::new(o);
        assert!(h.error().is_none());
    }
    t.elapsed()
}

/// A 100,000-step history: two processes binding, sending, receiving and collecting.
fn long_history() -> History {
    let mut ops = vec![
        Op::Spawn {
            name: "a".into(),
            opts: SpawnOpts::default(),
        },
        Op::Spawn {
            name: "b".into(),
            opts: SpawnOpts::default(),
        },
    ];
    let (a, b) = (Pid(0), Pid(1));
    while ops.len() < 100_000 {
        let i = ops.len() as i64;
        ops.push(Op::Bind {
            pid: a,
            var: "X".into(),
            value: Value::Seq(0, i % 50),
        });
        ops.push(Op::Send {
            from: a,
            to: b,
            var: "X".into(),
        });
        ops.push(Op::Receive {
            pid: b,
            var: "Y".into(),
        });
        if i % 7 == 0 {
            ops.push(Op::GarbageCollect { pid: b });
        }
    }
    ops.truncate(100_000);
    let h = History::new(ops);
    assert_eq!(h.len(), 100_000, "{:?}", h.error());
    h
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let _ = f();
    let mut runs: Vec<Duration> = (0..7).map(|_| f()).collect();
    runs.sort();
    runs[3]
}

/// The BEAM's figures by benchmark name, in microseconds; empty when `escript` is missing.
fn beam() -> BTreeMap<String, f64> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/beam.escript");
    let Ok(out) = std::process::Command::new("escript").arg(script).output() else {
        return BTreeMap::new();
    };
    if !out.status.success() {
        eprintln!(
            "beam.escript failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (name, us) = l.split_once(" us=")?;
            Some((name.to_string(), us.trim().parse().ok()?))
        })
        .collect()
}

fn main() {
    let mut rows: Vec<(String, Duration)> = Vec::new();
    let row = |name: String, f: &mut dyn FnMut() -> Duration| (name, median(f));
    for n in [10_000, 100_000] {
        rows.push(row(format!("alloc_list_{n}"), &mut || alloc(n)));
    }
    for w in [10_000, 100_000, 1_000_000] {
        rows.push(row(format!("minor_gc_{w}"), &mut || minor(w)));
    }
    for w in [10_000, 100_000, 1_000_000] {
        rows.push(row(format!("major_gc_{w}"), &mut || major(w)));
    }
    for n in [10_000, 100_000] {
        rows.push(row(format!("send_list_{n}"), &mut || send(n)));
    }
    rows.push(row("d2_growth_1000000".into(), &mut d2));
    rows.push(row("replay_builtins".into(), &mut replay_builtins));
    // Building the history runs all 100,000 ops once (one run: it takes a while).
    let t = Instant::now();
    let mut h = long_history();
    rows.push(("history_build_100000".into(), t.elapsed()));
    rows.push(row("seek_to_99999_from_0".into(), &mut || {
        h.seek(0);
        let t = Instant::now();
        h.seek(99_999);
        t.elapsed()
    }));
    let mut flip = false;
    rows.push(row("seek_random_back_and_forth".into(), &mut || {
        // Alternating far targets: each seek restores a checkpoint and replays up to 31 ops.
        flip = !flip;
        let target = if flip { 12_345 } else { 87_654 };
        let t = Instant::now();
        h.seek(target);
        t.elapsed()
    }));
    // The scale scenarios of tests/scale: read and run once each (seconds for the million steps), then seeks.
    for (name, src) in [
        (
            "1000000",
            include_str!("../../../tests/scale/million-steps.scn"),
        ),
        (
            "1000proc",
            include_str!("../../../tests/scale/thousand-processes.scn"),
        ),
    ] {
        let t = Instant::now();
        let sc = beamviz::scenario::parse(name, src).expect("a scale scenario reads");
        rows.push((format!("scenario_read_{name}"), t.elapsed()));
        let t = Instant::now();
        let mut h = sc.history();
        rows.push((format!("history_build_{name}"), t.elapsed()));
        assert!(h.error().is_none());
        let len = h.len();
        println!(
            "{name}: {len} steps, history holds about {:.1} MiB, checkpoints {} steps apart",
            h.memory_bytes() as f64 / f64::from(1 << 20),
            h.checkpoint_spacing()
        );
        rows.push(row(format!("seek_to_{len}_from_0"), &mut || {
            h.seek(0);
            let t = Instant::now();
            h.seek(len);
            t.elapsed()
        }));
        rows.push(row(format!("seek_back_{len}_to_{}", len - 1), &mut || {
            h.seek(len);
            let t = Instant::now();
            h.seek(len - 1);
            t.elapsed()
        }));
        let mut k = 0usize;
        rows.push(row(format!("seek_scattered_in_{len}"), &mut || {
            // Far targets in turn: each restores a checkpoint and replays at most the spacing.
            k += 1;
            let target = (k * 7_919 * 131) % (len + 1);
            let t = Instant::now();
            h.seek(target);
            t.elapsed()
        }));
    }

    let beam = beam();
    println!(
        "{:<28} {:>12} {:>12} {:>12}",
        "benchmark", "model", "BEAM", "model/BEAM"
    );
    for (name, d) in &rows {
        let us = d.as_secs_f64() * 1e6;
        let (b, ratio) = match beam.get(name) {
            Some(b) => (format!("{:.1} µs", b), format!("{:.1}x", us / b.max(1.0))),
            None => ("-".into(), "-".into()),
        };
        println!("{name:<28} {:>9.1} µs {b:>12} {ratio:>12}", us);
    }
    if beam.is_empty() {
        println!("note: escript not found or failed; no BEAM comparison");
    }
}
