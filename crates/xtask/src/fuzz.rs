//! `cargo xtask fuzz`: the long fuzzing run of the expression evaluator and the scenario parser and runner.
//!
//! The fuzzer itself is `tests/fuzz/main.rs` (library code in `tests/src/fuzz.rs`), built in release mode; this
//! only builds and starts it. `cargo xtask test` runs a short budget of the same generator as a test.

use crate::{run, Result};
use std::path::Path;
use std::process::Command;

/// Runs the fuzzer with `args` (`--inputs N`, `--seed S`, `--threads T`; `replay TARGET FILE`).
pub fn fuzz(root: &Path, args: &[&str]) -> Result {
    run(Command::new("cargo")
        .current_dir(root)
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "beamviz-tests",
            "--bin",
            "fuzz",
            "--",
        ])
        .args(args))
}
