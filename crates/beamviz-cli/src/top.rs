//! `beamviz top SCENARIO [--step N] [--by ATTR] [-n N]`: the processes ranked as `recon:proc_count/2` ranks them,
//! at one step of a scenario (the last by default).

use beamviz::view::{top, TopBy};
use beamviz::View;
use std::fmt::Write as _;
use std::process::ExitCode;

const USAGE: &str = "usage: beamviz top SCENARIO [--step N] [--by memory|total_heap_size|binary_memory|message_queue_len] [-n N]";

/// Runs the subcommand; `args` follow `top`.
pub fn main(args: &[&str]) -> ExitCode {
    let mut what = None;
    let (mut step, mut by, mut n) = (None, TopBy::Memory, 10usize);
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        let value = match a {
            "--step" | "--by" | "-n" => match it.next() {
                Some(v) => *v,
                None => return usage(&format!("{a} needs a value")),
            },
            _ if what.is_none() && !a.starts_with('-') => {
                what = Some(a);
                continue;
            }
            _ => return usage(&format!("unexpected argument {a}")),
        };
        match a {
            "--step" => match value.parse::<usize>() {
                Ok(s) => step = Some(s),
                Err(_) => return usage(&format!("--step {value}: not a step number")),
            },
            "--by" => match value.parse() {
                Ok(b) => by = b,
                Err(()) => return usage(&format!("--by {value}: not an attribute recon ranks by")),
            },
            _ => match value.parse::<usize>() {
                Ok(k) if k > 0 => n = k,
                _ => return usage(&format!("-n {value}: not a positive number")),
            },
        }
    }
    let Some(what) = what else {
        return usage("which scenario?");
    };
    let Some(l) = super::load(what) else {
        return ExitCode::from(2);
    };
    let mut h = l.scenario.history();
    let step = step.unwrap_or(h.len());
    if step > h.len() {
        eprintln!(
            "beamviz: {what}: --step {step}: the scenario has steps 0 to {}",
            h.len()
        );
        return ExitCode::from(2);
    }
    h.seek(step);
    print!("{}", table(&View::of(h.vm()), by, n, step, h.len()));
    ExitCode::SUCCESS
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("beamviz top: {problem}\n{USAGE}");
    ExitCode::from(2)
}

/// The ranking as a text table: the attribute ranked by first, then the others for context.
pub fn table(view: &View, by: TopBy, n: usize, step: usize, steps: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "step {step} of {steps}, top {n} by {}", by.name());
    let cols = [
        TopBy::Memory,
        TopBy::TotalHeapSize,
        TopBy::BinaryMemory,
        TopBy::MessageQueueLen,
    ];
    let _ = write!(out, "{:<10} {:<12}", "pid", "name");
    for c in cols {
        let _ = write!(out, " {:>17}", c.name());
    }
    let _ = writeln!(out, "  stage");
    for (pid, _) in top(view, by, n) {
        let p = &view.processes[pid as usize];
        let _ = write!(out, "{:<10} {:<12}", format!("<0.{pid}.0>"), p.name);
        for c in cols {
            // The value of each column, from the same ranking function that ranks by it.
            let v = top(view, c, usize::MAX)
                .into_iter()
                .find(|(q, _)| *q == pid)
                .map_or(0, |(_, v)| v);
            let _ = write!(out, " {v:>17}");
        }
        let _ = writeln!(out, "  {:?}", p.stage);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_binary_memory_with_every_column() {
        let src = "# T\n\nactor a\nactor b\na: x = :binary.copy(<<1>>, 2000)\nb: y = :binary.copy(<<1>>, 500)\n";
        let s = beamviz::scenario::parse("t", src).expect("parses");
        let mut h = s.history();
        h.seek(h.len());
        let t = table(&View::of(h.vm()), TopBy::BinaryMemory, 1, 4, 4);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "step 4 of 4, top 1 by binary_memory");
        assert_eq!(lines.len(), 3, "{t}");
        let row: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(row[..2], ["<0.0.0>", "a"]);
        assert_eq!(row[4], "2000", "{t}");
    }
}
