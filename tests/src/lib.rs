//! Test harness shared by the integration tests in `it/`: term decoding for deep comparison, op generators,
//! a VM driver that verifies after every op, and the real-BEAM measurements under `tests/oracle/`.

pub mod fuzz;

use beamviz::copy::Areas;
use beamviz::object;
use beamviz::process::{Pid, SpawnOpts};
use beamviz::term::{Decoded, HeaderTag, Term, TAG_PRIMARY_LIST};
use beamviz::{Op, Vm};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A term as a plain value tree, independent of where its words lie: what a GC must preserve.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Value {
    /// An immediate, by its raw word.
    Immediate(u64),
    /// A cons cell.
    Cons(Box<Value>, Box<Value>),
    /// A boxed object: its header, its raw (non-term) words, and its term fields as values.
    Boxed {
        /// The header word.
        header: u64,
        /// Words that are not terms (binary data, float bits, ProcBin fields).
        raw: Vec<u64>,
        /// Term fields, decoded.
        fields: Vec<Value>,
    },
}

/// Decodes `t` into a value tree, reading words through `areas`. Fails on a cycle-free depth over `limit`.
pub fn value_of(areas: &Areas<'_>, t: Term, limit: usize) -> Value {
    assert!(limit > 0, "term deeper than the test limit");
    match t.decode() {
        Decoded::List(addr) if t.primary_tag() == TAG_PRIMARY_LIST => Value::Cons(
            Box::new(value_of(areas, areas.word(addr), limit - 1)),
            Box::new(value_of(areas, areas.word(addr.add(1)), limit - 1)),
        ),
        Decoded::Boxed(addr) => {
            let header = areas.word(addr);
            assert!(
                header.header_tag().is_some(),
                "boxed pointer to a non-header word {header:?}"
            );
            let fields = object::term_fields(header);
            let mut raw = Vec::new();
            let mut vals = Vec::new();
            for i in 1..object::object_size(header) {
                let w = areas.word(addr.add(i as u32));
                if fields.contains(&i) {
                    vals.push(value_of(areas, w, limit - 1));
                } else if header.header_tag() != Some(HeaderTag::RefcBinary) || i != 2 {
                    // A ProcBin's `next` word (2) is list bookkeeping, not part of the value.
                    raw.push(w.0);
                }
            }
            Value::Boxed {
                header: header.0,
                raw,
                fields: vals,
            }
        }
        _ => Value::Immediate(t.0),
    }
}

/// The values bound to each variable of each live process, by (process name, variable name).
pub fn bound_values(vm: &Vm) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for p in vm.processes().iter().filter(|p| p.is_alive()) {
        let areas = vm.areas_of(p);
        for (name, t) in p.vars() {
            out.push((
                p.name.clone(),
                name.to_string(),
                value_of(&areas, t, 100_000),
            ));
        }
    }
    out
}

/// A VM that runs ops, verifying the whole machine after each one.
pub struct Driver {
    /// The machine.
    pub vm: Vm,
}

impl Default for Driver {
    fn default() -> Self {
        Driver { vm: Vm::new() }
    }
}

impl Driver {
    /// Runs one op and verifies the VM.
    ///
    /// # Panics
    /// If the op fails or the verifier finds an inconsistency.
    #[track_caller]
    pub fn op(&mut self, op: Op) {
        self.vm
            .apply(&op)
            .unwrap_or_else(|e| panic!("{op:?} failed: {e}"));
        self.vm.drain_events().for_each(drop);
        if let Err(e) = self.vm.check() {
            panic!("after {op:?}: {e}");
        }
    }

    /// Spawns a process.
    #[track_caller]
    pub fn spawn(&mut self, name: &str, opts: SpawnOpts) -> Pid {
        self.op(Op::Spawn {
            name: name.into(),
            opts,
        });
        Pid(self.vm.processes().len() as u32 - 1)
    }

    /// Spawns a worker as `gc_trace.escript`'s `run_worker` does: the spawn arguments (two closures and an
    /// argument list, `args_words`) are copied onto its heap and are dead once it runs, and the worker function
    /// keeps a frame that makes the stack `stack` words deep.
    #[track_caller]
    pub fn worker(&mut self, opts: SpawnOpts, args_words: u64, stack: u64) -> Pid {
        let pid = self.spawn("worker", opts);
        self.op(Op::AllocGarbage {
            pid,
            words: args_words,
        });
        self.op(Op::PushFrame {
            pid,
            words: stack - 1,
            heap: 0,
        });
        pid
    }

    /// `checkpoint/2`: the worker sends `{checkpoint, self(), Tag, Extra}` (a 5-word tuple, garbage after the send).
    #[track_caller]
    pub fn checkpoint(&mut self, pid: Pid) {
        self.op(Op::AllocGarbage { pid, words: 5 });
    }

    /// The process.
    pub fn p(&self, pid: Pid) -> &beamviz::process::Process {
        self.vm.process(pid).expect("pid")
    }
}

/// A command running the installed Erlang/Elixir (`erl`, `escript`, `elixir`) the way the tests need it.
///
/// The schedulers do not busy-wait: on a loaded machine (CI runs the tests two at a time on two cores)
/// spinning schedulers made a trivial Elixir script take 4-9 s instead of 0.4 s, and a whole export run time
/// out. Busy-waiting only decides what an idle scheduler does; no memory number depends on it.
pub fn beam(program: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.env("ERL_FLAGS", "+sbwt none +sbwtdcpu none +sbwtdio none");
    cmd
}

/// The directory `tests/oracle`.
pub fn oracle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oracle")
}

/// One oracle record: its fields.
pub type Record = BTreeMap<String, String>;

/// The records of `kind` in `file` (a tab-separated `kind key=value ...` file under `tests/oracle`).
///
/// # Panics
/// If the file cannot be read.
pub fn records(file: &str, kind: &str) -> Vec<Record> {
    let text = std::fs::read_to_string(oracle_dir().join(file))
        .unwrap_or_else(|e| panic!("reading {file}: {e}"));
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split('\t');
            (parts.next() == Some(kind)).then(|| {
                parts
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
        })
        .collect()
}

/// A numeric field.
///
/// # Panics
/// If it is missing or not a number.
pub fn num(r: &Record, key: &str) -> u64 {
    r.get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("record {r:?} has no number {key}"))
}

/// Measures the CPU time this thread spends, where the platform tells it (Linux: `/proc/thread-self/stat`, in
/// 10 ms ticks), else wall-clock time.
///
/// Time limits in tests ("a hostile input ends within a second") are about the work an input costs, and CPU time
/// measures that whatever else runs: on a loaded two-core CI machine, wall-clock time can be several times longer.
pub struct Stopwatch {
    cpu: Option<std::time::Duration>,
    wall: std::time::Instant,
}

impl Stopwatch {
    /// Starts measuring now.
    pub fn start() -> Stopwatch {
        Stopwatch {
            cpu: thread_cpu_time(),
            wall: std::time::Instant::now(),
        }
    }

    /// The CPU time spent since `start`, or the wall-clock time where CPU time is not available.
    pub fn elapsed(&self) -> std::time::Duration {
        match (self.cpu, thread_cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => self.wall.elapsed(),
        }
    }
}

/// This thread's user + system CPU time, from `/proc/thread-self/stat` (fields 14 and 15, after the command name,
/// which is in parentheses and may hold spaces), assuming the usual 100 ticks per second.
fn thread_cpu_time() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state), so fields 14 and 15 are at 11 and 12.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(std::time::Duration::from_millis(ticks * 10))
}
