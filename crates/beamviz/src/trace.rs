//! A scenario's run as text: one block per step with each process's heap picture, the binaries and the events.
//!
//! The golden tests compare this text with committed snapshots, and `beamviz run` prints it,
//! so a failing test and the command line show the same picture.

use crate::scenario::Scenario;
use crate::view::{ascii_heap, View};
use alloc::string::String;
use core::fmt::Write;

/// Width of the heap pictures, in characters.
pub const HEAP_PICTURE_WIDTH: u64 = 40;

/// Runs `scenario` and renders every step, step 0 included.
pub fn trace(scenario: &Scenario) -> String {
    let mut h = scenario.history();
    let mut out = String::new();
    let _ = writeln!(out, "# {}", scenario.title);
    for step in 0..=h.len() {
        h.seek(step);
        let view = View::of(h.vm());
        let code = if step == 0 {
            ""
        } else {
            scenario.steps[step - 1].code.as_str()
        };
        if code.is_empty() {
            let _ = writeln!(out, "step {step}");
        } else {
            let _ = writeln!(out, "step {step}: {code}");
        }
        for p in &view.processes {
            let _ = writeln!(
                out,
                "  {}  [{}]",
                ascii_heap(p, HEAP_PICTURE_WIDTH),
                p.stage
            );
        }
        for b in &view.binaries {
            let _ = writeln!(out, "  binary #{} {} bytes refc {}", b.id, b.bytes, b.refc);
        }
        for e in h.events_at(step) {
            let _ = writeln!(out, "  - {e}");
        }
    }
    if let Some((i, e)) = h.error() {
        let _ = writeln!(out, "error at step {}: {e}", i + 1);
    }
    out
}
