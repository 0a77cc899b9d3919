//! Benchmarks (not timed tests): the model's GC work natively, and the same work on the real BEAM.
//!
//! * `major`: one major GC of 1,000,000 live words (500,000 cons cells).
//! * `d2`: the whole d2 growth: a list built cons by cons to 1,000,000 cells, with every GC it causes.
//! * `minor` (model only): one minor GC that promotes a 500,000-cell list and copies a young 50,000-cell one.
//! * `tuples` (model only): one major GC of a heap of 20,000 `{N, #{n => N, s => [N]}}` in a list: boxed objects
//!   of several kinds, about 240,000 words.
//! * `mailbox` (model only): one major GC of a process with 20,000 queued messages, most in heap fragments of their
//!   own (every fragment is a from-space block to look pointers up in).
//!
//! Each figure is the best of 5 runs. When `escript` is on the PATH, `tests/oracle/bench.escript` times the same work
//! on the installed BEAM in the same run, and the ratio model/BEAM is printed.

use beamviz::event::{Event, GcKind};
use beamviz::expr::Lang;
use beamviz::process::{Pid, SpawnOpts};
use beamviz::{Op, Vm};
use std::time::{Duration, Instant};

fn fresh() -> (Vm, Pid) {
    let mut vm = Vm::new();
    vm.apply(&Op::Spawn {
        name: "w".into(),
        opts: SpawnOpts::default(),
    })
    .expect("spawn");
    (vm, Pid(0))
}

fn d2() -> Duration {
    let (mut vm, pid) = fresh();
    let t = Instant::now();
    vm.apply(&Op::BuildList {
        pid,
        var: "L".into(),
        n: 1_000_000,
    })
    .expect("build");
    let elapsed = t.elapsed();
    vm.drain_events().for_each(drop);
    elapsed
}

fn major() -> Duration {
    let (mut vm, pid) = fresh();
    vm.apply(&Op::BuildList {
        pid,
        var: "L".into(),
        n: 500_000,
    })
    .expect("build");
    vm.drain_events().for_each(drop);
    let t = Instant::now();
    vm.apply(&Op::GarbageCollect { pid }).expect("gc");
    let elapsed = t.elapsed();
    assert_eq!(vm.process(pid).expect("pid").htop, 1_000_000);
    elapsed
}

fn minor() -> Duration {
    let (mut vm, pid) = fresh();
    let build = |var: &str, n| Op::BuildList {
        pid,
        var: var.into(),
        n,
    };
    vm.apply(&build("Old", 500_000)).expect("build");
    // A major GC puts the whole list under the high-water mark: the next minor GC promotes it.
    vm.apply(&Op::GarbageCollect { pid }).expect("gc");
    // Small enough to fit in the gap the major GC left: no GC until the timed one.
    vm.apply(&build("Young", 50_000)).expect("build");
    vm.drain_events().for_each(drop);
    // `AllocGarbage` of the whole gap: its heap test triggers the GC.
    let gap = {
        let p = vm.process(pid).expect("pid");
        p.stop - p.htop
    };
    let t = Instant::now();
    vm.apply(&Op::AllocGarbage { pid, words: gap })
        .expect("alloc");
    let elapsed = t.elapsed();
    let promoted = vm.drain_events().find_map(|e| match e {
        Event::GcFinished {
            kind: GcKind::Minor,
            promoted,
            ..
        } => Some(promoted),
        _ => None,
    });
    assert!(
        promoted.is_some_and(|w| w >= 1_000_000),
        "expected a minor GC promoting the old list, got {promoted:?}"
    );
    elapsed
}

fn tuples() -> Duration {
    let (mut vm, pid) = fresh();
    vm.apply(&Op::Eval {
        pid,
        var: Some("T".into()),
        src: "lists:map(fun(N) -> {N, #{n => N, s => [N]}} end, lists:seq(1, 20000))".into(),
        lang: Lang::Erlang,
    })
    .expect("eval");
    vm.drain_events().for_each(drop);
    let t = Instant::now();
    vm.apply(&Op::GarbageCollect { pid }).expect("gc");
    let elapsed = t.elapsed();
    let live = vm.process(pid).expect("pid").htop;
    assert!(live >= 200_000, "only {live} live words");
    elapsed
}

