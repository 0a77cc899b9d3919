//! Scenarios: a titled list of steps, each an op with a sentence of narration.
//!
//! Model: the first scenario is built in code; the scenario language (Elixir or Erlang statements in `.scn` files)
//! produces the same structure.

use crate::op::{Op, Value};
use crate::process::{Pid, SpawnOpts};
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// One step: what runs, and what to say about it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Step {
    /// The op.
    pub op: Op,
    /// The statement as a learner would write it (Elixir syntax).
    pub code: String,
    /// One sentence for the learner.
    pub narration: String,
}

/// A scenario.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Scenario {
    /// Short id, as used in URLs and `scenario="…"` attributes.
    pub id: String,
    /// Title.
    pub title: String,
    /// What it shows, shown at step 0.
    pub description: String,
    /// The steps.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// The ops of all steps.
    pub fn ops(&self) -> Vec<Op> {
        self.steps.iter().map(|s| s.op.clone()).collect()
    }
}

/// The ids of the built-in scenarios.
pub const BUILTIN: &[&str] = &["process-lifecycle", "generations"];

/// A built-in scenario by id.
pub fn builtin(id: &str) -> Option<Scenario> {
    match id {
        "process-lifecycle" => Some(process_lifecycle()),
        "generations" => Some(generations()),
        _ => None,
    }
}

struct Builder {
    steps: Vec<Step>,
}

impl Builder {
    fn step(&mut self, op: Op, code: &str, narration: &str) {
        self.steps.push(Step {
            op,
            code: code.to_string(),
            narration: narration.to_string(),
        });
    }
}

fn bind(pid: Pid, var: &str, value: Value) -> Op {
    Op::Bind {
        pid,
        var: var.to_string(),
        value,
    }
}

fn process_lifecycle() -> Scenario {
    let (a, b) = (Pid(0), Pid(1));
    let mut s = Builder { steps: Vec::new() };
    s.step(
        Op::Spawn { name: "a".into(), opts: SpawnOpts::default() },
        "a = spawn(fn -> ... end)",
        "Process a starts with a 233-word block: the heap grows up from the bottom, the stack (one return address) down from the top.",
    );
    s.step(
        Op::Spawn {
            name: "b".into(),
            opts: SpawnOpts::default(),
        },
        "b = spawn(fn -> ... end)",
        "Process b gets its own 233-word block; processes share no heap memory.",
    );
    s.step(
        bind(a, "list", Value::Seq(1, 20)),
        "list = Enum.to_list(1..20)",
        "a builds a 20-element list: 20 cons cells of 2 words each, 40 words at the bottom of its heap, and one stack slot for the variable.",
    );
    s.step(
        bind(a, "bin", Value::Binary { bytes: 100, fill: 0 }),
        "bin = :binary.copy(<<0>>, 100)",
        "A 100-byte binary is too big for the heap (over 64 bytes): its bytes go to the shared binary area with a reference count of 1, and a 6-word ProcBin handle goes on a's heap.",
    );
    s.step(
        bind(a, "msg", Value::Tuple(alloc::vec![Value::Var("list".into()), Value::Var("bin".into())])),
        "msg = {list, bin}",
        "The tuple {list, bin} takes 3 words: a header and two pointers; the list and the binary are shared, not copied.",
    );
    s.step(
        Op::Send { from: a, to: b, var: "msg".into() },
        "send(b, msg)",
        "Sending copies the whole message onto b's heap: 49 words (tuple, 20 cons cells, ProcBin). The binary's bytes are not copied; b gets its own handle and the count goes to 2.",
    );
    s.step(
        Op::Receive {
            pid: b,
            var: "got".into(),
        },
        "got = receive do m -> m end",
        "b takes the message out of its mailbox and binds it; the copy already lives on b's heap.",
    );
    s.step(
        Op::Forget { pid: a, var: "msg".into() },
        "_ = msg  # last use",
        "a no longer needs the tuple: its 3 words are now garbage, but they stay on the heap until the next GC.",
    );
    s.step(
        bind(a, "acc", Value::Seq(1, 40)),
        "acc = Enum.to_list(1..40)",
        "a keeps allocating: 80 more words. 129 of its 233 words are used and the free gap between heap top and stack top shrinks.",
    );
    s.step(
        bind(a, "acc", Value::Seq(1, 50)),
        "acc = Enum.to_list(1..50)",
        "The next list needs 100 words, but heap top would then pass stack top (4 words stay reserved): a garbage collects. A process's first GC is always major: the 46 live words (list and binary handle) are copied to a new block, the 83 words of dead tuple and old acc are left behind.",
    );
    s.step(
        bind(a, "acc", Value::Seq(1, 40)),
        "acc = Enum.to_list(1..40)",
        "Heap and stack meet again. This GC is minor: the 46 words that already survived one GC lie below the high-water mark and are promoted to a new 376-word old heap; the dead 100-word list is reclaimed.",
    );
    s.step(
        Op::Exit { pid: b },
        "Process.exit(b, :kill)",
        "b exits: its heap is freed at once and its handle is released, so the binary's count drops to 1.",
    );
    s.step(
        Op::Exit { pid: a },
        "Process.exit(a, :kill)",
        "a exits too: the last handle goes, the count reaches 0 and the binary's bytes are freed. All memory is reclaimed.",
    );
    Scenario {
        id: "process-lifecycle".into(),
        title: "Process lifecycle".into(),
        description: "Two processes start, build terms, pass a message with a shared binary, collect garbage and exit."
            .into(),
        steps: s.steps,
    }
}

fn generations() -> Scenario {
    let p = Pid(0);
    let mut s = Builder { steps: Vec::new() };
    s.step(
        Op::Spawn { name: "p".into(), opts: SpawnOpts::default() },
        "p = spawn(fn -> ... end)",
        "A fresh process: a 233-word block holding both the heap (growing up) and the stack (growing down).",
    );
    s.step(
        Op::BuildList { pid: p, var: "xs".into(), n: 3000 },
        "xs = build(3000, [])",
        "Compiled code conses one cell at a time and tests the heap before each: when the heap top would come within \
         S_RESERVED (4) words of the stack, the process collects. The first GC is always major; then minors promote \
         what survived an earlier GC into the old heap, until the old heap cannot take the promotion and a major \
         GC starts a new cycle with a bigger young heap.",
    );
    s.step(
        Op::GarbageCollect { pid: p },
        ":erlang.garbage_collect()",
        "A major GC copies everything live into one new block and frees the old heap. Live data over 75 % of the \
         new block only marks the heap to grow at the next major GC.",
    );
    s.step(
        Op::Hibernate { pid: p },
        ":erlang.hibernate(M, :wake, [xs])",
        "Hibernation cuts the stack back to one word and compacts the heap to exactly the live data (the argument \
         list included) plus S_RESERVED, not rounded to the heap-size table.",
    );
    s.step(
        Op::Wake { pid: p, extra: 2 },
        "wake(xs)",
        "Waking up, the new frame does not fit in the tight heap: the first GC promotes everything into a new old \
         heap, so the process's footprint is now larger than before it hibernated.",
    );
    s.step(
        Op::Exit { pid: p },
        "exit(:normal)",
        "The process exits: its young block and old heap are freed at once.",
    );
    Scenario {
        id: "generations".into(),
        title: "Young and old generations".into(),
        description: "A list grows cons by cons through minor and major GCs; then the process hibernates and wakes."
            .into(),
        steps: s.steps,
    }
}
