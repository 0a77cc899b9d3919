//! Bookkeeping for `cargo xtask test`: a `==> step` line per step, a durations table,
//! and the final `N passed, N failed` line.
//!
//! Passed and failed are counted from the tests' own summaries: libtest's (and
//! wasm-bindgen-test-runner's) `test result:` lines and node's TAP `# pass N` / `# fail N`.
//! A step that fails without reporting a failed test (fmt, clippy, a build) counts as one failure.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{check_status, secs, show, Result};

#[derive(Default)]
pub struct Report {
    rows: Vec<(String, Duration, &'static str)>,
    total: Counts,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

impl Report {
    /// Runs a step that is not a test run.
    pub fn check(&mut self, name: &str, step: impl FnOnce() -> Result) {
        self.step(name, || (Counts::default(), step()));
    }

    /// Runs the test command `make` returns, streaming its stdout and counting its results.
    pub fn tests(&mut self, name: &str, make: impl FnOnce() -> Result<Command>) {
        self.step(name, || match make() {
            Ok(mut cmd) => run_counting(&mut cmd),
            Err(msg) => (Counts::default(), Err(msg)),
        });
    }

    pub fn skip(&mut self, name: &str, why: &str) {
        println!("==> {name}: skipped, {why}");
        self.rows.push((name.to_owned(), Duration::ZERO, "skipped"));
    }

    fn step(&mut self, name: &str, step: impl FnOnce() -> (Counts, Result)) {
        println!("==> {name}");
        let start = Instant::now();
        let (mut counts, res) = step();
        let time = start.elapsed();
        let result = match res {
            Ok(()) => "ok",
            Err(msg) => {
                println!("FAILED: {name}: {msg}");
                counts.failed = counts.failed.max(1);
                "FAILED"
            }
        };
        println!("==> {name}: {result} in {}", secs(time));
        self.total.passed += counts.passed;
        self.total.failed += counts.failed;
        self.rows.push((name.to_owned(), time, result));
    }

    /// Prints the durations table and the summary line; returns whether everything passed.
    pub fn finish(self) -> bool {
        println!("\n{:>8}  {:<7} step", "time", "result");
        for (name, time, result) in &self.rows {
            println!("{:>8}  {result:<7} {name}", secs(*time));
        }
        let total: Duration = self.rows.iter().map(|(_, time, _)| *time).sum();
        println!("{:>8}  total\n", secs(total));
        let Counts { passed, failed } = self.total;
        println!("{passed} passed, {failed} failed");
        failed == 0
    }
}

/// Runs a test command, printing its stdout as it comes and adding up the results it reports.
fn run_counting(cmd: &mut Command) -> (Counts, Result) {
    println!("    $ {}", show(cmd));
    let mut counts = Counts::default();
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return (counts, Err(format!("cannot start `{}`: {e}", show(cmd)))),
    };
    let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    for line in stdout.lines().map_while(std::result::Result::ok) {
        println!("{line}");
        if let Some(more) = parse_counts(&line) {
            counts.passed += more.passed;
            counts.failed += more.failed;
        }
    }
    let res = child
        .wait()
        .map_err(|e| e.to_string())
        .and_then(|status| check_status(cmd, status));
    (counts, res)
}

/// The counts one line of test output reports, if it is a summary line.
fn parse_counts(line: &str) -> Option<Counts> {
    if let Some(rest) = line.trim_start().strip_prefix("test result:") {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let count = |label: &str| {
            let at = words
                .iter()
                .position(|word| word.trim_end_matches([';', ',']) == label)?;
            words.get(at.checked_sub(1)?)?.parse().ok()
        };
        return Some(Counts {
            passed: count("passed")?,
            failed: count("failed").unwrap_or(0),
        });
    }
    // TAP: only the top-level summary, not indented subtests.
    if let Some(n) = line.strip_prefix("# pass ") {
        return Some(Counts {
            passed: n.trim().parse().ok()?,
            failed: 0,
        });
    }
    if let Some(n) = line.strip_prefix("# fail ") {
        return Some(Counts {
            passed: 0,
            failed: n.trim().parse().ok()?,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(line: &str, expected: Option<(u64, u64)>) {
        let expected = expected.map(|(passed, failed)| Counts { passed, failed });
        assert_eq!(parse_counts(line), expected);
    }

    #[test]
    fn counts_libtest_and_tap_summaries() {
        check("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s", Some((12, 0)));
        check(
            "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            Some((3, 2)),
        );
        check("# pass 4", Some((4, 0)));
        check("# fail 1", Some((0, 1)));
        check("    # pass 4", None);
        check("test foo ... ok", None);
    }
}
