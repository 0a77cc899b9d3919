//! Built-in scenarios written in code, for ops the scenario language cannot express yet.
//!
//! FIXME: "generations" uses `BuildList`, `Hibernate` and `Wake`, which have no statement form yet;
//! it becomes `www/scenarios/generations.scn` once `statement.rs` maps `build/2`, `:erlang.hibernate/3` and waking.

use super::{Scenario, Span, Step, Syntax};
use crate::op::Op;
use crate::process::{Pid, SpawnOpts};
use alloc::string::ToString;
use alloc::vec::Vec;

struct Builder {
    steps: Vec<Step>,
}

impl Builder {
    fn step(&mut self, op: Op, code: &str, narration: &str) {
        self.steps.push(Step {
            op,
            code: code.to_string(),
            narration: narration.to_string(),
            span: Span::default(),
            expects: Vec::new(),
            predict: None,
        });
    }
}

/// "Young and old generations": a list grown cons by cons, then hibernation and waking.
pub fn generations() -> Scenario {
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
        syntax: Syntax::Elixir,
        steps: s.steps,
    }
}