fn mailbox() -> Duration {
    let (mut vm, receiver) = fresh();
    vm.apply(&Op::Spawn {
        name: "sender".into(),
        opts: SpawnOpts::default(),
    })
    .expect("spawn");
    let sender = Pid(1);
    vm.apply(&Op::Eval {
        pid: sender,
        var: Some("M".into()),
        src: "{hello, [1, 2], <<\"x\">>}".into(),
        lang: Lang::Erlang,
    })
    .expect("eval");
    for _ in 0..20_000 {
        vm.apply(&Op::Send {
            from: sender,
            to: receiver,
            var: "M".into(),
        })
        .expect("send");
    }
    vm.drain_events().for_each(drop);
    let mailbox = &vm.process(receiver).expect("pid").mailbox;
    let fragments = mailbox.iter().filter(|m| m.fragment.is_some()).count();
    let t = Instant::now();
    vm.apply(&Op::GarbageCollect { pid: receiver }).expect("gc");
    let elapsed = t.elapsed();
    assert!(fragments > 19_000, "only {fragments} messages in fragments");
    elapsed
}

/// One timed piece of work.
type Case = fn() -> Duration;

fn best(f: Case) -> Duration {
    (0..5).map(|_| f()).min().expect("runs")
}

fn beam() -> Option<(u64, u64)> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/oracle/bench.escript"
    );
    let out = std::process::Command::new("escript")
        .arg(script)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let field = |k: &str| -> Option<u64> {
        text.split_whitespace()
            .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('=')?.parse().ok())
    };
    Some((field("d2_us")?, field("major_us")?))
}

fn main() {
    // `cargo bench -p beamviz --bench gc -- major` runs one case alone (for `perf record`); no BEAM run then.
    if let Some(only) = std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        let cases: [(&str, Case); 5] = [
            ("d2", d2),
            ("major", major),
            ("minor", minor),
            ("tuples", tuples),
            ("mailbox", mailbox),
        ];
        for (name, f) in cases
            .iter()
            .filter(|(name, _)| name.contains(only.as_str()))
        {
            println!("model  {name}: {:>9.3} ms", best(*f).as_secs_f64() * 1e3);
        }
        return;
    }
    let d2 = best(d2);
    let major = best(major);
    let (minor, tuples, mailbox) = (best(minor), best(tuples), best(mailbox));
    println!(
        "model  d2 growth to 1,000,000 cons: {:>9.3} ms",
        d2.as_secs_f64() * 1e3
    );
    println!(
        "model  major GC of 1,000,000 words: {:>9.3} ms",
        major.as_secs_f64() * 1e3
    );
    println!(
        "model  minor GC promoting 1,000,000 words: {:>9.3} ms (no BEAM figure)",
        minor.as_secs_f64() * 1e3
    );
    println!(
        "model  major GC of 20,000 tuples+maps: {:>9.3} ms (no BEAM figure)",
        tuples.as_secs_f64() * 1e3
    );
    println!(
        "model  major GC with 20,000 queued messages: {:>9.3} ms (no BEAM figure)",
        mailbox.as_secs_f64() * 1e3
    );
    match beam() {
        Some((beam_d2, beam_major)) => {
            println!(
                "BEAM   d2 growth to 1,000,000 cons: {:>9.3} ms",
                beam_d2 as f64 / 1e3
            );
            println!(
                "BEAM   major GC of 1,000,000 words: {:>9.3} ms",
                beam_major as f64 / 1e3
            );
            println!(
                "ratio model/BEAM: d2 {:.1}x, major {:.1}x",
                d2.as_micros() as f64 / beam_d2.max(1) as f64,
                major.as_micros() as f64 / beam_major.max(1) as f64
            );
        }
        None => println!("note: escript not found; no BEAM comparison"),
    }
}
