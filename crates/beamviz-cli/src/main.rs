//! `beamviz`: the model on the command line. The same core as the page; no logic of its own.

use beamviz::history::History;
use beamviz::scenario;
use std::process::ExitCode;

mod size;

const USAGE: &str = "usage: beamviz run SCENARIO\n       beamviz size [--lang erlang|elixir] (EXPR | --batch FILE)\n\nbuilt-in scenarios: ";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["run", id] => run(id),
        ["size", ..] => size::main(&args[1..]),
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
    print!("{}", beamviz::trace::trace(&s));
    if let Some((i, e)) = History::new(s.ops()).error() {
        eprintln!("beamviz: step {} failed: {e}", i + 1);
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
