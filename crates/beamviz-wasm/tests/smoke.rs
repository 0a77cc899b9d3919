//! Smoke tests of the bindings, run by `wasm-bindgen-test-runner` under node (`cargo xtask test`).
#![cfg(target_arch = "wasm32")]

use beamviz_wasm::Simulator;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn runs_in_wasm() {
    assert_eq!(core::mem::size_of::<usize>(), 4);
}

#[wasm_bindgen_test]
fn unknown_scenario_is_an_error_not_a_panic() {
    assert!(Simulator::new("no-such-scenario").is_err());
}

#[wasm_bindgen_test]
fn lifecycle_runs_to_the_end_and_seeks_back() {
    let mut sim = Simulator::new("process-lifecycle").expect("built-in scenario");
    assert!(sim.error().is_none());
    assert_eq!(sim.step(), 0);
    let len = sim.len();
    assert!(len > 10);
    sim.seek(len + 100);
    assert_eq!(sim.step(), len);
    sim.seek(3);
    assert_eq!(sim.step(), 3);
    assert!(!sim.code(3).is_empty());
    assert!(!sim.narration(0).is_empty());
    assert!(sim.code(len + 1).is_empty());
}

#[wasm_bindgen_test]
fn cells_cover_the_young_block() {
    let mut sim = Simulator::new("process-lifecycle").expect("built-in scenario");
    sim.seek(3);
    assert_eq!(sim.cells_young(0).expect("pid 0 exists").len(), 233);
    assert!(sim.cells_old(0).expect("pid 0 exists").is_empty());
    assert!(sim.cells_young(99).is_err());
}

#[wasm_bindgen_test]
fn gc_step_reports_heap_meets_stack() {
    let sim = Simulator::new("process-lifecycle").expect("built-in scenario");
    let gc_steps: Vec<usize> = (0..=sim.len())
        .filter(|&s| sim.events(s).iter().any(|e| e.contains("heap meets stack")))
        .collect();
    assert_eq!(gc_steps, [10, 11]);
}

#[wasm_bindgen_test]
fn view_serializes() {
    let sim = Simulator::new("process-lifecycle").expect("built-in scenario");
    assert!(sim.view().is_ok_and(|v| v.is_object()));
    assert!(Simulator::legend().is_ok());
    assert!(Simulator::scenarios().is_ok());
}

#[derive(serde::Deserialize)]
struct Frame {
    step: usize,
    events: Vec<EventSeen>,
}

#[derive(serde::Deserialize)]
struct EventSeen {
    kind: String,
    pids: Vec<u32>,
}

#[wasm_bindgen_test]
fn event_kinds_and_pids_cross() {
    let mut sim = Simulator::new("process-lifecycle").expect("built-in scenario");
    sim.seek(6);
    let frame: Frame = serde_wasm_bindgen::from_value(sim.view().expect("view serializes"))
        .expect("the frame has the mirror's shape");
    assert_eq!(frame.step, 6);
    let seen: Vec<(&str, &[u32])> = frame
        .events
        .iter()
        .map(|e| (e.kind.as_str(), e.pids.as_slice()))
        .collect();
    assert_eq!(
        seen,
        [("RefcChanged", &[1][..]), ("MessageSent", &[0, 1][..])]
    );
}
