//! `cargo xtask bench`: the benchmark table, model beside the real BEAM.
//!
//! The benchmarks are `crates/beamviz/benches/gc.rs` (a plain harness: one warm-up run, then the median of 7),
//! which also runs `crates/beamviz/benches/beam.escript` for the BEAM's figures and prints the ratios.
//! The model-only rows include the scale scenarios of `tests/scale/`: reading and running the 1,000,000-step one
//! (seconds), and seeks to step N in it, which stay under a millisecond.
//! These are benchmarks, not timed tests: nothing fails on a slow figure.

use crate::{run, Result};
use std::path::Path;
use std::process::Command;

/// Runs the benchmarks in release mode and prints their table.
pub fn bench(root: &Path) -> Result {
    if Command::new("escript").arg("-h").output().is_err() {
        println!("note: escript is not installed, so the table has no BEAM column (`cargo xtask test` installs Erlang)");
    }
    run(Command::new("cargo")
        .current_dir(root)
        .args(["bench", "-p", "beamviz", "--bench", "gc"]))
}
