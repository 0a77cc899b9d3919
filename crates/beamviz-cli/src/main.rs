//! `beamviz`: the model on the command line. The same core as the page; no logic of its own.

use beamviz::history::History;
use beamviz::scenario;
use beamviz::view::{ascii_heap, View};
use std::process::ExitCode;

const USAGE: &str = "usage: beamviz run SCENARIO\n\nbuilt-in scenarios: ";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["run", id] => run(id),
        _ => {
            eprintln!("{USAGE}{}", scenario::BUILTIN.join(", "));
            ExitCode::from(2)
        }
    }
}

fn run(id: &str) -> ExitCode {
    let Some(s) = scenario::builtin(id) else {
        eprintln!(
            "beamviz: no built-in scenario {id:?}; built-in: {}",
            scenario::BUILTIN.join(", ")
        );
        return ExitCode::from(2);
    };
    let mut h = History::new(s.ops());
    println!("# {}", s.title);
    for step in 0..=h.len() {
        h.seek(step);
        let view = View::of(h.vm());
        let code = if step == 0 {
            ""
        } else {
            s.steps[step - 1].code.as_str()
        };
        println!("step {step}: {code}");
        for p in &view.processes {
            println!("  {}  [{}]", ascii_heap(p, 40), p.stage);
        }
        for b in &view.binaries {
            println!("  binary #{} {} bytes refc {}", b.id, b.bytes, b.refc);
        }
        for e in h.events_at(step) {
            println!("  - {e}");
        }
    }
    if let Some((i, e)) = h.error() {
        eprintln!("beamviz: step {} failed: {e}", i + 1);
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
