//! `fuzz`: the long fuzzing run behind `cargo xtask fuzz` (see `beamviz_tests::fuzz` and `docs/xtask.md`).
//!
//! `fuzz [--inputs N] [--seed S] [--threads T]` runs inputs `0..N` of the run seeded with `S` on `T` threads,
//! catching panics, and prints executions per second, the outcome kinds reached, the slowest input and the peak
//! memory. Inputs that panic, take over a second or break a promise are written to `target/fuzz/failures/`;
//! the exit status is non-zero if there are any. A watchdog aborts the run if one input takes over 30 s.
//! `fuzz replay TARGET FILE` runs one input and prints its outcome and time.

use beamviz_tests::fuzz::{self, Corpus, Stats, Target};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use std::{env, fs, process, thread};

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    // `fuzz replay TARGET FILE`: run one input, print its outcome and time.
    if let [cmd, target, file] = args.as_slice() {
        if cmd == "replay" {
            let t = Target::ALL
                .into_iter()
                .find(|t| t.name() == target)
                .unwrap_or_else(|| {
                    eprintln!("unknown target {target} (erlang, elixir, scenario)");
                    process::exit(2)
                });
            let input = fs::read(file).unwrap_or_else(|e| {
                eprintln!("{file}: {e}");
                process::exit(2)
            });
            let start = Instant::now();
            let outcome = match t {
                Target::Scenario => fuzz::run_scenario(&input),
                _ => fuzz::run_one(t, &String::from_utf8_lossy(&input)),
            };
            println!(
                "{outcome:?} in {:.1} ms",
                start.elapsed().as_secs_f64() * 1000.0
            );
            return;
        }
    }
    let mut inputs: u64 = 10_000_000;
    let mut seed: u64 = 1;
    let mut threads: u64 = 2;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = it.next().and_then(|v| v.replace('_', "").parse().ok());
        match (a.as_str(), value) {
            ("--inputs", Some(v)) => inputs = v,
            ("--seed", Some(v)) => seed = v,
            ("--threads", Some(v)) => threads = v.max(1),
            _ => {
                eprintln!("usage: fuzz [--inputs N] [--seed S] [--threads T]");
                process::exit(2);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf();
    let corpus = Arc::new(Corpus::load(&root));
    println!(
        "fuzz: {inputs} inputs, seed {seed}, {threads} threads; corpus: {}",
        Target::ALL
            .iter()
            .map(|t| format!("{} {}", corpus.of(*t).len(), t.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Panics are outcomes here, not messages on stderr.
    panic::set_hook(Box::new(|_| {}));
    let start = Instant::now();
    let done = Arc::new(AtomicU64::new(0));
    // Per thread: the start of its current input in ms since `start` (0 while idle), for the watchdog.
    let busy: Arc<Vec<AtomicU64>> = Arc::new((0..threads).map(|_| AtomicU64::new(0)).collect());
    // Per thread: the index of its current input, to name a hanging input.
    let current: Arc<Vec<AtomicU64>> = Arc::new((0..threads).map(|_| AtomicU64::new(0)).collect());
    let mut handles = Vec::new();
    for k in 0..threads {
        let (corpus, done, busy) = (Arc::clone(&corpus), Arc::clone(&done), Arc::clone(&busy));
        let current = Arc::clone(&current);
        handles.push(thread::spawn(move || {
            let mut stats = Stats::default();
            let (from, to) = (inputs * k / threads, inputs * (k + 1) / threads);
            let mut i = from;
            while i < to {
                let end = (i + 1000).min(to);
                let mut n = i;
                fuzz::run_range(&corpus, seed, i, end, &mut stats, &mut |t, s| {
                    current[k as usize].store(n, Ordering::Relaxed);
                    n += 1;
                    busy[k as usize]
                        .store(start.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
                    let res = panic::catch_unwind(AssertUnwindSafe(|| fuzz::run_one(t, s)))
                        .map_err(|e| {
                            e.downcast_ref::<String>()
                                .cloned()
                                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_default()
                        });
                    busy[k as usize].store(0, Ordering::Relaxed);
                    res
                });
                done.fetch_add(end - i, Ordering::Relaxed);
                i = end;
            }
            stats
        }));
    }
    // Progress every 10 s, and the watchdog: an input running for 30 s is a hang.
    let mut last = Instant::now();
    while handles.iter().any(|h| !h.is_finished()) {
        thread::sleep(Duration::from_millis(200));
        let now = start.elapsed().as_millis() as u64;
        for (b, c) in busy.iter().zip(current.iter()) {
            let since = b.load(Ordering::Relaxed);
            if since > 0 && now.saturating_sub(since) > 30_000 {
                let (t, s) = fuzz::input(&corpus, seed, c.load(Ordering::Relaxed));
                let dir = root.join("target/fuzz/failures");
                let _ = fs::create_dir_all(&dir);
                let file = dir.join(format!("{}-hang.txt", t.name()));
                let _ = fs::write(&file, &s);
                eprintln!(
                    "fuzz: a {} input has run for 30 s, a hang: {}",
                    t.name(),
                    file.display()
                );
                process::exit(1);
            }
        }
        if last.elapsed() > Duration::from_secs(10) {
            last = Instant::now();
            let n = done.load(Ordering::Relaxed);
            println!(
                "  {n} inputs, {:.0}/s",
                n as f64 / start.elapsed().as_secs_f64()
            );
        }
    }
    let mut all = Stats::default();
    for h in handles {
        let s = h.join().expect("workers catch panics");
        for (t, n) in s.inputs {
            *all.inputs.entry(t).or_default() += n;
        }
        for (t, d) in s.time {
            *all.time.entry(t).or_default() += d;
        }
        for (k, n) in s.outcomes {
            *all.outcomes.entry(k).or_default() += n;
        }
        if s.slowest.0 > all.slowest.0 {
            all.slowest = s.slowest;
        }
        all.failures.extend(s.failures);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "\ninputs: {} in {secs:.1} s: {:.0} executions/s",
        all.total(),
        all.total() as f64 / secs
    );
    for (t, n) in &all.inputs {
        let d = all.time.get(t).copied().unwrap_or_default();
        println!(
            "  {:<9} {n:>10} inputs, {:.0} µs each on average",
            t.name(),
            d.as_secs_f64() * 1e6 / *n as f64
        );
    }
    println!("outcome kinds reached (coverage): {}", all.outcomes.len());
    for (k, n) in &all.outcomes {
        println!("  {n:>10}  {k}");
    }
    let (took, t, s) = &all.slowest;
    println!(
        "slowest input: {:.1} ms ({}): {:?}",
        took.as_secs_f64() * 1000.0,
        t.map_or("-", |t| t.name()),
        s
    );
    if let Some(hwm) = fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("VmHWM:"))
            .map(str::to_string)
    }) {
        println!("peak memory: {}", hwm.trim_start_matches("VmHWM:").trim());
    }
    if all.failures.is_empty() {
        println!("failures: 0");
        return;
    }
    let dir = root.join("target/fuzz/failures");
    let _ = fs::create_dir_all(&dir);
    println!("failures: {}", all.failures.len());
    for (i, (t, input, what)) in all.failures.iter().enumerate() {
        let file = dir.join(format!("{}-{i}.txt", t.name()));
        let _ = fs::write(&file, input);
        println!("  {} {what}: {}", t.name(), file.display());
    }
    process::exit(1);
}
