//! Smoke tests of the bindings, run by `wasm-bindgen-test-runner` under node (`cargo xtask test`).
#![cfg(target_arch = "wasm32")]

use beamviz_wasm::Simulator;
use wasm_bindgen::{JsError, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// The bindings return JSON text; the page reads it with `JSON.parse`, and so do these tests.
fn parse(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("the bindings write valid JSON")
}

#[wasm_bindgen_test]
fn runs_in_wasm() {
    assert_eq!(core::mem::size_of::<usize>(), 4);
}

/// A built-in scenario as the page runs it: its file's text (which the page fetches) under its id.
/// Reads and runs scenario text as the page does: `open`, then `advance` through every step.
fn from_source(id: &str, src: &str) -> Result<Simulator, JsError> {
    with_vm(id, src, "")
}

/// `from_source` with the VM switches `vm` forced.
fn with_vm(id: &str, src: &str, vm: &str) -> Result<Simulator, JsError> {
    let mut sim = Simulator::open(id, src, vm)?;
    sim.advance(usize::MAX)?;
    Ok(sim)
}

fn builtin(id: &str) -> Simulator {
    let src = match id {
        "process-lifecycle" => include_str!("../../../www/scenarios/process-lifecycle.scn"),
        "binary-leak" => include_str!("../../../www/scenarios/binary-leak.scn"),
        _ => panic!("no test text for {id}"),
    };
    from_source(id, src).expect("built-in scenario")
}

#[wasm_bindgen_test]
fn bad_scenario_text_is_an_error_not_a_panic() {
    assert!(from_source("bad", "actor a").is_err());
}

#[wasm_bindgen_test]
fn the_scenario_list_names_every_built_in_scenario_without_its_text() {
    let list = Simulator::scenarios();
    assert!(
        list.starts_with("[{\"id\":\"process-lifecycle\",\"title\":\"Process lifecycle\"},"),
        "{list}"
    );
    assert_eq!(
        list.matches("\"id\":").count(),
        beamviz::scenario::BUILTIN.len(),
        "{list}"
    );
}

#[wasm_bindgen_test]
fn lifecycle_runs_to_the_end_and_seeks_back() {
    let mut sim = builtin("process-lifecycle");
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
    let mut sim = builtin("process-lifecycle");
    sim.seek(3);
    assert_eq!(sim.cells(0, false).expect("pid 0 exists").len(), 233);
    assert!(sim.cells(0, true).expect("pid 0 exists").is_empty());
    assert!(sim.cells(99, false).is_err());
}

#[wasm_bindgen_test]
fn gc_step_reports_heap_meets_stack() {
    let mut sim = builtin("process-lifecycle");
    let gc_steps: Vec<usize> = (0..=sim.len())
        .filter(|&s| {
            sim.seek(s);
            sim.view().contains("heap meets stack")
        })
        .collect();
    assert_eq!(gc_steps, [10, 11]);
}

#[wasm_bindgen_test]
fn view_serializes() {
    let sim = builtin("process-lifecycle");
    assert!(parse(&sim.view()).is_object());
    assert!(parse(&Simulator::legend()).is_object());
    assert!(js_sys::Array::is_array(&parse(&Simulator::scenarios())));
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
    let mut sim = builtin("process-lifecycle");
    sim.seek(6);
    let frame: Frame = serde_wasm_bindgen::from_value(parse(&sim.view()))
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

#[derive(serde::Deserialize)]
struct Inspected {
    ok: Option<InspectedTerm>,
    error: Option<InspectedError>,
}

#[derive(serde::Deserialize)]
struct InspectedTerm {
    size: u64,
    flat_size: u64,
    copy_words: u64,
}

#[derive(serde::Deserialize)]
struct InspectedError {
    line: u32,
    col: u32,
}

fn inspect(src: &str, lang: &str) -> Inspected {
    serde_wasm_bindgen::from_value(parse(&Simulator::inspect(src, lang)))
        .expect("the inspection has the mirror's shape")
}

#[wasm_bindgen_test]
fn inspect_measures_or_locates_the_error() {
    let ok = inspect("begin L = lists:seq(1, 3), {L, L, L} end", "erlang")
        .ok
        .expect("evaluates");
    assert_eq!((ok.size, ok.flat_size, ok.copy_words), (10, 22, 22));
    assert!(inspect("%{a: 1}", "elixir").ok.is_some());
    let err = inspect("{1,\n  2 +}", "erlang")
        .error
        .expect("syntax error");
    assert_eq!((err.line, err.col), (2, 6));
    assert!(inspect("lists:seq(1, 100000000)", "erlang").error.is_some());
}

#[derive(serde::Deserialize)]
struct CheckedFrame {
    checks: Vec<CheckSeen>,
    events: Vec<TextSeen>,
}

#[derive(serde::Deserialize)]
struct CheckSeen {
    text: String,
    ok: bool,
}

#[derive(serde::Deserialize)]
struct TextSeen {
    text: String,
}

#[wasm_bindgen_test]
fn checkpoints_are_evaluated_and_events_name_processes() {
    let mut sim = builtin("binary-leak");
    sim.seek(3);
    let frame: CheckedFrame = serde_wasm_bindgen::from_value(parse(&sim.view()))
        .expect("the frame has the mirror's shape");
    let checks: Vec<(&str, bool)> = frame
        .checks
        .iter()
        .map(|c| (c.text.as_str(), c.ok))
        .collect();
    assert_eq!(
        checks,
        [
            ("binary(body).refc == 1", true),
            ("binary(body).bytes == 1000", true)
        ]
    );
    sim.seek(7);
    let frame: CheckedFrame = serde_wasm_bindgen::from_value(parse(&sim.view()))
        .expect("the frame has the mirror's shape");
    assert!(frame.events.iter().all(|e| !e.text.contains("<0.")));
    assert!(sim.predict(7).is_some_and(|p| parse(&p).is_object()));
    assert!(sim.predict(6).is_none());
}

#[wasm_bindgen_test]
fn user_scenarios_run_or_report_where_they_are_wrong() {
    let src = include_str!("../../../www/scenarios/process-lifecycle.scn");
    let sim = from_source("mine", src).expect("a built-in text reads as a user scenario");
    assert_eq!(sim.id(), "mine");
    assert_eq!(sim.len(), builtin("process-lifecycle").len());
    assert!(Simulator::check(src).starts_with("{\"ok\":{\"title\":"));
    let bad = src.replacen(":lists.seq(1, 20)", ":lists.seq(1, 20", 1);
    let err = Simulator::check(&bad);
    assert!(
        err.starts_with("{\"error\":{\"line\":12,\"col\":27,"),
        "{err}"
    );
    assert!(from_source("mine", &bad).is_err());
}

#[wasm_bindgen_test]
fn gc_steps_are_listed_and_their_fates_add_up() {
    let mut sim = builtin("process-lifecycle");
    let gcs = sim.steps_with("GcFinished");
    assert_eq!(gcs, [10, 11]);
    assert_eq!(sim.steps_with("NoSuchEvent"), Vec::<u32>::new());
    // The state before the first GC: each heap word is copied, promoted or freed; free gap and stack are not moved.
    sim.seek(9);
    let cells = sim.cells(0, false).expect("pid 0 exists");
    let fates = sim.gc_fates(0, "minor", false).expect("pid 0 exists");
    assert_eq!(fates.len(), cells.len());
    let garbage = view_garbage(&cells);
    for (i, (&c, &f)) in cells.iter().zip(&fates).enumerate() {
        let heap_word = (1..=9).contains(&(c & 0x1f));
        assert_eq!(heap_word, f != 0, "word {i}: cell {c:#x}, fate {f}");
        if heap_word {
            assert_eq!(garbage.contains(&i), f == 3, "word {i}: garbage is freed");
        }
    }
    assert!(fates.contains(&1) && fates.contains(&3));
}

/// The word indices the cells mark as garbage.
fn view_garbage(cells: &[u8]) -> Vec<usize> {
    let legend = Simulator::legend();
    let flag = if legend.contains("\"cell_garbage\":128") {
        0x80
    } else {
        panic!("the legend names the garbage flag: {legend}")
    };
    (0..cells.len()).filter(|&i| cells[i] & flag != 0).collect()
}

#[wasm_bindgen_test]
fn memory_series_has_five_numbers_per_step_and_keeps_the_step() {
    let mut sim = builtin("binary-leak");
    sim.seek(3);
    let series = sim.memory_series().to_vec();
    assert_eq!(
        Simulator::memory_series_names(),
        r#"["processes","binary","ets","atom","total"]"#
    );
    assert_eq!(series.len(), (sim.len() + 1) * 5);
    assert_eq!(sim.step(), 3);
    // Step 3 made a 1000-byte binary: the binary column says so, and total is the sum of the others.
    assert_eq!(series[3 * 5 + 1], 1000.0);
    for step in series.chunks(5) {
        assert_eq!(step[0] + step[1] + step[2] + step[3], step[4]);
    }
}

#[wasm_bindgen_test]
fn terms_print_in_elixir_syntax_in_the_order_of_the_view() {
    let src = "# T\nactor a\na: m = %{a: 1, b: [1, 2]}\na: t = {:ok, self(), \"x\"}\n";
    let mut sim = from_source("t", src).expect("valid scenario");
    sim.seek(sim.len());
    let terms = sim.elixir_terms();
    assert_eq!(
        terms,
        r#"[{"pid":0,"vars":["%{a: 1, b: [1, 2]}","{:ok, #PID<0.0.0>, <<120>>}"],"mailbox":[]}]"#
    );
    // The view prints the same terms in Erlang.
    assert!(sim.view().contains(r#""preview":"{ok,<0.0.0>,<<120>>}""#));
}

/// The diagnostics bindings (diagnostics.rs) write JSON `JSON.parse` reads, negative growths included, and forced
/// switches run the scenario on them; a bad switch is an error naming it.
#[wasm_bindgen_test]
fn diagnostics_serialize_and_switches_rerun() {
    let src =
        "# T\n\nactor a\nactor b\na: x = :binary.copy(<<1>>, 2000)\na: _ = x\n:recon.bin_leak(1)\n";
    let mut sim = from_source("t", src).expect("valid scenario");
    sim.seek(sim.len());
    for json in [
        sim.top("binary_memory", 10),
        sim.top("no such key", 10),
        sim.process_info(0, "elixir"),
        sim.bin_leak_report(),
        sim.memory_growth(2),
        sim.vm_settings(),
        sim.diagnostics("memory", 10, Some(0), "erlang", 5),
        sim.diagnostics("memory", 10, None, "erlang", 5),
    ] {
        assert!(parse(&json).is_object(), "{json}");
    }
    assert!(sim.memory_growth(2).contains("\"delta\":-2000"));
    assert!(sim.bin_leak_report().contains("\"refs\":1,\"bytes\":2000"));
    assert_eq!(sim.process_info(99, "erlang"), "null");
    let shared =
        with_vm("t", src, "sharing_preserving:true,min_heap_size:1000").expect("valid switches");
    assert!(shared.vm_settings().contains("\"sharing_preserving\":true"));
    assert!(with_vm("t", src, "sharing_preserving:maybe").is_err());
}

#[derive(serde::Deserialize)]
struct FullView {
    processes: Vec<ProcSeen>,
    events: Vec<EventSeen>,
}

#[derive(serde::Deserialize, PartialEq, Debug, Default)]
struct ProcSeen {
    pid: u32,
    name: String,
    stage: String,
    alive: bool,
    stage_index: u32,
    heap_used: u64,
    old_heap_used: u64,
    memory: u64,
    message_queue_len: u64,
    hibernated: bool,
    fragments: Vec<u64>,
    binaries: Vec<u32>,
    mailbox: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Columns {
    fields: Vec<String>,
    numbers: Vec<f64>,
    names: Vec<String>,
    lists: Vec<ListsSeen>,
}

#[derive(serde::Deserialize)]
struct ListsSeen {
    pid: u32,
    fragments: Vec<u64>,
    binaries: Vec<u32>,
    mailbox: Vec<String>,
}

/// The processes of `view_some`'s columns as objects, the way `sim.js` builds them.
fn from_columns(c: &Columns, stages: &[String]) -> Vec<ProcSeen> {
    let k = c.fields.len();
    let field = |i: usize, name: &str| {
        let f = c.fields.iter().position(|n| n == name).expect("a field");
        c.numbers[i * k + f] as u64
    };
    let mut out: Vec<ProcSeen> = (0..c.names.len())
        .map(|i| ProcSeen {
            pid: field(i, "pid") as u32,
            name: c.names[i].clone(),
            stage: stages[field(i, "stage_index") as usize].clone(),
            alive: field(i, "alive") == 1,
            stage_index: field(i, "stage_index") as u32,
            heap_used: field(i, "heap_used"),
            old_heap_used: field(i, "old_heap_used"),
            memory: field(i, "memory"),
            message_queue_len: field(i, "message_queue_len"),
            hibernated: field(i, "hibernated") == 1,
            ..ProcSeen::default()
        })
        .collect();
    for l in &c.lists {
        let p = &mut out[l.pid as usize];
        p.fragments.clone_from(&l.fragments);
        p.binaries.clone_from(&l.binaries);
        p.mailbox.clone_from(&l.mailbox);
    }
    out
}

#[derive(serde::Deserialize)]
struct LegendSeen {
    stages: Vec<String>,
}

#[wasm_bindgen_test]
fn view_some_columns_and_step_events_say_what_view_says() {
    let legend: LegendSeen =
        serde_wasm_bindgen::from_value(parse(&Simulator::legend())).expect("legend");
    for id in ["process-lifecycle", "binary-leak"] {
        let mut sim = builtin(id);
        for step in 0..=sim.len() {
            // Read at the step before, as the page reads a step's events before moving to it.
            let events = sim.step_events(step);
            sim.seek(step);
            let full: FullView = serde_wasm_bindgen::from_value(parse(&sim.view())).expect("view");
            let pids: Vec<u32> = full.processes.iter().map(|p| p.pid).collect();
            let columns: Columns =
                serde_wasm_bindgen::from_value(parse(&sim.view_some(&pids))).expect("columns");
            assert_eq!(
                from_columns(&columns, &legend.stages),
                full.processes,
                "{id} step {step}"
            );
            assert_eq!(events.len(), 3 * full.events.len(), "{id} step {step}");
            for (e, nums) in full.events.iter().zip(events.chunks(3)) {
                assert_eq!(nums[0] != 0, e.kind == "GcFinished", "{id} step {step}");
                let named: Vec<u32> = nums[1..]
                    .iter()
                    .copied()
                    .filter(|&p| p != u32::MAX)
                    .collect();
                assert_eq!(named, e.pids, "{id} step {step} {}", e.kind);
            }
        }
    }
}

#[wasm_bindgen_test]
fn memory_growth_read_while_playing_equals_one_read_after_a_jump() {
    let mut playing = builtin("binary-leak");
    for step in 0..=playing.len() {
        playing.seek(step);
        let remembered = playing.memory_growth(5);
        let mut jumped = builtin("binary-leak");
        jumped.seek(step);
        assert_eq!(remembered, jumped.memory_growth(5), "step {step}");
        assert_eq!(playing.step(), step);
    }
}

#[derive(serde::Deserialize, PartialEq, Debug)]
struct MemorySeen {
    processes: f64,
    binary: f64,
    ets: f64,
    atom: f64,
    total: f64,
}

#[derive(serde::Deserialize)]
struct ViewMemory {
    memory: MemorySeen,
}

#[wasm_bindgen_test]
fn a_scenario_run_in_slices_is_the_scenario_run_at_once_and_its_memory_series_is_each_step_s() {
    let src = include_str!("../../../www/scenarios/binary-leak.scn");
    let whole = from_source("binary-leak", src).expect("valid");
    let mut sliced = Simulator::open("binary-leak", src, "").expect("valid");
    assert_eq!(sliced.steps_total(), whole.len());
    let mut slices = 0;
    while !sliced.advance(3).expect("reads") {
        slices += 1;
        // Until the run is over, the simulator stays at its last step run.
        sliced.seek(0);
        assert_eq!(sliced.step(), sliced.len());
        assert_eq!(sliced.len(), 3 * slices);
    }
    assert_eq!(sliced.len(), whole.len());
    assert_eq!(sliced.step(), 0);
    let series = sliced.memory_series().to_vec();
    assert_eq!(series, whole.memory_series().to_vec());
    let mut whole = whole;
    for step in 0..=sliced.len() {
        sliced.seek(step);
        whole.seek(step);
        assert_eq!(sliced.view(), whole.view(), "step {step}");
        let seen: ViewMemory = serde_wasm_bindgen::from_value(parse(&whole.view())).expect("view");
        let m = &series[step * 5..step * 5 + 5];
        assert_eq!(
            seen.memory,
            MemorySeen {
                processes: m[0],
                binary: m[1],
                ets: m[2],
                atom: m[3],
                total: m[4]
            },
            "step {step}"
        );
    }
    assert!(Simulator::open("bad", "actor a", "").is_err());
    assert!(Simulator::open("t", src, "sharing_preserving:maybe").is_err());
}

#[wasm_bindgen_test]
fn a_long_scenario_is_read_as_it_runs_and_its_late_errors_come_from_advance() {
    let src = "# Long\n\nactor a\na: t = [0]\na: for i <- 1..20000, do: x = [i | t]\nexpect a.heap_used <= 233\n";
    // Opened, it has read a few thousand steps and counted the rest.
    let mut sim = Simulator::open("long", src, "").expect("valid");
    assert_eq!(sim.steps_total(), 20002);
    let mut slices = 0;
    while !sim.advance(1000).expect("reads") {
        slices += 1;
    }
    assert_eq!((slices, sim.len()), (20, 20002));
    // A mistake far below: `open` has not read it yet, a run reaches it.
    let bad = format!("{src}a: y = [1 | u]\n");
    let sim = Simulator::open("bad", &bad, "").expect("the first steps read");
    let failed = advance_fails(sim);
    assert!(failed, "the unbound variable is reported");
    assert!(from_source("bad", &bad).is_err());
    // The same after a step that fails at run time: the rest of the text is still read.
    let stops = bad.replace("a: t = [0]", "a: t = [0]\na: z = 1 / 0");
    let sim = Simulator::open("stops", &stops, "").expect("the first steps read");
    let failed = advance_fails(sim);
    assert!(failed, "the text's error wins over the run's");
}

/// Whether running `sim` to its end, 1,000 steps at a time (at most 100 slices), stops at an error from `advance`.
fn advance_fails(mut sim: Simulator) -> bool {
    for _ in 0..100 {
        match sim.advance(1000) {
            Ok(true) => return false,
            Ok(false) => {}
            Err(_) => return true,
        }
    }
    false
}
